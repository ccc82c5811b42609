import * as events from 'aws-cdk-lib/aws-events';
import { ParameterPolicyType } from './parameter-policy';

/** Parameter Store's EventBridge event types. */
export enum ParameterEventType {
  /** `Parameter Store Change`: create, update, delete or label of a parameter. */
  CHANGE = 'Parameter Store Change',
  /** `Parameter Store Policy Action`: an expiration, or a policy's notification. */
  POLICY_ACTION = 'Parameter Store Policy Action',
}

/** The operations a `Parameter Store Change` event reports. */
export enum ParameterChangeOperation {
  CREATE = 'Create',
  UPDATE = 'Update',
  DELETE = 'Delete',
  LABEL_PARAMETER_VERSION = 'LabelParameterVersion',
}

/** Options of `onPolicyAction`. */
export interface PolicyActionEventOptions extends events.OnEventOptions {
  /**
   * Only events of these policy types, e.g. `[ParameterPolicyType.EXPIRATION_NOTIFICATION]`.
   *
   * @default - every policy type
   */
  readonly policyTypes?: ParameterPolicyType[];

  /**
   * Only events with this `action-status`, matched without regard to case (Parameter Store's own
   * capitalization of it has varied).
   *
   * @default - any status
   */
  readonly actionStatus?: string;
}

/** Options of `onChange`. */
export interface ParameterChangeEventOptions extends events.OnEventOptions {
  /**
   * Only these operations.
   *
   * @default - every operation
   */
  readonly operations?: ParameterChangeOperation[];
}

/**
 * What can emit Parameter Store events: a parameter, or a hierarchy (every parameter under its path).
 */
export interface IParameterEventSource {
  /** An EventBridge rule for Parameter Store policy actions (expirations, notifications) of this source. */
  onPolicyAction(id: string, options?: PolicyActionEventOptions): events.Rule;

  /** An EventBridge rule for changes (create, update, delete, label) of this source. */
  onChange(id: string, options?: ParameterChangeEventOptions): events.Rule;
}
