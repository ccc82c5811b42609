import { RemovalPolicy } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterPolicy } from './parameter-policy';
import { ParameterRotation } from './parameter-rotation';
import { SecureValue } from './secure-value';

/** Options of a SecureString added to a hierarchy. Unset options take the hierarchy's defaults. */
export interface HierarchySecureStringOptions {
  /** The name relative to the hierarchy's path: `db/password` under `/myapp/prod` is `/myapp/prod/db/password`. */
  readonly name: string;

  /** Where the value comes from. */
  readonly value: SecureValue;

  /** @default - the hierarchy's tier */
  readonly tier?: ssm.ParameterTier;

  /** @default - the hierarchy's policies */
  readonly policies?: ParameterPolicy[];

  /** @default - the hierarchy's removal policy */
  readonly removalPolicy?: RemovalPolicy;

  /** @default - no description */
  readonly description?: string;

  /** @default - no pattern */
  readonly allowedPattern?: string;

  /** @default false */
  readonly adoptExisting?: boolean;

  /**
   * When the stack's rotator replaces the value (generated values only); `ParameterRotation.none()` opts a
   * generated value out of the hierarchy's rotation.
   *
   * @default - the hierarchy's rotation for a generated value, else none
   */
  readonly rotation?: ParameterRotation;
}

/** Options of a plain String parameter added to a hierarchy. */
export interface HierarchyStringOptions {
  /**
   * Policies of this parameter. Absolute ones are set on the native resource; a relative `expireAfter`
   * is written by the stack's handler, renewed whenever the value changes.
   *
   * @default - none (the hierarchy's policies are the default of its SecureStrings only)
   */
  readonly policies?: ParameterPolicy[];

  /** The name relative to the hierarchy's path. */
  readonly name: string;

  /** The value, in plain text in the template (this is configuration, not a secret). */
  readonly stringValue: string;

  /** @default - the hierarchy's tier, else Standard */
  readonly tier?: ssm.ParameterTier;

  /** @default - no description */
  readonly description?: string;

  /** @default - no pattern */
  readonly allowedPattern?: string;
}

/** Options of a plain StringList parameter added to a hierarchy. */
export interface HierarchyStringListOptions {
  /**
   * Policies of this parameter. Absolute ones are set on the native resource; a relative `expireAfter`
   * is written by the stack's handler, renewed whenever the value changes.
   *
   * @default - none (the hierarchy's policies are the default of its SecureStrings only)
   */
  readonly policies?: ParameterPolicy[];

  /** The name relative to the hierarchy's path. */
  readonly name: string;

  /** The values, in plain text in the template. */
  readonly stringListValue: string[];

  /** @default - the hierarchy's tier, else Standard */
  readonly tier?: ssm.ParameterTier;

  /** @default - no description */
  readonly description?: string;

  /** @default - no pattern */
  readonly allowedPattern?: string;
}
