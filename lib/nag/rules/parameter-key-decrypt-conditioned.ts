import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { coversUnnamedKeys, isTooWide } from './parameter-patterns';
import { ParameterKeys, StackTemplate } from './stack-template';
import {
  IDENTITY_POLICY_TYPES,
  PolicyStatementJson,
  RESTRICTING_OPERATORS,
  allowsAction,
  conditionValues,
  list,
  matchesAnything,
  policyStatementsOf,
  resourceText,
} from './template-reading';
import { ENCRYPTION_CONTEXT_KEY } from '../../private/handler-protocol';

const CONTEXT_KEY = `kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`;

/**
 * `kms:Decrypt` on a key that encrypts the stack's SecureStrings is limited to the parameters meant.
 *
 * - In an identity policy, the statement carries `StringEquals` or `StringLike` (or their `ForAnyValue:`
 *   forms) on `kms:EncryptionContext:PARAMETER_ARN` whose every value names parameters or a path ending
 *   in `/*`. `*`, `parameter/*` of any account or region, and a prefix without its `/` are findings: each
 *   lets the principal decrypt parameters it was not meant to, as soon as any other policy (an AWS-managed
 *   read-only policy, say) lets it read them. `kms:ViaService` alone is a finding for the same reason.
 * - In the key's own policy, which serves every parameter under the key, the statement confines the key
 *   to parameters: `kms:ViaService` = `ssm.…`, or a `PARAMETER_ARN` condition other than `*`. Which
 *   parameters is then the identity policies' business, which this rule checks.
 *
 * Findings are granular: `Context::<value>` for a value that reaches too far, `Resource::<key>` (or
 * `NotResource::…`) for a statement with no such condition.
 */
export function ParameterKeyDecryptConditioned(node: CfnResource, template: StackTemplate): NagRuleResult {
  const resource = template.resource(node);
  const keys = template.parameterKeys;
  if (!resource || keys.logicalIds.size + keys.literals.size === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const decrypts = policyStatementsOf(resource).filter((s) => allowsAction(s, 'kms:Decrypt'));
  let findings: string[];
  if (resource.type === 'AWS::KMS::Key' && keys.logicalIds.has(resource.logicalId)) {
    if (decrypts.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
    findings = decrypts.flatMap(keyPolicyFindings);
  } else if (IDENTITY_POLICY_TYPES.includes(resource.type)) {
    const onParameterKeys = decrypts.filter((s) => s.NotResource !== undefined || list(s.Resource).some((r) => namesParameterKey(r, keys)));
    if (onParameterKeys.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
    findings = onParameterKeys.flatMap((s) => identityPolicyFindings(s, keys));
  } else {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return findings.length === 0 ? NagRuleCompliance.COMPLIANT : [...new Set(findings)];
}

function identityPolicyFindings(statement: PolicyStatementJson, keys: ParameterKeys): string[] {
  const contexts = restrictingValues(statement, CONTEXT_KEY);
  if (contexts.length === 0) {
    return unconditioned(statement, keys);
  }
  // conditions are ANDed: one operator whose values are all scoped is enough
  if (contexts.some((values) => !values.some(isTooWide))) {
    return [];
  }
  return contexts.flatMap((values) => values.filter(isTooWide)).map((v) => `Context::${v}`);
}

function keyPolicyFindings(statement: PolicyStatementJson): string[] {
  const contexts = restrictingValues(statement, CONTEXT_KEY);
  const viaServices = restrictingValues(statement, 'kms:ViaService');
  if (viaServices.some((values) => values.every((v) => v.startsWith('ssm.')))) {
    return [];
  }
  if (contexts.some((values) => !values.some(matchesAnything))) {
    return [];
  }
  const wide = contexts.flatMap((values) => values.filter(matchesAnything));
  return wide.length > 0 ? wide.map((v) => `Context::${v}`) : list(statement.Resource).map((r) => `Resource::${resourceText(r)}`);
}

/** The value lists of every restricting operator on `key`, one list per operator. */
function restrictingValues(statement: PolicyStatementJson, key: string): string[][] {
  return [...conditionValues(statement, key)]
    .filter(([operator, values]) => RESTRICTING_OPERATORS.includes(operator) && values.length > 0)
    .map(([, values]) => values);
}

function unconditioned(statement: PolicyStatementJson, keys: ParameterKeys): string[] {
  if (statement.NotResource !== undefined) {
    return list(statement.NotResource).map((r) => `NotResource::${resourceText(r)}`);
  }
  return list(statement.Resource)
    .filter((r) => namesParameterKey(r, keys))
    .map((r) => `Resource::${resourceText(r)}`);
}

/** A key of the stack's SecureStrings by reference or literal, or a pattern that covers keys it does not name. */
function namesParameterKey(resource: unknown, keys: ParameterKeys): boolean {
  if (typeof resource === 'string') {
    return keys.literals.has(resource) || coversUnnamedKeys(resource);
  }
  const reference = resource as { 'Fn::GetAtt'?: string[]; 'Ref'?: string } | undefined;
  const logicalId = reference?.['Fn::GetAtt']?.[0] ?? reference?.Ref;
  return logicalId !== undefined ? keys.logicalIds.has(logicalId) : coversUnnamedKeys(resourceText(resource));
}
