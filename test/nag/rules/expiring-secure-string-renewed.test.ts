import { Duration, Stack } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  HierarchyDeployment,
  ParameterHierarchy,
  ParameterPolicy,
  ParameterPolicyType,
  ParameterRotation,
  SecureStringParameter,
  SecureStringParameterProps,
  SecureValue,
} from '../../../lib';
import { findings, newStack } from '../pack-findings';

/** ParameterStoreChecks' ExpiringSecureStringRenewed: an expiring SecureString rotates or announces its expiration to a target. */
const RULE = 'ParameterStore-ExpiringSecureStringRenewed';
const EXPIRES = ParameterPolicy.expireAfter(Duration.days(90));
const NOTIFIES = ParameterPolicy.expirationNotification(Duration.days(14));

function renewalFindings(stack: Stack): string[] {
  return findings(stack).filter((f) => f.startsWith(RULE));
}

function parameter(stack: Stack, props: Partial<SecureStringParameterProps> = {}): SecureStringParameter {
  return new SecureStringParameter(stack, 'P', { parameterName: '/app/token', value: SecureValue.generated(), ...props });
}

const topic = (stack: Stack) => new targets.SnsTopic(new sns.Topic(stack, 'Topic'));

const FOUND = [`${RULE} (error) @ Stack/P/Resource`];

test.each<[string, (stack: Stack) => void, string[]]>([
  ['expireAfter alone', (stack) => parameter(stack, { policies: [EXPIRES] }), FOUND],
  ['an absolute expiration alone', (stack) => parameter(stack, { policies: [ParameterPolicy.expiration(new Date('2031-01-01T00:00:00.000Z'))] }), FOUND],
  ['a notification no rule routes', (stack) => parameter(stack, { policies: [EXPIRES, NOTIFIES] }), FOUND],
  ['a routed notification', (stack) => parameter(stack, { policies: [EXPIRES, NOTIFIES] }).onPolicyAction('Renew', { target: topic(stack) }), []],
  ['a rule without a target', (stack) => parameter(stack, { policies: [EXPIRES, NOTIFIES] }).onPolicyAction('Renew'), FOUND],
  [
    'a rule for NoChangeNotification only',
    (stack) => parameter(stack, { policies: [EXPIRES, NOTIFIES] }).onPolicyAction('Renew', { target: topic(stack), policyTypes: [ParameterPolicyType.NO_CHANGE_NOTIFICATION] }),
    FOUND,
  ],
  [
    "a rule for another parameter's events",
    (stack) => {
      parameter(stack, { policies: [EXPIRES, NOTIFIES] });
      new SecureStringParameter(stack, 'Other', { parameterName: '/other/x', value: SecureValue.generated() }).onPolicyAction('Renew', { target: topic(stack) });
    },
    FOUND,
  ],
  [
    "a routed notification of the hierarchy's path",
    (stack) => {
      const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/app' });
      hierarchy.addSecureString('Token', { name: 'token', value: SecureValue.generated(), policies: [EXPIRES, NOTIFIES] });
      hierarchy.onPolicyAction('Renew', { target: topic(stack) });
    },
    [],
  ],
  ['rotation before expiration', (stack) => parameter(stack, { policies: [EXPIRES, NOTIFIES], rotation: ParameterRotation.beforeExpiration() }), []],
  ['rotation on a schedule', (stack) => parameter(stack, { policies: [EXPIRES], rotation: ParameterRotation.every(Duration.days(30)) }), []],
  ['no expiration', (stack) => parameter(stack, { policies: [ParameterPolicy.noChangeNotification(Duration.days(30))] }), []],
])('%s', (_name, build, expected) => {
  const stack = newStack();
  build(stack);

  expect(renewalFindings(stack)).toEqual(expected);
});

test('a batched hierarchy: one finding per expiring member that neither rotates nor is routed', () => {
  const stack = newStack();
  const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/app', deployment: HierarchyDeployment.batched(), policies: [EXPIRES] });
  hierarchy.addSecureString('Stale', { name: 'stale', value: SecureValue.generated() });
  hierarchy.addSecureString('Rotated', { name: 'rotated', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(30)) });

  expect(renewalFindings(stack)).toEqual([`${RULE}[Member::/app/stale] (error) @ Stack/H/Batch/Chunk0`]);
});

test("a hierarchy's default rotation applies to its generated members only", () => {
  const stack = newStack();
  const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/app', deployment: HierarchyDeployment.batched(), policies: [EXPIRES], rotation: ParameterRotation.every(Duration.days(30)) });
  hierarchy.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });
  hierarchy.addSecureString('Operated', { name: 'operated', value: SecureValue.placeholder() });
  hierarchy.addSecureString('OptedOut', { name: 'opted-out', value: SecureValue.generated(), rotation: ParameterRotation.none() });

  expect(renewalFindings(stack)).toEqual([`${RULE}[Member::/app/operated] (error) @ Stack/H/Batch/Chunk0`, `${RULE}[Member::/app/opted-out] (error) @ Stack/H/Batch/Chunk0`]);
});
