import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { isTooWide } from './parameter-patterns';
import { StackTemplate } from './stack-template';
import {
  IDENTITY_POLICY_TYPES,
  PolicyStatementJson,
  RESTRICTING_OPERATORS,
  allowsAction,
  list,
  matchesAnything,
  policyStatementsOf,
  resourceText,
} from './template-reading';

/**
 * The actions that return a parameter's value. Not `ssm:ListTagsForResource` or `ssm:DescribeParameters`:
 * they return tags and metadata, never a value (the handler reads owner tags on `parameter/*`).
 */
const READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'];

/** `aws:ResourceTag/<key>` (global) and `ssm:resourceTag/<key>` (Systems Manager's own) test the parameter's tags. */
const RESOURCE_TAG_KEY = /^(aws:ResourceTag|ssm:resourceTag)\/.+$/i;

/**
 * Parameter reads in identity policies are granted on named parameters, on paths that end in `/`, or on
 * parameters selected by a tag — never on every parameter (`*`, `arn:aws:ssm:*:*:*`, `parameter/*`),
 * never on a prefix without its trailing `/` (`parameter/app/prod*` also opens `/app/production`), and
 * never through `NotResource` (which opens every ARN it does not list).
 *
 * A granular finding per resource: `Resource::<resource>` or `NotResource::<resource>`, so a deliberate
 * exception can be acknowledged alone.
 */
export function ParameterReadScoped(node: CfnResource, template: StackTemplate): NagRuleResult {
  const resource = template.resource(node);
  if (!resource || !IDENTITY_POLICY_TYPES.includes(resource.type)) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const reads = policyStatementsOf(resource).filter((s) => READ_ACTIONS.some((action) => allowsAction(s, action)));
  if (reads.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const findings = new Set(reads.flatMap(tooWideResources));
  return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings];
}

function tooWideResources(statement: PolicyStatementJson): string[] {
  if (statement.NotResource !== undefined) {
    return list(statement.NotResource).map((r) => `NotResource::${resourceText(r)}`);
  }
  if (selectsByTag(statement)) {
    return [];
  }
  return list(statement.Resource)
    .map(resourceText)
    .filter(isTooWide)
    .map((r) => `Resource::${r}`);
}

/** A restricting condition on a resource tag with a concrete value selects parameters as well as a path does. */
function selectsByTag(statement: PolicyStatementJson): boolean {
  return Object.entries(statement.Condition ?? {})
    .filter(([operator]) => RESTRICTING_OPERATORS.includes(operator))
    .some(([, byKey]) => Object.entries(byKey ?? {}).some(([key, values]) => RESOURCE_TAG_KEY.test(key) && concrete(values)));
}

/** At least one value, none of which matches any tag value. */
function concrete(values: unknown): boolean {
  const texts = list(values).map(resourceText);
  return texts.length > 0 && !texts.some(matchesAnything);
}
