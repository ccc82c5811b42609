import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { HierarchyDeployment, ParameterHierarchy, ParameterKey, SecureValue } from '../lib';

/**
 * A batched hierarchy: members written by chunk resources instead of one custom resource each. A generated
 * member, a placeholder and a child hierarchy's member; a reader Lambda granted one member decrypts it
 * (returning only its version and length) and is denied the other. The reader's environment references the
 * member's name, so it deploys after the chunk that writes it.
 * Assertions read types and versions, never a value: an assertion's response travels through CloudFormation.
 */
const app = new App();
const stack = new Stack(app, 'BatchedInteg');
const PATH = '/cdk-secure-parameters/integ-batched';

const hierarchy = new ParameterHierarchy(stack, 'Hierarchy', {
  path: PATH,
  encryptionKey: new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) }),
  deployment: HierarchyDeployment.batched({ writesPerSecond: 2 }),
});
// the hierarchy keeps the default (RETAIN); each member asks for DESTROY so that integ stacks leave nothing behind
const destroy = { removalPolicy: RemovalPolicy.DESTROY };
const password = hierarchy.addSecureString('Password', {
  ...destroy,
  name: 'db/password',
  value: SecureValue.generated({ length: 32 }),
  description: 'Database password, generated once at deploy',
});
hierarchy.addSecureString('Token', { ...destroy, name: 'api/token', value: SecureValue.placeholder() });
hierarchy.child('reports').addSecureString('SigningKey', { ...destroy, name: 'signing-key', value: SecureValue.generated() });

/** Reads the named parameter with decryption and returns only its version and length, or the error's name. */
const READER_CODE = [
  "const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');",
  'exports.handler = async (event) => {',
  '  try {',
  '    const name = (event && event.name) || process.env.PARAMETER_NAME;',
  '    const { Parameter } = await new SSMClient({}).send(new GetParameterCommand({ Name: name, WithDecryption: true }));',
  '    return { version: Parameter.Version, length: Parameter.Value.length };',
  '  } catch (err) {',
  '    return { error: err.name };',
  '  }',
  '};',
].join('\n');

const reader = new lambda.Function(stack, 'Reader', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline(READER_CODE),
  environment: { PARAMETER_NAME: password.parameterName },
  timeout: Duration.seconds(30),
  logGroup: new logs.LogGroup(stack, 'ReaderLogs', { removalPolicy: RemovalPolicy.DESTROY, retention: logs.RetentionDays.ONE_DAY }),
});
password.grantRead(reader);

const integ = new IntegTest(app, 'BatchedTest', { testCases: [stack] });

integ.assertions
  .invokeFunction({ functionName: reader.functionName })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"version":1,"length":32') }));

// the grant covers its one member, not its siblings
integ.assertions
  .invokeFunction({ functionName: reader.functionName, payload: JSON.stringify({ name: `${PATH}/reports/signing-key` }) })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('AccessDenied') }));

for (const name of ['api/token', 'reports/signing-key']) {
  integ.assertions
    .awsApiCall('SSM', 'getParameter', { Name: `${PATH}/${name}` }, ['Parameter.Type', 'Parameter.Version'])
    .expect(ExpectedResult.objectLike({ Parameter: { Type: 'SecureString', Version: 1 } }));
}
