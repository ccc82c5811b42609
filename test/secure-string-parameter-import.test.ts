import { App, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterKey, SecureStringParameter } from '../lib';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const SHARED_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SHARED_ARN = 'arn:aws:ssm:eu-west-1:222222222222:parameter/shared/db/password';

function setup() {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, role };
}

function statementsOf(stack: Stack): any[] {
  return (Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0] as any).Properties.PolicyDocument.Statement;
}

describe('SecureStringParameter.fromSecureStringParameterAttributes', () => {
  test('by name: the ARN of this account and region, grants conditioned on its context', () => {
    const { stack, role } = setup();
    const key = new ParameterKey(stack, 'Key');

    const imported = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'Imported', { parameterName: '/app/prod/token', encryptionKey: key });
    imported.grantRead(role);

    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/app/prod/token']] };
    expect(imported.parameterType).toBe('SecureString');
    expect(imported.tier).toBe(ssm.ParameterTier.STANDARD);
    expect(statementsOf(stack)).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'], Resource: arn },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': arn, 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('a shared ARN of another account keeps its account; the name is derived from it', () => {
    const { stack, role } = setup();

    const shared = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'Shared', {
      parameterArn: SHARED_ARN,
      encryptionKey: kms.Key.fromKeyArn(stack, 'SharedKey', SHARED_KEY),
      tier: ssm.ParameterTier.ADVANCED,
    });
    shared.grantRead(role);
    shared.grantWrite(role);

    expect(shared.parameterName).toBe('/shared/db/password');
    expect(shared.env.account).toBe('222222222222');
    const condition = { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': SHARED_ARN, 'kms:ViaService': VIA_SSM } };
    expect(statementsOf(stack)).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'], Resource: SHARED_ARN },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: SHARED_KEY, Condition: condition },
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: SHARED_ARN },
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: SHARED_KEY, Condition: condition },
    ]);
  });

  test('plugs into ECS like our own parameters', () => {
    const { stack } = setup();
    const imported = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'Imported', {
      parameterName: '/app/prod/token',
      encryptionKey: new ParameterKey(stack, 'Key'),
    });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');

    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('busybox'), secrets: { TOKEN: ecs.Secret.fromSsmParameter(imported) } });

    const statements = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(statements).toContain('kms:EncryptionContext:PARAMETER_ARN');
  });

  test.each([
    ['neither name nor ARN', {}, 'Stack/I: an imported SecureString needs parameterName or parameterArn'],
    ['an ARN that is not a parameter ARN', { parameterArn: 'arn:aws:s3:::bucket' }, "Stack/I: parameterArn 'arn:aws:s3:::bucket' is invalid: expected arn:<partition>:ssm:<region>:<account>:parameter/<name>"],
    ['a name that disagrees with the ARN', { parameterArn: SHARED_ARN, parameterName: '/other' }, `Stack/I: parameterName '/other' does not match parameterArn '${SHARED_ARN}'`],
    ['an invalid name', { parameterName: 'a/b' }, "Stack/I: parameterName 'a/b' is invalid: a name with '/' must start with '/'"],
    ['a .. level', { parameterName: '/app/../x' }, "Stack/I: parameterName '/app/../x' is invalid: no level can be '.' or '..'"],
    ['a token name without simpleName', { parameterName: Token.asString({ Ref: 'Name' }) }, "Stack/I: parameterName is a token, so whether it starts with '/' is unknown at synth time: set simpleName"],
    ['a token ARN without a name', { parameterArn: Token.asString({ Ref: 'Arn' }) }, 'Stack/I: parameterArn is a token, so the name cannot be read from it: give parameterName too'],
    ['simpleName true for a path', { parameterName: '/app/x', simpleName: true }, "Stack/I: parameterName '/app/x' is not a simple name, but simpleName is true"],
    ['simpleName false for a simple name', { parameterName: 'x', simpleName: false }, "Stack/I: parameterName 'x' is a simple name, but simpleName is false"],
  ])('refuses %s', (_name, attrs, message) => {
    const { stack } = setup();

    expect(() => SecureStringParameter.fromSecureStringParameterAttributes(stack, 'I', { encryptionKey: new ParameterKey(stack, 'K'), ...attrs })).toThrow(message);
  });

  test.each([
    ['a', 'a', 'parameter/a'],
    ['/a', '/a', 'parameter/a'],
    ['/app/x', '/app/x', 'parameter/app/x'],
  ])('by name %s: the ARN Parameter Store gives it (a and /a are one parameter)', (parameterName, expectedName, arnSuffix) => {
    const { stack } = setup();

    const imported = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'I', { parameterName, encryptionKey: new ParameterKey(stack, 'K') });

    expect(imported.parameterName).toBe(expectedName);
    expect(stack.resolve(imported.parameterArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111111111111:${arnSuffix}`]] });
  });

  test.each([
    ['/a', 'a'],
    ['a', 'a'],
  ])('by ARN parameter/a with the name %s: accepted, the name kept as given', (parameterName, _canonical) => {
    const { stack } = setup();

    const imported = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'I', {
      parameterArn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/a',
      parameterName,
      encryptionKey: new ParameterKey(stack, 'K'),
    });

    expect(imported.parameterName).toBe(parameterName);
    expect(imported.parameterArn).toBe('arn:aws:ssm:eu-west-1:111111111111:parameter/a');
  });

  test.each([
    ['a path (simpleName false)', false, ':ssm:eu-west-1:111111111111:parameter'],
    ['a simple name (simpleName true)', true, ':ssm:eu-west-1:111111111111:parameter/'],
  ])('a token name of %s: the ARN joins it after the right separator, and grants use it', (_name, simpleName, prefix) => {
    const { stack, role } = setup();
    const name = new ssm.CfnParameter(stack, 'Pointer', { type: 'String', value: 'x' }).attrValue;

    const imported = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'I', { parameterName: name, simpleName, encryptionKey: new ParameterKey(stack, 'K') });
    imported.grantRead(role);

    const expectedArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, prefix, { 'Fn::GetAtt': ['Pointer', 'Value'] }]] };
    expect(stack.resolve(imported.parameterName)).toEqual({ 'Fn::GetAtt': ['Pointer', 'Value'] });
    expect(stack.resolve(imported.parameterArn)).toEqual(expectedArn);
    expect(statementsOf(stack)[0].Resource).toEqual(expectedArn);
  });

  test('a token ARN with a name: both used as given', () => {
    const { stack } = setup();
    const parameterArn = Token.asString({ Ref: 'ArnParameter' });

    const imported = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'I', { parameterArn, parameterName: '/app/x', encryptionKey: new ParameterKey(stack, 'K') });

    expect(imported.parameterName).toBe('/app/x');
    expect(stack.resolve(imported.parameterArn)).toEqual({ Ref: 'ArnParameter' });
  });
});
