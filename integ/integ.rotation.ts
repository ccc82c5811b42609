import { ExpectedResult, IntegTest, InvocationType, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ParameterHierarchy, ParameterKey, ParameterPolicy, ParameterRotation, SecureValue } from '../lib';
import { ParameterRotator } from '../lib/private/parameter-rotator';

/**
 * Rotation after deploy: the handler tagged and labelled the rotating parameters, the schedule and the
 * ExpirationNotification rule are enabled, and the rotator, invoked as its schedule invokes it, succeeds
 * without rotating a value the deploy has just written (a rotation is never made twice in a row).
 */
const app = new App();
const stack = new Stack(app, 'RotationInteg');
const PATH = '/cdk-secure-parameters/integ-rotation';

const hierarchy = new ParameterHierarchy(stack, 'Hierarchy', {
  path: PATH,
  encryptionKey: new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) }),
  removalPolicy: RemovalPolicy.DESTROY,
  rotation: ParameterRotation.every(Duration.days(1)),
});
const scheduled = hierarchy.addSecureString('Scheduled', { name: 'scheduled', value: SecureValue.generated() });
hierarchy.addSecureString('Expiring', {
  name: 'expiring',
  value: SecureValue.generated(),
  policies: [ParameterPolicy.expireAfter(Duration.days(30)), ParameterPolicy.expirationNotification(Duration.days(7))],
  rotation: ParameterRotation.beforeExpiration(),
});
const rotator = ParameterRotator.of(stack);

const integ = new IntegTest(app, 'RotationTest', { testCases: [stack] });

integ.assertions
  .awsApiCall('SSM', 'listTagsForResource', { ResourceType: 'Parameter', ResourceId: scheduled.parameterName })
  .expect(ExpectedResult.objectLike({ TagList: Match.arrayWith([{ Key: 'cdk-secure-parameters:rotation', Value: 'RotationInteg/every-86400' }]) }));

integ.assertions
  .invokeFunction({ functionName: rotator.function.functionName, invocationType: InvocationType.REQUEST_RESPONSE, payload: JSON.stringify({ Trigger: 'every-86400' }) })
  .expect(ExpectedResult.objectLike({ StatusCode: 200 }))
  .next(
    integ.assertions
      .awsApiCall('SSM', 'getParameterHistory', { Name: scheduled.parameterName }, ['Parameters.0.Version', 'Parameters.0.Labels'])
      .expect(ExpectedResult.objectLike({ Parameters: [{ Version: 1, Labels: Match.arrayWith(['current']) }] })),
  );

integ.assertions
  .awsApiCall('CloudWatch', 'describeAlarms', { AlarmNames: [rotator.alarm.alarmName] }, ['MetricAlarms.0.StateValue'])
  .expect(ExpectedResult.objectLike({ MetricAlarms: [{ StateValue: Match.stringLikeRegexp('OK|INSUFFICIENT_DATA') }] }));
