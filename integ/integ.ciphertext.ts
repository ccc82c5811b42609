import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { ParameterKey, SecureStringParameter, SecureValue } from '../lib';

/**
 * SecureValue.fromCiphertext end to end. A user commits the output of `aws kms encrypt`; here a small
 * provider makes that ciphertext at deploy time under the deployed key, with the parameter's ARN as
 * encryption context, and returns it base64-encoded (AwsCustomResource cannot: it decodes binary outputs
 * as UTF-8). The ciphertext is not secret; the test value is not either.
 */
const app = new App();
const stack = new Stack(app, 'CiphertextInteg');
const NAME = '/cdk-secure-parameters/integ-ciphertext/api-key';
const TEST_VALUE = 'integ-ciphertext-value';

const key = new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) });
const parameterArn = `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${NAME}`;

const encryptor = new lambda.Function(stack, 'Encryptor', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  timeout: Duration.seconds(30),
  logGroup: new logs.LogGroup(stack, 'EncryptorLogs', { removalPolicy: RemovalPolicy.DESTROY, retention: logs.RetentionDays.ONE_DAY }),
  code: lambda.Code.fromInline([
    "const { KMSClient, EncryptCommand } = require('@aws-sdk/client-kms');",
    'exports.handler = async (event) => {',
    "  if (event.RequestType === 'Delete') return {};",
    '  const { KeyId, ParameterArn, Value } = event.ResourceProperties;',
    '  const result = await new KMSClient({}).send(new EncryptCommand({ KeyId, Plaintext: Buffer.from(Value), EncryptionContext: { PARAMETER_ARN: ParameterArn } }));',
    "  return { Data: { Ciphertext: Buffer.from(result.CiphertextBlob).toString('base64') } };",
    '};',
  ].join('\n')),
});
encryptor.addToRolePolicy(new iam.PolicyStatement({
  actions: ['kms:Encrypt'],
  resources: [key.keyArn],
  conditions: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArn } },
}));
const ciphertext = new CustomResource(stack, 'Ciphertext', {
  serviceToken: new cr.Provider(stack, 'EncryptProvider', { onEventHandler: encryptor }).serviceToken,
  properties: { KeyId: key.keyArn, ParameterArn: parameterArn, Value: TEST_VALUE },
});

const parameter = new SecureStringParameter(stack, 'ApiKey', {
  parameterName: NAME,
  value: SecureValue.fromCiphertext(ciphertext.getAttString('Ciphertext')),
  encryptionKey: key,
  removalPolicy: RemovalPolicy.DESTROY,
});

const reader = new lambda.Function(stack, 'Reader', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  timeout: Duration.seconds(30),
  logGroup: new logs.LogGroup(stack, 'ReaderLogs', { removalPolicy: RemovalPolicy.DESTROY, retention: logs.RetentionDays.ONE_DAY }),
  environment: { PARAMETER_NAME: NAME },
  code: lambda.Code.fromInline([
    "const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');",
    'exports.handler = async () => {',
    '  const { Parameter } = await new SSMClient({}).send(new GetParameterCommand({ Name: process.env.PARAMETER_NAME, WithDecryption: true }));',
    '  return { version: Parameter.Version, length: Parameter.Value.length };',
    '};',
  ].join('\n')),
});
parameter.grantRead(reader);

const integ = new IntegTest(app, 'CiphertextTest', { testCases: [stack] });
integ.assertions
  .invokeFunction({ functionName: reader.functionName })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp(`"length":${TEST_VALUE.length}`) }));
