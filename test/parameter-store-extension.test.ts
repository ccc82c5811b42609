import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ParameterHierarchy, ParameterStoreExtension, SecureValue } from '../lib';

function setup() {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
  const password = prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    paramsAndSecrets: ParameterStoreExtension.layer({ cacheTtl: Duration.minutes(2) }),
  });
  return { stack, prod, password, fn };
}

test('the layer caches Parameter Store reads; connect names the parameter and grants it, scoped', () => {
  const { stack, password, fn } = setup();

  ParameterStoreExtension.connect(fn, 'DB_PASSWORD_PARAMETER', password);

  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::Lambda::Function', {
    Layers: [Match.stringLikeRegexp('^arn:aws:lambda:eu-west-1:[0-9]+:layer:AWS-Parameters-and-Secrets-Lambda-Extension:')],
    Environment: {
      Variables: Match.objectLike({
        // the name references the parameter's resource: the function deploys after the value exists
        DB_PASSWORD_PARAMETER: { Ref: stack.getLogicalId(password.node.defaultChild as CfnResource) },
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true',
        SSM_PARAMETER_STORE_TTL: '120',
      }),
    },
  });
  const policy = Object.values(template.findResources('AWS::IAM::Policy'))[0] as any;
  const decrypt = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'kms:Decrypt');
  expect(Object.keys(decrypt.Condition.StringEquals)).toEqual(['kms:EncryptionContext:PARAMETER_ARN', 'kms:ViaService']);
});

test('connectHierarchy names the path and grants the path', () => {
  const { stack, prod, fn } = setup();

  ParameterStoreExtension.connectHierarchy(fn, 'PARAMETER_PATH', prod);

  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ PARAMETER_PATH: '/app/prod' }) } });
  const policy = Object.values(template.findResources('AWS::IAM::Policy'))[0] as any;
  expect(policy.Properties.PolicyDocument.Statement.map((s: any) => s.Action)).toEqual([
    ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'],
    'ssm:GetParametersByPath',
    'kms:Decrypt',
  ]);
});
