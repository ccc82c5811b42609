import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ParameterHierarchy, ParameterKey, ParameterNotificationTopic, ParameterPolicy, SecureValue } from '../lib';

/**
 * Parameter policies and notifications after deploy: the handler fixed the relative expiration, the tier
 * is Advanced, and the policy-action rule of the notification topic exists.
 */
const app = new App();
const stack = new Stack(app, 'PoliciesInteg');
const PATH = '/cdk-secure-parameters/integ-policies';

const hierarchy = new ParameterHierarchy(stack, 'Hierarchy', {
  path: PATH,
  encryptionKey: new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) }),
  removalPolicy: RemovalPolicy.DESTROY,
  policies: [ParameterPolicy.expireAfter(Duration.days(30)), ParameterPolicy.expirationNotification(Duration.days(7))],
});
const token = hierarchy.addSecureString('Token', { name: 'ci/token', value: SecureValue.generated() });
const alerts = new ParameterNotificationTopic(stack, 'Alerts');
const rule = alerts.watch('Expiry', hierarchy);

const integ = new IntegTest(app, 'PoliciesTest', { testCases: [stack] });

integ.assertions
  .awsApiCall('SSM', 'describeParameters', { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [token.parameterName] }] }, [
    'Parameters.0.Tier',
    'Parameters.0.Policies',
  ])
  .expect(
    ExpectedResult.objectLike({
      Parameters: [
        {
          Tier: 'Advanced',
          Policies: Match.arrayWith([
            Match.objectLike({ PolicyType: 'Expiration' }),
            Match.objectLike({ PolicyType: 'ExpirationNotification' }),
          ]),
        },
      ],
    }),
  );

integ.assertions
  .awsApiCall('EventBridge', 'describeRule', { Name: rule.ruleName }, ['State'])
  .expect(ExpectedResult.objectLike({ State: 'ENABLED' }));
