import { Stack, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
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

/**
 * The parameter names the whole app declares, as synth knows them: every name claimed in any of its stacks
 * (this library's SecureStrings and hierarchy members of every kind, batched ones included) and the concrete
 * names of native `AWS::SSM::Parameter`s made beside them.
 */
export function declaredParameterNames(scope: IConstruct): string[] {
  const constructs = scope.node.root.node.findAll();
  const claimed = constructs.filter(Stack.isStack).flatMap((stack) => [...(CLAIMS.get(stack)?.keys() ?? [])]);
  const native = constructs
    .filter((c): c is ssm.CfnParameter => c instanceof ssm.CfnParameter)
    .map((p) => p.name)
    .filter((name): name is string => name !== undefined && !Token.isUnresolved(name));
  return [...claimed, ...native];
}
