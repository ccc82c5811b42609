import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { canonicalParameterName } from './handler-protocol';
import { ParameterValidationError } from './validation-error';

/** Per stack: which construct writes each parameter, by canonical name. */
const CLAIMS = new WeakMap<Stack, Map<string, IConstruct>>();

/**
 * Records that `claimant` writes the parameter `name` in its stack, and throws if another construct of the
 * stack already does: `a` and `/a` are one parameter (canonicalParameterName), and two resources writing it
 * would overwrite (or delete) each other's value. Claiming again for the same construct is a no-op.
 */
export function claimParameterName(claimant: IConstruct, name: string): void {
  const stack = Stack.of(claimant);
  const claims = CLAIMS.get(stack) ?? new Map<string, IConstruct>();
  CLAIMS.set(stack, claims);
  const canonical = canonicalParameterName(name);
  const holder = claims.get(canonical);
  if (holder !== undefined && holder !== claimant) {
    throw new ParameterValidationError(
      claimant,
      `parameterName '${name}' is the parameter that ${holder.node.path} already writes ('a' and '/a' are one parameter in Parameter Store); ` +
        'two resources would overwrite each other. Keep one of them, or give this one another name',
    );
  }
  claims.set(canonical, claimant);
}
