import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ParameterHierarchy, ParameterKey, SecureValue } from '../lib';

/**
 * A hierarchy and what its grants allow after deploy: a reader Lambda decrypts a SecureString under the
 * path (returning only its version and length), and a Lambda without the grant is denied.
 */
const app = new App();
const stack = new Stack(app, 'HierarchyInteg');
const PATH = '/cdk-secure-parameters/integ-hierarchy';

const hierarchy = new ParameterHierarchy(stack, 'Hierarchy', {
  path: PATH,
  encryptionKey: new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) }),
  removalPolicy: RemovalPolicy.DESTROY,
  // the reader below is part of this test app: its path-wildcard finding is accepted here
  acknowledgeGrantFindings: true,
});
const secret = hierarchy.addSecureString('Secret', { name: 'db/password', value: SecureValue.generated({ length: 32 }) });
hierarchy.addString('Url', { name: 'api/url', stringValue: 'https://example.com' });

/** Reads the parameter with decryption and returns only its version and length, or the error's name. */
const READER_CODE = [
  "const { SSMClient, GetParameterCommand } = require('@aws-sdk/client-ssm');",
  'exports.handler = async () => {',
  '  try {',
  '    const { Parameter } = await new SSMClient({}).send(new GetParameterCommand({ Name: process.env.PARAMETER_NAME, WithDecryption: true }));',
  '    return { version: Parameter.Version, length: Parameter.Value.length };',
  '  } catch (err) {',
  '    return { error: err.name };',
  '  }',
  '};',
].join('\n');

function readerFunction(id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(READER_CODE),
    environment: { PARAMETER_NAME: secret.parameterName },
    timeout: Duration.seconds(30),
    logGroup: new logs.LogGroup(stack, `${id}Logs`, { removalPolicy: RemovalPolicy.DESTROY, retention: logs.RetentionDays.ONE_DAY }),
  });
}

const reader = readerFunction('Reader');
hierarchy.grantRead(reader);
const outsider = readerFunction('Outsider');

const integ = new IntegTest(app, 'HierarchyTest', { testCases: [stack] });

integ.assertions
  .invokeFunction({ functionName: reader.functionName })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"version":1,"length":32') }));

integ.assertions
  .invokeFunction({ functionName: outsider.functionName })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('AccessDenied') }));
