import { Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { MAX_VALUE_BYTES } from './handler-protocol';
import { parameterNameProblems } from './parameter-name';
import { assertValidPolicies } from './policy-validation';
import { rotationProblems } from './rotation-validation';
import { ParameterValidationError } from './validation-error';
import type { SecureStringParameterProps } from '../secure-string-parameter';

/** Throws on the first rule the props break: the name, the value for the tier, the pattern, the policies. */
export function validateSecureString(scope: IConstruct, props: SecureStringParameterProps, tier: ssm.ParameterTier): void {
  const nameProblems = parameterNameProblems(scope, props.parameterName);
  if (nameProblems.length > 0) {
    throw new ParameterValidationError(scope, `parameterName '${props.parameterName}' is invalid: ${nameProblems.join('; ')}`);
  }
  const valueProblems = props.value._problems(MAX_VALUE_BYTES[tier]);
  if (valueProblems.length > 0) {
    throw new ParameterValidationError(scope, `${props.parameterName}: value (${props.value.sourceType}, tier ${tier}) is invalid: ${valueProblems.join('; ')}`);
  }
  if (props.allowedPattern !== undefined && !Token.isUnresolved(props.allowedPattern)) {
    validateAllowedPattern(scope, props);
  }
  assertValidPolicies(scope, props.parameterName, tier, props.policies ?? []);
  const active = props.rotation?._active;
  const rotation = active ? rotationProblems(active, props.value, props.policies ?? []) : [];
  if (rotation.length > 0) {
    throw new ParameterValidationError(scope, `${props.parameterName}: rotation is invalid: ${rotation.join('; ')}`);
  }
}

function validateAllowedPattern(scope: IConstruct, props: SecureStringParameterProps): void {
  let pattern: RegExp;
  try {
    pattern = new RegExp(props.allowedPattern!);
  } catch (err) {
    throw new ParameterValidationError(scope, `${props.parameterName}: allowedPattern '${props.allowedPattern}' does not compile: ${(err as Error).message}`);
  }
  const text = props.value._properties.Text;
  if (text !== undefined && !Token.isUnresolved(text) && !pattern.test(text)) {
    // the text is not echoed: unsafePlainText values are still values
    throw new ParameterValidationError(
      scope,
      `${props.parameterName}: the ${props.value.sourceType} value does not match allowedPattern '${props.allowedPattern}'; Parameter Store would refuse it at deploy time`,
    );
  }
}
