import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterPolicy } from '../../lib';
import { assertValidPolicies, policyProblems, policyProperties, tierForPolicies } from '../../lib/private/policy-validation';

const NOW = new Date('2030-06-01T00:00:00.000Z');
const AFTER_DAYS = ParameterPolicy.noChangeNotification(Duration.days(30));

describe('tierForPolicies', () => {
  test.each([
    ['no tier, no policies: none (the caller\'s default)', undefined, [], undefined],
    ['no tier, a policy: Advanced', undefined, [AFTER_DAYS], ssm.ParameterTier.ADVANCED],
    ['a given tier stays, with policies', ssm.ParameterTier.INTELLIGENT_TIERING, [AFTER_DAYS], ssm.ParameterTier.INTELLIGENT_TIERING],
    ['a given tier stays, without policies', ssm.ParameterTier.STANDARD, [], ssm.ParameterTier.STANDARD],
  ])('%s', (_name, tier, policies, expected) => {
    expect(tierForPolicies(tier, policies)).toBe(expected);
  });
});

describe('assertValidPolicies', () => {
  test('no policies on a Standard parameter is no problem', () => {
    expect(() => assertValidPolicies(new Stack(new App(), 'Stack'), '/app/x', ssm.ParameterTier.STANDARD, [])).not.toThrow();
  });

  test('every problem is named, separated by semicolons', () => {
    const twoExpirations = [ParameterPolicy.expiration(new Date('2020-01-01T00:00:00.000Z')), ParameterPolicy.expireAfter(Duration.days(1))];

    expect(() => assertValidPolicies(new Stack(new App(), 'Stack'), '/app/x', undefined, twoExpirations)).toThrow(
      'Stack: /app/x: policies are invalid: 2 Expiration policies; Parameter Store allows one (two are incompatible); the expiration 2020-01-01T00:00:00.000Z is in the past',
    );
  });
});

describe('the 4096-character limit of the policies JSON', () => {
  // a relative expiration (91 characters with its deploy-time timestamp) and 44 notifications of 90 or 91 characters
  const policiesOf = (lastNotification: Duration) => [
    ParameterPolicy.expireAfter(Duration.days(1)),
    ...Array.from({ length: 43 }, () => ParameterPolicy.noChangeNotification(Duration.hours(10))),
    ParameterPolicy.noChangeNotification(lastNotification),
  ];

  test('4096 characters, the relative expiration measured with its timestamp, are accepted', () => {
    expect(policyProblems(policiesOf(Duration.days(10)), NOW)).toEqual(['45 policies; Parameter Store allows at most 10']);
  });

  test('4097 characters are refused', () => {
    expect(policyProblems(policiesOf(Duration.hours(10)), NOW)).toEqual([
      '45 policies; Parameter Store allows at most 10',
      'the policies serialize to 4097 characters; Parameter Store allows at most 4096',
    ]);
  });
});

describe('policyProperties', () => {
  test('a relative expiration alone: no fixed policies to send, only its seconds', () => {
    expect(policyProperties([ParameterPolicy.expireAfter(Duration.hours(2))])).toEqual({ Policies: undefined, ExpireAfterSeconds: '7200' });
  });

  test('no policies: neither', () => {
    expect(policyProperties([])).toEqual({ Policies: undefined, ExpireAfterSeconds: undefined });
  });
});
