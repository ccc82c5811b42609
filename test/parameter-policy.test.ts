import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, ParameterPolicy, ParameterPolicyType, SecureStringParameter, SecureValue } from '../lib';
import { policyProblems } from '../lib/private/policy-validation';

const FUTURE = new Date('2031-01-01T00:00:00.000Z');

function parameterWith(policies: ParameterPolicy[], tier?: ssm.ParameterTier) {
  const stack = new Stack(new App(), 'Stack');
  const parameter = new SecureStringParameter(stack, 'P', { parameterName: '/app/prod/x', value: SecureValue.generated(), policies, tier });
  const [resource] = Object.values(Template.fromStack(stack).findResources('Custom::SecureStringParameter')) as any[];
  return { parameter, properties: resource.Properties };
}

describe('ParameterPolicy JSON, exactly as Parameter Store documents it', () => {
  test.each([
    ['an absolute expiration', ParameterPolicy.expiration(FUTURE), '{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00.000Z"}}'],
    ['a notification in days', ParameterPolicy.expirationNotification(Duration.days(14)), '{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"14","Unit":"Days"}}'],
    ['a notification in hours', ParameterPolicy.expirationNotification(Duration.hours(36)), '{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"36","Unit":"Hours"}}'],
    ['no-change in hours', ParameterPolicy.noChangeNotification(Duration.hours(36)), '{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"36","Unit":"Hours"}}'],
    ['whole days given in hours become days', ParameterPolicy.noChangeNotification(Duration.hours(48)), '{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Days"}}'],
    ['whole days given in minutes become days', ParameterPolicy.noChangeNotification(Duration.minutes(1440)), '{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Days"}}'],
  ])('%s', (_name, policy, json) => {
    expect(policy.toJson()).toBe(json);
  });

  test('types: the exported enum, whose values are Parameter Store\'s type names', () => {
    expect(ParameterPolicy.expiration(FUTURE).policyType).toBe(ParameterPolicyType.EXPIRATION);
    expect(ParameterPolicy.expireAfter(Duration.days(90)).policyType).toBe(ParameterPolicyType.EXPIRATION);
    expect(ParameterPolicy.expirationNotification(Duration.days(1)).policyType).toBe(ParameterPolicyType.EXPIRATION_NOTIFICATION);
    expect(ParameterPolicy.noChangeNotification(Duration.days(1)).policyType).toBe(ParameterPolicyType.NO_CHANGE_NOTIFICATION);
    expect(Object.values(ParameterPolicyType)).toEqual(['Expiration', 'ExpirationNotification', 'NoChangeNotification']);
  });

  test('a relative expiration has no JSON of its own', () => {
    expect(() => ParameterPolicy.expireAfter(Duration.days(30)).toJson()).toThrow('the handler computes its timestamp at deploy time');
  });
});

describe('policies on a SecureStringParameter', () => {
  test('fixed policies travel as the JSON array PutParameter takes; they make the tier Advanced', () => {
    const { parameter, properties } = parameterWith([ParameterPolicy.expiration(FUTURE), ParameterPolicy.expirationNotification(Duration.days(14))]);

    expect(parameter.tier).toBe(ssm.ParameterTier.ADVANCED);
    expect(properties.Tier).toBe('Advanced');
    expect(properties.Policies).toBe(
      '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00.000Z"}},' +
        '{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"14","Unit":"Days"}}]',
    );
    expect(properties.ExpireAfterSeconds).toBeUndefined();
  });

  test('a relative expiration travels as seconds, for the handler to fix at each write', () => {
    const { properties } = parameterWith([ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(7))]);

    expect(properties.ExpireAfterSeconds).toBe(String(90 * 24 * 3600));
    expect(properties.Policies).toBe('[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"7","Unit":"Days"}}]');
  });

  test('Intelligent-Tiering may carry policies', () => {
    const { properties } = parameterWith([ParameterPolicy.noChangeNotification(Duration.days(30))], ssm.ParameterTier.INTELLIGENT_TIERING);

    expect(properties.Tier).toBe('Intelligent-Tiering');
  });

  test('an explicit Standard tier with policies is an error', () => {
    expect(() => parameterWith([ParameterPolicy.noChangeNotification(Duration.days(30))], ssm.ParameterTier.STANDARD)).toThrow(
      'Stack/P: /app/prod/x: tier Standard cannot carry policies; use Advanced (or leave tier unset)',
    );
  });

  test.each([
    ['minutes', [ParameterPolicy.noChangeNotification(Duration.minutes(90))], 'policy 1 (NoChangeNotification): 1 hour 30 minutes is not a whole number of days or hours; Parameter Store policies count in Days or Hours'],
    ['a fraction of an hour', [ParameterPolicy.noChangeNotification(Duration.seconds(30))], 'policy 1 (NoChangeNotification): 30 seconds is not a whole number of days or hours'],
    ['two expirations', [ParameterPolicy.expiration(FUTURE), ParameterPolicy.expireAfter(Duration.days(3))], '2 Expiration policies; Parameter Store allows one (two are incompatible)'],
    ['a notification without an expiration', [ParameterPolicy.expirationNotification(Duration.days(3))], 'an ExpirationNotification needs an Expiration policy'],
    ['a notification as long as the relative lifetime', [ParameterPolicy.expireAfter(Duration.days(7)), ParameterPolicy.expirationNotification(Duration.days(7))], "the ExpirationNotification 7 days before expiry is not shorter than the parameter's lifetime"],
    ['a notification longer than the time left', [ParameterPolicy.expiration(new Date(Date.now() + 2 * 86_400_000)), ParameterPolicy.expirationNotification(Duration.days(3))], "the ExpirationNotification 3 days before expiry is not shorter than the parameter's lifetime"],
    ['an expiration in the past', [ParameterPolicy.expiration(new Date('2020-01-01T00:00:00.000Z'))], 'the expiration 2020-01-01T00:00:00.000Z is in the past'],
    ['11 policies', Array.from({ length: 11 }, (_, i) => ParameterPolicy.noChangeNotification(Duration.days(i + 1))), '11 policies; Parameter Store allows at most 10'],
  ])('%s is refused at synth', (_name, policies, message) => {
    expect(() => parameterWith(policies)).toThrow(`Stack/P: /app/prod/x: policies are invalid: ${message}`);
  });

  test.each([
    ['90 minutes', Duration.minutes(90), 'policy 1 (Expiration): 1 hour 30 minutes is not a whole number of days or hours; Parameter Store policies count in Days or Hours'],
    ['30 seconds', Duration.seconds(30), 'policy 1 (Expiration): 30 seconds is not a whole number of days or hours'],
    ['0 seconds', Duration.seconds(0), 'policy 1 (Expiration): a policy duration of 0 is none; Parameter Store policies count at least one hour'],
    ['0 days', Duration.days(0), 'policy 1 (Expiration): a policy duration of 0 is none'],
    ['a token', Duration.seconds(Token.asNumber({ Ref: 'Seconds' })), 'policy 1 (Expiration): a policy duration must be concrete, not a token'],
  ])('expireAfter(%s) is refused: whole hours, at least one, as the README says', (_name, after, message) => {
    expect(() => parameterWith([ParameterPolicy.expireAfter(after)])).toThrow(`Stack/P: /app/prod/x: policies are invalid: ${message}`);
  });

  test.each([
    ['one hour', Duration.hours(1), '3600'],
    ['36 hours', Duration.hours(36), String(36 * 3600)],
    ['120 minutes (two whole hours)', Duration.minutes(120), '7200'],
    ['two days', Duration.days(2), String(2 * 86400)],
  ])('expireAfter(%s) is accepted and travels as seconds', (_name, after, seconds) => {
    expect(parameterWith([ParameterPolicy.expireAfter(after)]).properties.ExpireAfterSeconds).toBe(seconds);
  });

  test.each([
    ['expirationNotification of 0 hours', ParameterPolicy.expirationNotification(Duration.hours(0)), 'policy 2 (ExpirationNotification): a policy duration of 0 is none'],
    ['expirationNotification of 90 minutes', ParameterPolicy.expirationNotification(Duration.minutes(90)), 'policy 2 (ExpirationNotification): 1 hour 30 minutes is not a whole number of days or hours'],
    ['noChangeNotification of 0 days', ParameterPolicy.noChangeNotification(Duration.days(0)), 'policy 2 (NoChangeNotification): a policy duration of 0 is none'],
  ])('%s is refused the same way (Days or Hours units)', (_name, notification, message) => {
    expect(() => parameterWith([ParameterPolicy.expireAfter(Duration.days(30)), notification])).toThrow(message);
  });

  test('a plain hierarchy parameter is checked by the same function', () => {
    const hierarchy = new ParameterHierarchy(new Stack(new App(), 'Stack'), 'Prod', { path: '/app/prod' });

    expect(() => hierarchy.addString('Url', { name: 'url', stringValue: 'x', policies: [ParameterPolicy.expireAfter(Duration.minutes(90))] })).toThrow(
      'Stack/Prod: /app/prod/url: policies are invalid: policy 1 (Expiration): 1 hour 30 minutes is not a whole number of days or hours',
    );
  });

  test('an expiration at the very moment of synth is already past; one millisecond later is not', () => {
    const now = new Date('2030-06-01T00:00:00.000Z');

    expect(policyProblems([ParameterPolicy.expiration(now)], now)).toEqual(['the expiration 2030-06-01T00:00:00.000Z is in the past']);
    expect(policyProblems([ParameterPolicy.expiration(new Date(now.getTime() + 1))], now)).toEqual([]);
  });

  test('JSON over 4096 characters is refused (only reachable with too many policies: it is reported alongside)', () => {
    const policies = Array.from({ length: 50 }, (_, i) => ParameterPolicy.noChangeNotification(Duration.days(i + 1)));
    const length = `[${policies.map((p) => p.toJson()).join(',')}]`.length;

    expect(policyProblems(policies, new Date())).toEqual([
      '50 policies; Parameter Store allows at most 10',
      `the policies serialize to ${length} characters; Parameter Store allows at most 4096`,
    ]);
    expect(length).toBeGreaterThan(4096);
  });

  test('the maximum: ten policies of one expiration and nine notifications', () => {
    const notifications = Array.from({ length: 9 }, (_, i) => ParameterPolicy.noChangeNotification(Duration.days(i + 1)));
    const policies = [ParameterPolicy.expireAfter(Duration.days(365)), ...notifications];

    expect(() => parameterWith(policies)).not.toThrow();
  });
});
