import { Duration, Token } from 'aws-cdk-lib';
import { BEFORE_EXPIRATION_TRIGGER, RotationProperties, everyTrigger } from './private/rotation-protocol';

/**
 * Options of a {@link ParameterRotation}.
 */
export interface RotationOptions {
  /**
   * Label the version a rotation replaces `previous` and the new one `current`, so that a verifier that must
   * accept both values during a switch-over reads `name:previous` beside the parameter. Without it, only the
   * newest value is readable by name (older versions stay in the parameter's history).
   *
   * @default true
   */
  readonly keepPrevious?: boolean;
}

/**
 * When the stack's rotator replaces a generated SecureString with a new value from the same generator.
 * Only `SecureValue.generated()` values rotate. A rotation writes one version (with a renewed
 * `ParameterPolicy.expireAfter` timestamp, in the same write) and moves at most two labels; deploys that do
 * not change the value's source keep the rotated value.
 */
export class ParameterRotation {
  /**
   * On a schedule: a new value before the current one is `interval` old (whole hours, at least one hour), by one
   * EventBridge rule per stack and interval. The rule ticks more often than the interval, and each tick rotates the
   * values due, the oldest first; a stack whose schedules its rotator could not keep up with is refused at synth
   * (8,000 parameters every 4 hours or longer fit, 1,560 every hour). With `ParameterPolicy.expireAfter`, the
   * interval must be shorter than the lifetime.
   */
  public static every(interval: Duration, options: RotationOptions = {}): ParameterRotation {
    return new ParameterRotation(interval, options);
  }

  /**
   * When Parameter Store announces the expiration: the parameter's `ExpirationNotification` policy emits an
   * event `before` the expiration, and the rotator writes a new value with a new Expiration timestamp. The
   * parameter needs `ParameterPolicy.expireAfter(...)` and `ParameterPolicy.expirationNotification(...)`, at
   * least 2 hours before expiry, and a lifetime longer than that lead plus an hour. The events are best effort:
   * a sweep of the stack renews a parameter whose event was lost, and runs twice within the shortest lead of
   * the stack (half of it in whole hours: hourly for a 2- or 3-hour lead, daily from a 48-hour lead).
   */
  public static beforeExpiration(options: RotationOptions = {}): ParameterRotation {
    return new ParameterRotation(undefined, options);
  }

  /**
   * No rotation: for a SecureString of a hierarchy whose default rotation it must not follow.
   */
  public static none(): ParameterRotation {
    return new ParameterRotation(undefined, {}, false);
  }

  /** The schedule's interval; undefined for a rotation before expiration. */
  public readonly interval?: Duration;

  /** Whether the replaced version keeps the label `previous` (and the new one gets `current`). */
  public readonly keepPrevious: boolean;

  private constructor(interval: Duration | undefined, options: RotationOptions, private readonly rotates = true) {
    this.interval = interval;
    this.keepPrevious = options.keepPrevious ?? true;
  }

  /**
   * This rotation, or undefined for `none()`.
   * @internal
   */
  public get _active(): ParameterRotation | undefined {
    return this.rotates ? this : undefined;
  }

  /**
   * Problems of the interval as sentences; empty when valid.
   * @internal
   */
  public _intervalProblems(): string[] {
    if (this.interval === undefined) {
      return [];
    }
    if (Token.isUnresolved(this.interval.toSeconds())) {
      return ['the rotation interval must be concrete, not a token'];
    }
    const hours = this.interval.toHours({ integral: false });
    return Number.isInteger(hours) && hours >= 1
      ? []
      : [`the rotation interval ${this.interval.toHumanString()} is not a whole number of hours (at least one)`];
  }

  /**
   * `every-<seconds>` or `before-expiration`.
   * @internal
   */
  public get _trigger(): string {
    return this.interval === undefined ? BEFORE_EXPIRATION_TRIGGER : everyTrigger(this.interval.toSeconds());
  }

  /** @internal */
  public get _properties(): RotationProperties {
    return { Trigger: this._trigger, KeepPrevious: this.keepPrevious ? undefined : 'false' };
  }
}
