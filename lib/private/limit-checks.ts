import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { AWS_LIMITS } from './aws-limits';
import { renderedLength, resolvedLength } from './rendered-size';
import { ParameterValidationError } from './validation-error';

/*
 * Synth-time checks of the AWS limits that an app's size can reach: each refuses with the construct, the size,
 * the limit and the way out, instead of a deployment that fails half-way. Sizes are counted with every reference
 * at its longest (rendered-size.ts).
 */

/** Throws unless the customer-managed policy's document, already resolved, fits IAM's managed policy size. */
export function assertManagedPolicySize(policy: IConstruct, resolvedDocument: unknown, wayOut: string): void {
  const [message] = overLimit('this managed policy', resolvedLength(policy, resolvedDocument), AWS_LIMITS.managedPolicyCharacters, 'characters', wayOut);
  if (message !== undefined) {
    throw new ParameterValidationError(policy, message);
  }
}

const CHECKED = Symbol.for('cdk-secure-parameters.limit-checks');

/** Runs `check` at synth time (after every construct is added), once per construct whatever the number of calls. */
function onceAtSynth(scope: IConstruct, kind: string, check: () => string[]): void {
  const marks = ((scope as unknown as Record<symbol, Set<string>>)[CHECKED] ??= new Set<string>());
  if (marks.has(kind)) {
    return;
  }
  marks.add(kind);
  scope.node.addValidation({ validate: check });
}

/** A validation message for a size over a limit, or none. */
function overLimit(what: string, size: number, limit: number, unit: string, wayOut: string): string[] {
  return size > limit ? [`${what} would be ${size.toLocaleString('en-US')} ${unit}, over AWS's limit of ${limit.toLocaleString('en-US')}. ${wayOut}`] : [];
}

/**
 * Where a grant's statements land on a user's principal: a role's inline policies (10,240 characters together) or
 * a managed policy of readPolicy/writePolicy (6,144). Checked at synth, once per principal.
 */
export function checkGranteePolicySize(grantee: iam.IGrantable): void {
  const principal = grantee.grantPrincipal;
  if (principal instanceof iam.Role) {
    const role = principal;
    onceAtSynth(role, 'inline-policies', () => overLimit(
      'the inline policies of this role together',
      inlinePoliciesLength(role),
      AWS_LIMITS.roleInlinePolicyCharacters,
      'characters',
      'Grant on a path (ParameterHierarchy.grantRead with a sub-path) instead of many single parameters, or attach readPolicy/writePolicy managed policies instead of inline grants.',
    ));
  }
}

/** A managed policy of readPolicy/writePolicy: checked at synth. */
export function checkManagedPolicySize(policy: iam.ManagedPolicy): void {
  onceAtSynth(policy, 'managed-policy', () => overLimit(
    'this managed policy',
    renderedLength(policy, policy.document),
    AWS_LIMITS.managedPolicyCharacters,
    'characters',
    'Grant on a path (a hierarchy or a sub-path) instead of many single parameters, or split the grants over several policies.',
  ));
}

function inlinePoliciesLength(role: iam.Role): number {
  const cfnRole = role.node.defaultChild as iam.CfnRole;
  const own = Stack.of(role).resolve(cfnRole.policies) as Array<{ PolicyDocument: unknown }> | undefined;
  const defaultPolicy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  const documents = [...(own ?? []).map((p) => p.PolicyDocument), ...(defaultPolicy ? [defaultPolicy.document] : [])];
  return documents.map((d) => renderedLength(role, d)).reduce((sum, n) => sum + n, 0);
}

/** The template of `stack`, as aws-cdk-lib writes it (indented unless the stack suppresses indentation). */
function templateBytes(stack: Stack): number {
  // _toCloudFormation is how aws-cdk-lib itself renders the template file (Stack._synthesizeTemplate), on every
  // version this library accepts; validations run after the app is prepared, so the template is final
  const template = (stack as unknown as { _toCloudFormation(): unknown })._toCloudFormation();
  const indent = (stack as unknown as { _suppressTemplateIndentation?: boolean })._suppressTemplateIndentation ? undefined : 1;
  return Buffer.byteLength(JSON.stringify(template, undefined, indent));
}

/**
 * CloudFormation refuses a template over 1 MB; aws-cdk-lib only warns. A stack holding this library's parameters
 * (batched members with descriptions grow it fastest) is refused at synth instead.
 */
export function checkTemplateSize(stack: Stack): void {
  onceAtSynth(stack, 'template-bytes', () => overLimit(
    `the template of stack ${stack.stackName}`,
    templateBytes(stack),
    AWS_LIMITS.templateBytes,
    'bytes',
    'Move part of the parameters (a hierarchy, or part of a batched hierarchy\'s members) to another stack, shorten descriptions, ' +
      'or set the stack\'s suppressTemplateIndentation.',
  ));
}

/** A KMS key policy of this library's keys (sharing adds a statement per target): at most 32 KB. */
export function checkKeyPolicySize(key: IConstruct, policyDocument: () => unknown): void {
  onceAtSynth(key, 'key-policy', () => overLimit(
    'the key policy',
    renderedLength(key, policyDocument()),
    AWS_LIMITS.keyPolicyBytes,
    'bytes',
    'Share with an organization or OU instead of many accounts, or use more than one key.',
  ));
}

/** An EventBridge rule this library writes: its pattern within EventBridge's default 2,048 characters. */
export function checkEventPatternSize(rule: CfnResource & { eventPattern?: unknown }, wayOut: string): void {
  onceAtSynth(rule, 'event-pattern', () => (rule.eventPattern === undefined ? [] : overLimit(
    'the event pattern of this rule',
    renderedLength(rule, rule.eventPattern),
    AWS_LIMITS.eventPatternCharacters,
    'characters',
    wayOut,
  )));
}
