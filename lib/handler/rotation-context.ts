import { WriteContext } from './parameter-writes';

/** What one rotation did: a new version, or why the parameter was left as it is. Never a value. */
export type RotationOutcome =
  | { readonly rotated: true; readonly version: number }
  | { readonly rotated: false; readonly reason: string; readonly gone?: boolean };

/** Everything a rotation needs besides the parameter. */
export interface RotationContext extends WriteContext {
  /** The stack whose parameters this rotator may rotate: their owner tag starts with `<stack name>/`. */
  readonly stackName: string;
  /** The stack's id (its ARN), to ask CloudFormation whether a parameter's resource is still in it. */
  readonly stackId: string;
  /**
   * The names the stack's rotator may rotate, as its policy names them: exact names (without a leading `/`),
   * or paths ending in `/*`. A parameter outside them (its resource left the app, or it is another stack's
   * under the same path) is skipped without a call its policy would deny. Undefined: no such limit (tests).
   */
  readonly rotatingNames?: readonly string[];
  /** The time the due checks and a renewed Expiration count from (the deadline is on the real clock). */
  readonly now: () => number;
}
