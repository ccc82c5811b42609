import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ParameterValidationError } from './validation-error';
import type { ParameterKeyProps } from '../parameter-key';

const ROTATION_DAYS = { min: 90, max: 2560 };
const PENDING_WINDOW_DAYS = { min: 7, max: 30 };
const ALIAS_PREFIX = 'alias/';
const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9:/_-]+$/;
const ALIAS_MAX_LENGTH = 256;

/** Throws when a key's rotation period, pending window or alias is one KMS refuses. */
export function validateParameterKeyProps(scope: IConstruct, props: Pick<ParameterKeyProps, 'rotationPeriod' | 'pendingWindow' | 'alias'>): void {
  validateDays(scope, 'rotationPeriod', props.rotationPeriod, ROTATION_DAYS);
  validateDays(scope, 'pendingWindow', props.pendingWindow, PENDING_WINDOW_DAYS);
  if (props.alias !== undefined) {
    validateAlias(scope, props.alias);
  }
}

function validateDays(
  scope: IConstruct,
  name: string,
  value: Duration | undefined,
  range: { min: number; max: number },
): void {
  if (value === undefined || Token.isUnresolved(value.toDays({ integral: false }))) {
    return;
  }
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < range.min || days > range.max) {
    throw new ParameterValidationError(
      scope,
      `${name} ${value.toHumanString()} is invalid; KMS requires a whole number of days from ${range.min} to ${range.max}`,
    );
  }
}

function validateAlias(scope: IConstruct, alias: string): void {
  if (Token.isUnresolved(alias)) {
    return;
  }
  const full = alias.startsWith(ALIAS_PREFIX) ? alias : `${ALIAS_PREFIX}${alias}`;
  if (!ALIAS_PATTERN.test(full) || full.length > ALIAS_MAX_LENGTH) {
    throw new ParameterValidationError(
      scope,
      `alias '${alias}' is invalid; an alias is 'alias/' followed by 1 to 250 characters of a-z, A-Z, 0-9, ':', '/', '_' and '-'`,
    );
  }
  if (full.toLowerCase().startsWith(`${ALIAS_PREFIX}aws/`)) {
    throw new ParameterValidationError(
      scope,
      `alias '${alias}' is invalid; the 'alias/aws/' prefix is reserved for AWS managed keys`,
    );
  }
}
