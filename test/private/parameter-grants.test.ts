import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterKey } from '../../lib';
import { GrantTarget, READ_ACTIONS, grantOnParameters } from '../../lib/private/parameter-grants';

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
