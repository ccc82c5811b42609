import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ParameterHierarchy, ParameterKey, ParameterNotificationTopic, ParameterReplica, ReplicaSource, SecureValue } from '../lib';

/**
 * A hierarchy in eu-west-1 replicated to us-east-1 (a CloudFront / Lambda@Edge region): a multi-Region key with its
 * replica, the replicas written at deploy time from their sources, and changes followed through EventBridge.
 * After deploy, each replica exists in us-east-1 under the replica key, owned by the replica stack.
 */
const app = new App();
const account = process.env.CDK_INTEG_ACCOUNT ?? '123456789012';
const PATH = '/cdk-secure-parameters/integ-replica';

const sourceStack = new Stack(app, 'ReplicaSourceInteg', { env: { account, region: 'eu-west-1' } });
const hierarchy = new ParameterHierarchy(sourceStack, 'Hierarchy', {
  path: PATH,
  encryptionKey: new ParameterKey(sourceStack, 'Key', { multiRegion: true, removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) }),
  removalPolicy: RemovalPolicy.DESTROY,
});
hierarchy.addSecureString('SigningKey', { name: 'signing-key', value: SecureValue.generated({ length: 48 }) });
hierarchy.child('origin').addSecureString('Token', { name: 'token', value: SecureValue.placeholder() });

const replicaStack = new Stack(app, 'ReplicaInteg', { env: { account, region: 'us-east-1' }, crossRegionReferences: true });
const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy), removalPolicy: RemovalPolicy.DESTROY });
new ParameterNotificationTopic(replicaStack, 'Alerts').watchAlarm(replica.followAlarm!);
new ParameterNotificationTopic(sourceStack, 'Alerts').watchAlarm(replica.forwardAlarm!);

const integ = new IntegTest(app, 'ReplicaTest', {
  testCases: [sourceStack, replicaStack],
  assertionStack: new Stack(app, 'ReplicaAssertions', { env: { account, region: 'us-east-1' } }),
});

integ.assertions
  .awsApiCall('SSM', 'getParameterHistory', { Name: `${PATH}/signing-key` }, ['Parameters.0.Type', 'Parameters.0.Version'])
  .expect(ExpectedResult.objectLike({ Parameters: [{ Type: 'SecureString', Version: 1 }] }));

integ.assertions
  .awsApiCall('SSM', 'listTagsForResource', { ResourceType: 'Parameter', ResourceId: `${PATH}/origin/token` })
  .expect(ExpectedResult.objectLike({ TagList: Match.arrayWith([Match.objectLike({ Key: 'cdk-secure-parameters:owner', Value: Match.stringLikeRegexp('^ReplicaInteg/') })]) }));
