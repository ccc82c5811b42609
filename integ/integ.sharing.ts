import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterKey, ParameterPolicy, SecureStringParameter, SecureValue, ShareTarget } from '../lib';

/**
 * Sharing, as far as one account can prove it: the RAM share exists, is active and holds the parameter.
 * The consumer account (`-c shareWithAccount=<id>`, default a documentation id) gets an invitation;
 * reading from there needs that account.
 */
const app = new App();
const stack = new Stack(app, 'SharingInteg');
const consumer: string = app.node.tryGetContext('shareWithAccount') ?? '123456789012';

const parameter = new SecureStringParameter(stack, 'Shared', {
  parameterName: '/cdk-secure-parameters/integ-sharing/db/password',
  value: SecureValue.generated(),
  tier: ssm.ParameterTier.ADVANCED,
  policies: [ParameterPolicy.expireAfter(Duration.days(30))],
  encryptionKey: new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) }),
  removalPolicy: RemovalPolicy.DESTROY,
});
const share = parameter.shareWith('Share', [ShareTarget.account(consumer)]);

const integ = new IntegTest(app, 'SharingTest', { testCases: [stack] });

integ.assertions
  .awsApiCall('RAM', 'getResourceShares', { resourceOwner: 'SELF', resourceShareArns: [share.attrArn] }, ['resourceShares.0.status'])
  .expect(ExpectedResult.objectLike({ resourceShares: [{ status: 'ACTIVE' }] }));
