import { App, Duration, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { ParameterPolicy, ParameterRotation, SecureStringParameter, SecureValue } from '../../lib';
import { sweepInterval } from '../../lib/private/replica-sweep';
import { recentWriteSeconds } from '../../lib/private/rotation-protocol';
import type { SecureStringParameterBase } from '../../lib/private/secure-string-parameter-base';

/**
 * The copier's schedule against every renewal the synth accepts: a source renewed at the latest `lead` before its
 * old Expiration leaves its replica that long to follow, so two sweeps must fall within it.
 */
interface Renewal {
  readonly intervalHours?: number;
  readonly lifetimeHours: number;
  readonly notificationHours?: number;
}

/** The source as the synth takes it, or undefined when the synth refuses it. */
function source(stack: Stack, id: string, renewal: Renewal): SecureStringParameterBase | undefined {
  const policies = [
    ParameterPolicy.expireAfter(Duration.hours(renewal.lifetimeHours)),
    ...(renewal.notificationHours ? [ParameterPolicy.expirationNotification(Duration.hours(renewal.notificationHours))] : []),
  ];
  const rotation = renewal.intervalHours
    ? ParameterRotation.every(Duration.hours(renewal.intervalHours))
    : renewal.notificationHours ? ParameterRotation.beforeExpiration() : undefined;
  try {
    return new SecureStringParameter(stack, id, { parameterName: `/app/${id}`, value: SecureValue.generated(), policies, rotation }) as unknown as SecureStringParameterBase;
  } catch {
    return undefined;
  }
}

/** The latest a renewal comes before the old Expiration, as the rotator works (rotation-protocol.ts). */
function leadSeconds(renewal: Renewal): number {
  const leads = [
    ...(renewal.notificationHours ? [(renewal.notificationHours * 3600) / 2] : []),
    ...(renewal.intervalHours ? [(renewal.lifetimeHours - renewal.intervalHours) * 3600 - recentWriteSeconds(renewal.intervalHours * 3600)] : []),
  ];
  return Math.min(...leads);
}

const renewals = fc.record(
  {
    intervalHours: fc.option(fc.integer({ min: 1, max: 24 * 90 }), { nil: undefined }),
    lifetimeHours: fc.integer({ min: 1, max: 24 * 365 }),
    notificationHours: fc.option(fc.integer({ min: 1, max: 24 * 30 }), { nil: undefined }),
  },
  { requiredKeys: ['lifetimeHours'] },
).filter((r) => r.intervalHours !== undefined || r.notificationHours !== undefined);

test('every renewal the synth accepts gets two sweeps within its lead, at most hourly and at least every 15 minutes', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(renewals, { minLength: 1, maxLength: 5 }), (all) => {
      const stack = new Stack(new App(), 'Source', { env: { account: '111111111111', region: 'eu-west-1' } });
      const sources = new Map<string, SecureStringParameterBase>();
      const kept: Renewal[] = [];
      all.forEach((renewal, i) => {
        const made = source(stack, `p${i}`, renewal);
        if (made) {
          sources.set(`/app/p${i}`, made);
          kept.push(renewal);
        }
      });
      fc.pre(kept.length > 0);
      accepted++;
      const seconds = sweepInterval(sources).toSeconds();
      expect(seconds).toBeGreaterThanOrEqual(15 * 60);
      expect(seconds).toBeLessThanOrEqual(3600);
      expect(2 * seconds).toBeLessThanOrEqual(Math.min(...kept.map(leadSeconds)));
    }),
    { numRuns: 150 },
  );
  expect(accepted).toBeGreaterThan(25);
});

test('sources renewed at no known time (no Expiration, or one without notification or rotation): hourly', () => {
  const stack = new Stack(new App(), 'Source', { env: { account: '111111111111', region: 'eu-west-1' } });
  const plain = new SecureStringParameter(stack, 'Plain', { parameterName: '/app/plain', value: SecureValue.placeholder() });
  const fixed = new SecureStringParameter(stack, 'Fixed', {
    parameterName: '/app/fixed',
    value: SecureValue.placeholder(),
    policies: [ParameterPolicy.expiration(new Date('2035-01-01T00:00:00Z'))],
  });
  const rotating = new SecureStringParameter(stack, 'Rotating', {
    parameterName: '/app/rotating',
    value: SecureValue.generated(),
    rotation: ParameterRotation.every(Duration.hours(1)),
  });
  const sources = new Map([plain, fixed, rotating].map((p) => [p._name, p as unknown as SecureStringParameterBase]));
  expect(sweepInterval(sources).toMinutes()).toBe(60);
});
