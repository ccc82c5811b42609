import { CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { addResourceDependency } from './dependencies';
import { PLAIN_POLICIES_TYPE, PlainPolicyProperties, SERVICE_TIMEOUT_SECONDS } from './handler-protocol';
import { assertValidPolicies, policyProperties, tierForPolicies } from './policy-validation';
import { SecureStringHandler } from './secure-string-handler';
import type { HierarchyStringListOptions, HierarchyStringOptions } from '../parameter-hierarchy-options';
import { ParameterPolicy } from '../parameter-policy';

/** A hierarchy's plain String: a native `AWS::SSM::Parameter`, with its policies validated like a SecureString's. */
export function plainString(
  scope: Construct,
  id: string,
  fullName: string,
  options: HierarchyStringOptions,
  defaultTier: ssm.ParameterTier | undefined,
): ssm.StringParameter {
  const policies = options.policies ?? [];
  const parameter = new ssm.StringParameter(scope, id, {
    parameterName: fullName,
    stringValue: options.stringValue,
    tier: plainTier(scope, fullName, options.tier ?? defaultTier, policies),
    description: options.description,
    allowedPattern: options.allowedPattern,
  });
  attachPolicies(scope, parameter, 'String', options.stringValue, policies);
  return parameter;
}

/** A hierarchy's plain StringList: a native `AWS::SSM::Parameter`, with its policies validated like a SecureString's. */
export function plainStringList(
  scope: Construct,
  id: string,
  fullName: string,
  options: HierarchyStringListOptions,
  defaultTier: ssm.ParameterTier | undefined,
): ssm.StringListParameter {
  const policies = options.policies ?? [];
  const parameter = new ssm.StringListParameter(scope, id, {
    parameterName: fullName,
    stringListValue: options.stringListValue,
    tier: plainTier(scope, fullName, options.tier ?? defaultTier, policies),
    description: options.description,
    allowedPattern: options.allowedPattern,
  });
  attachPolicies(scope, parameter, 'StringList', Fn.join(',', options.stringListValue), policies);
  return parameter;
}

/** Policies make a plain parameter Advanced, like SecureStrings; they are validated by the same function. */
function plainTier(
  scope: Construct,
  fullName: string,
  tier: ssm.ParameterTier | undefined,
  policies: ParameterPolicy[],
): ssm.ParameterTier | undefined {
  const effective = tierForPolicies(tier, policies);
  assertValidPolicies(scope, fullName, effective, policies);
  return effective;
}

/**
 * Absolute policies go on the native resource. A relative expiration needs a timestamp fixed at each
 * write of the value, which CloudFormation cannot compute: the stack's handler writes the policies.
 */
function attachPolicies(
  scope: Construct,
  parameter: ssm.StringParameter | ssm.StringListParameter,
  type: string,
  value: string,
  policies: ParameterPolicy[],
): void {
  if (policies.length === 0) {
    return;
  }
  const properties = policyProperties(policies);
  const native = parameter.node.defaultChild as ssm.CfnParameter;
  if (properties.ExpireAfterSeconds === undefined) {
    native.policies = properties.Policies;
    return;
  }
  const handler = SecureStringHandler.of(scope);
  const name = Stack.of(scope).resolve(native.name) as string;
  handler.registerPlain(name);
  const policyProps: PlainPolicyProperties = { Name: name, ParameterType: type, Value: value, ...properties } as PlainPolicyProperties;
  const resource = new CfnResource(parameter, 'Policies', {
    type: PLAIN_POLICIES_TYPE,
    // ServiceTimeout: CloudFormation gives up on a lost answer after 20 minutes instead of one hour
    properties: { ServiceToken: handler.serviceToken, ServiceTimeout: String(SERVICE_TIMEOUT_SECONDS), ...policyProps },
  });
  addResourceDependency(resource, native);
}
