import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ParameterKey } from '../lib';

const app = new App();
const stack = new Stack(app, 'ParameterKeyInteg');

const key = new ParameterKey(stack, 'Key', {
  alias: 'cdk-secure-parameters/integ',
  rotationPeriod: Duration.days(180),
  // an integ test must leave nothing behind in the account that ran it
  removalPolicy: RemovalPolicy.DESTROY,
  pendingWindow: Duration.days(7),
});

const integ = new IntegTest(app, 'ParameterKeyTest', { testCases: [stack] });

integ.assertions
  .awsApiCall('KMS', 'describeKey', { KeyId: key.keyId })
  .expect(
    ExpectedResult.objectLike({
      KeyMetadata: { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', KeyManager: 'CUSTOMER' },
    }),
  );

integ.assertions
  .awsApiCall('KMS', 'getKeyRotationStatus', { KeyId: key.keyId })
  .expect(ExpectedResult.objectLike({ KeyRotationEnabled: true, RotationPeriodInDays: 180 }));
