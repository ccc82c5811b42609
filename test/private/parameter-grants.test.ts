import { App, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterKey } from '../../lib';
import { GrantTarget, READ_ACTIONS, WRITE_ACTIONS, grantOnParameters } from '../../lib/private/parameter-grants';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const ENV = { account: ACCOUNT, region: 'eu-west-1' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
/** What a made parameter's grant names: its attribute for the grantee, its concrete ARN for the key policy. */
const TARGET: GrantTarget = {
  contextOperator: 'StringEquals',
  parameterArns: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/attribute',
  keyPolicyArns: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/concrete',
};
const conditionFor = (arn: string) => ({ StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': arn, 'kms:ViaService': VIA_SSM } });

function addedKeyStatements(stack: Stack, key: kms.IKey): any[] {
  const resource = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)];
  const defaults = key instanceof ParameterKey ? 2 : 1;
  return resource.Properties.KeyPolicy.Statement.slice(defaults);
}

function principalStatements(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('grantOnParameters: where the key side of a grant goes', () => {
  test.each([
    ['a ParameterKey', (s: Stack) => new ParameterKey(s, 'Key') as kms.IKey],
    ['a kms.Key (its policy trusts the account)', (s: Stack) => new kms.Key(s, 'Key')],
  ])('a role of the key\'s account and %s: the role\'s policy only', (_name, makeKey) => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = makeKey(stack);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });

    grantOnParameters(stack, role, TARGET, READ_ACTIONS, key, ['kms:Decrypt']);

    expect(principalStatements(stack)).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: stack.resolve(key.keyArn),
      Condition: conditionFor(TARGET.parameterArns),
    });
    expect(addedKeyStatements(stack, key)).toEqual([]);
  });

  test.each([
    ['a principal of the key\'s account that holds no policy', (_app: App, _s: Stack) => new iam.AccountPrincipal(ACCOUNT) as iam.IGrantable,
      { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } }],
    ['a role made in the app in another account', (app: App, _s: Stack) => new iam.Role(new Stack(app, 'Other', { env: { account: OTHER_ACCOUNT, region: 'eu-west-1' } }), 'Role', {
      assumedBy: new iam.AccountRootPrincipal(),
      roleName: 'consumer',
    }) as iam.IGrantable, { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${OTHER_ACCOUNT}:role/consumer`]] } }],
    ['a grantee with no account (a service)', (_app: App, _s: Stack) => new iam.ServicePrincipal('lambda.amazonaws.com') as iam.IGrantable, { Service: 'lambda.amazonaws.com' }],
  ])('%s: the key policy allows it, naming the concrete ARN', (_name, makeGrantee, principal) => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const key = new ParameterKey(stack, 'Key');

    grantOnParameters(stack, makeGrantee(app, stack), TARGET, READ_ACTIONS, key, ['kms:Decrypt']);

    expect(addedKeyStatements(stack, key)).toEqual([
      { Effect: 'Allow', Principal: principal, Action: 'kms:Decrypt', Resource: '*', Condition: conditionFor(TARGET.keyPolicyArns!) },
    ]);
  });

  test('an imported key: the role\'s policy (its owner\'s key policy must allow the role; this app cannot edit it)', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });

    grantOnParameters(stack, role, TARGET, READ_ACTIONS, key, ['kms:Decrypt']);

    expect(principalStatements(stack)).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.keyArn, Condition: conditionFor(TARGET.parameterArns) });
  });

  test('without keyPolicyArns, the key policy names parameterArns', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = new ParameterKey(stack, 'Key');

    grantOnParameters(stack, new iam.AccountPrincipal(OTHER_ACCOUNT), { contextOperator: 'StringEquals', parameterArns: TARGET.parameterArns }, READ_ACTIONS, key, ['kms:Decrypt']);

    expect(addedKeyStatements(stack, key)[0].Condition).toEqual(conditionFor(TARGET.parameterArns));
  });
});

describe('grantOnParameters: a path target', () => {
  const PATH_TARGET: GrantTarget = {
    contextOperator: 'StringLike',
    parameterArns: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/*',
    pathArn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app',
  };

  function grantOnPath(ssmActions: string[]): any[] {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = new ParameterKey(stack, 'Key');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    grantOnParameters(stack, role, PATH_TARGET, ssmActions, key, ['kms:Decrypt']);
    return principalStatements(stack).map(({ Resource, ...statement }) => statement.Action === 'kms:Decrypt' ? statement : { ...statement, Resource });
  }

  test('a reader may also read by path (authorized against the path itself), and decrypt what is under it', () => {
    expect(grantOnPath(READ_ACTIONS)).toEqual([
      { Effect: 'Allow', Action: READ_ACTIONS, Resource: PATH_TARGET.parameterArns },
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [PATH_TARGET.pathArn, PATH_TARGET.parameterArns] },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': PATH_TARGET.parameterArns }, StringEquals: { 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('a writer does not get GetParametersByPath', () => {
    expect(grantOnPath(WRITE_ACTIONS).map((statement) => statement.Action)).toEqual(['ssm:PutParameter', 'kms:Decrypt']);
  });
});

describe('grantOnParameters: which grantees count as the key\'s account', () => {
  test('an imported role whose account is a token: counted as the key\'s (as aws-iam\'s Grant does), the key policy is left alone', () => {
    const stack = new Stack(new App(), 'Stack');
    const key = new ParameterKey(stack, 'Key');
    const role = iam.Role.fromRoleArn(stack, 'Role', Fn.importValue('ConsumerRoleArn'));

    grantOnParameters(stack, role, TARGET, READ_ACTIONS, key, ['kms:Decrypt']);

    expect(addedKeyStatements(stack, key)).toEqual([]);
  });

  test('a key made from a CfnKey (aws-kms marks it as not delegating to IAM): its key policy allows the role too', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const cfnKey = new kms.CfnKey(stack, 'Key', { keyPolicy: { Version: '2012-10-17', Statement: [] } });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });

    grantOnParameters(stack, role, TARGET, READ_ACTIONS, kms.Key.fromCfnKey(cfnKey), ['kms:Decrypt']);

    expect(Template.fromStack(stack).toJSON().Resources.Key.Properties.KeyPolicy.Statement).toEqual([{
      Effect: 'Allow',
      Principal: { AWS: stack.resolve(role.roleArn) },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: conditionFor(TARGET.keyPolicyArns!),
    }]);
  });
});
