import { Duration } from 'aws-cdk-lib';
import { wholeUnits } from './private/policy-units';

/** The policy types Parameter Store knows. */
export enum ParameterPolicyType {
  /** Deletes the parameter at a date. */
  EXPIRATION = 'Expiration',
  /** Emits an EventBridge event some time before the expiration. */
  EXPIRATION_NOTIFICATION = 'ExpirationNotification',
  /** Emits an EventBridge event when the parameter has not changed for some time. */
  NO_CHANGE_NOTIFICATION = 'NoChangeNotification',
}

/**
 * A Parameter Store parameter policy (Advanced tier). Policies make a parameter Advanced when no tier is
 * given; an explicit Standard tier with policies is an error.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-policies.html
 */
export class ParameterPolicy {
  /**
   * Parameter Store deletes the parameter at `at`.
   *
   * @param at a moment in the future
   */
  public static expiration(at: Date): ParameterPolicy {
    return new ParameterPolicy(ParameterPolicyType.EXPIRATION, { Timestamp: at.toISOString() }, { expiresAt: at });
  }

  /**
   * Parameter Store deletes the parameter `after` each write of its value. The deploy-time handler turns
   * it into a timestamp whenever it writes a new value, so rotating the value renews it; a deploy that
   * does not change the value keeps the timestamp. Whole hours (or days), at least one hour: anything
   * finer, or zero, fails at synth.
   */
  public static expireAfter(after: Duration): ParameterPolicy {
    return new ParameterPolicy(ParameterPolicyType.EXPIRATION, undefined, { expiresAfter: after });
  }

  /**
   * An EventBridge event (`Parameter Store Policy Action`) `before` the expiration. Whole days or hours,
   * shorter than the parameter's lifetime. Needs an expiration policy.
   */
  public static expirationNotification(before: Duration): ParameterPolicy {
    return new ParameterPolicy(ParameterPolicyType.EXPIRATION_NOTIFICATION, { Before: before }, {});
  }

  /**
   * An EventBridge event (`Parameter Store Policy Action`) when the parameter has not been changed for
   * `after`. Whole days or hours.
   */
  public static noChangeNotification(after: Duration): ParameterPolicy {
    return new ParameterPolicy(ParameterPolicyType.NO_CHANGE_NOTIFICATION, { After: after }, {});
  }

  /** `Expiration` (absolute or relative), `ExpirationNotification` or `NoChangeNotification`. */
  public readonly policyType: ParameterPolicyType;

  /** For an absolute expiration: when. */
  public readonly expiresAt?: Date;

  /** For a relative expiration: how long after each write of the value. */
  public readonly expiresAfter?: Duration;

  private readonly attributes?: Record<string, string | Duration>;

  private constructor(
    policyType: ParameterPolicyType,
    attributes: Record<string, string | Duration> | undefined,
    expiry: { expiresAt?: Date; expiresAfter?: Duration },
  ) {
    this.policyType = policyType;
    this.attributes = attributes;
    this.expiresAt = expiry.expiresAt;
    this.expiresAfter = expiry.expiresAfter;
  }

  /**
   * The policy exactly as PutParameter takes it, e.g.
   * `{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"14","Unit":"Days"}}`.
   * A relative expiration has no JSON of its own: the handler writes its timestamp at deploy time.
   *
   * @throws if a duration is not a whole number of days or hours
   */
  public toJson(): string {
    if (!this.attributes) {
      throw new Error('expireAfter has no fixed JSON: the handler computes its timestamp at deploy time');
    }
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.attributes)) {
      if (typeof value === 'string') {
        attributes[name] = value;
      } else {
        const { amount, unit } = wholeUnits(value);
        attributes[name] = String(amount);
        attributes.Unit = unit;
      }
    }
    return JSON.stringify({ Type: this.policyType, Version: '1.0', Attributes: attributes });
  }

  /** The duration of a notification (`Before` or `After`), if this is one. */
  public get notificationDuration(): Duration | undefined {
    const value = Object.values(this.attributes ?? {}).find((v) => typeof v !== 'string');
    return value as Duration | undefined;
  }
}
