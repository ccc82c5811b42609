import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';

/*
 * The size of a value as AWS will count it after CloudFormation has replaced every reference, known at synth
 * time without a deployment: each reference is rendered at its value where the stack's environment tells it
 * (region, account, and the partition and URL suffix of that region), else at the longest value it can take, so a
 * size under a limit here is under it in every account, region and partition the stack can be deployed to.
 */

/** The longest values of CloudFormation's pseudo parameters. */
const PSEUDO_PARAMETERS: Record<string, number> = {
  'AWS::Partition': 'aws-us-gov'.length,
  // us-isof-south-1, eusc-de-east-1, ap-southeast-7 ... with room for longer names
  'AWS::Region': 16,
  'AWS::AccountId': 12,
  'AWS::URLSuffix': 'amazonaws.com.cn'.length,
  // CloudFormation stack names have at most 128 characters
  'AWS::StackName': 128,
  // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>
  'AWS::StackId': 'arn:aws-us-gov:cloudformation:'.length + 16 + 1 + 12 + ':stack/'.length + 128 + 1 + 36,
};

/**
 * Any other reference (an attribute of a resource, an import): an ARN of this app's resources, such as a KMS key's
 * (`arn:<partition>:kms:<region>:<account>:key/<uuid>`, at most 97 characters) or a log group's.
 */
const OTHER_REFERENCE = 128;

/** The number of characters of `value` (resolved in `scope`'s stack) as compact JSON, references at their longest. */
export function renderedLength(scope: IConstruct, value: unknown): number {
  return resolvedLength(scope, Stack.of(scope).resolve(value));
}

/** The same for a value already resolved (inside a Lazy's `produce`, with its context's `resolve`). */
export function resolvedLength(scope: IConstruct, resolved: unknown): number {
  return JSON.stringify(renderLongest(resolved, knownPseudoParameters(Stack.of(scope)))).length;
}

/** The lengths of the pseudo parameters that the stack's environment fixes. */
function knownPseudoParameters(stack: Stack): Record<string, number> {
  const known: Record<string, number> = {};
  if (!Token.isUnresolved(stack.account)) {
    known['AWS::AccountId'] = stack.account.length;
  }
  if (!Token.isUnresolved(stack.region)) {
    const region = RegionInfo.get(stack.region);
    known['AWS::Region'] = stack.region.length;
    if (region.partition) {
      known['AWS::Partition'] = region.partition.length;
    }
    if (region.domainSuffix) {
      known['AWS::URLSuffix'] = region.domainSuffix.length;
    }
  }
  return known;
}

/**
 * A resolved CloudFormation value with each intrinsic replaced by a string of its longest length (`known` gives the
 * lengths of the pseudo parameters the environment fixes).
 */
export function renderLongest(value: unknown, known: Record<string, number> = {}): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => renderLongest(v, known));
  }
  if (value && typeof value === 'object') {
    const intrinsic = intrinsicLength(value as Record<string, unknown>, known);
    if (intrinsic !== undefined) {
      return 'x'.repeat(intrinsic);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderLongest(v, known)]));
  }
  return value;
}

/** The longest length of an intrinsic's value, or undefined when `value` is not an intrinsic. */
function intrinsicLength(value: Record<string, unknown>, known: Record<string, number>): number | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1 || !(keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return undefined;
  }
  const [key] = keys;
  const argument = value[key];
  if (key === 'Ref') {
    return known[argument as string] ?? PSEUDO_PARAMETERS[argument as string] ?? OTHER_REFERENCE;
  }
  if (key === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]];
    const lengths = parts.map((part) => (typeof part === 'string' ? part.length : (intrinsicLength(part as Record<string, unknown>, known) ?? JSON.stringify(part).length)));
    return lengths.reduce((sum, n) => sum + n, 0) + separator.length * Math.max(0, parts.length - 1);
  }
  return OTHER_REFERENCE;
}
