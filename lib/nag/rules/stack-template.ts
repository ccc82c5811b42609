import { CfnResource, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { BATCH_RESOURCE_TYPE } from '../../private/batch-protocol';
import { PARAMETER_RESOURCE_TYPE } from '../../private/handler-protocol';

/** The CloudFormation type of each SecureString this library creates. */
export const SECURE_STRING_TYPE = PARAMETER_RESOURCE_TYPE;

/** The CloudFormation type of a chunk of a batched hierarchy: one resource that writes many SecureStrings. */
export const SECURE_STRING_CHUNK_TYPE = BATCH_RESOURCE_TYPE;

/** The resources whose KeyId encrypts SecureStrings. */
const WRITES_SECURE_STRINGS = [SECURE_STRING_TYPE, SECURE_STRING_CHUNK_TYPE];

/** One resource as the rules see it: type, logical id, and the resolved properties they read (CloudFormation names). */
export interface TemplateResource {
  readonly type: string;
  readonly logicalId: string;
  readonly properties: Record<string, any>;
}

/** The keys a stack's SecureStrings use: logical ids of keys in the template, and literal key ids or ARNs. */
export interface ParameterKeys {
  readonly logicalIds: ReadonlySet<string>;
  readonly literals: ReadonlySet<string>;
}

/**
 * What the rules read from one stack, resolved with one `Stack.resolve` call the first time a rule asks
 * in a pack run: what makes the pack linear in the app. Rules used to resolve their resource and search
 * the whole stack for SecureStrings each time, which grew with the square of the parameters. Only the
 * properties some rule reads are resolved (a SecureString's name, tags and service token are not), which
 * keeps a run as fast as cdk-nag's own packs. Like cdk-nag's, the rules read properties as constructs
 * set them, without raw overrides (`addPropertyOverride`).
 */
export class StackTemplate {
  private readonly resources: Map<CfnResource, TemplateResource | Error>;
  private keys?: ParameterKeys;
  private routes?: PolicyActionRoute[];

  constructor(stack: Stack) {
    this.resources = renderAll(stack, stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack));
  }

  /** The resource with the properties the rules read, or undefined when no rule reads this type. */
  public resource(node: CfnResource): TemplateResource | undefined {
    const found = this.resources.get(node);
    if (found instanceof Error) {
      // cdk-nag reports a rule that throws as a finding on this resource only
      throw found;
    }
    return found;
  }

  /** The stack's EventBridge rules that route parameters' ExpirationNotification events to a target, computed once. */
  public get policyActionRoutes(): readonly PolicyActionRoute[] {
    if (!this.routes) {
      const rules = [...this.resources.values()].filter((r): r is TemplateResource => !(r instanceof Error) && r.type === 'AWS::Events::Rule');
      this.routes = rules.flatMap((rule) => policyActionRoute(rule) ?? []);
    }
    return this.routes;
  }

  /** The keys used by this stack's SecureStrings (and chunks), computed once. */
  public get parameterKeys(): ParameterKeys {
    if (!this.keys) {
      const resolved = [...this.resources.values()].filter((r): r is TemplateResource => !(r instanceof Error));
      const writers = resolved.filter((r) => WRITES_SECURE_STRINGS.includes(r.type));
      this.keys = keysOf(writers);
    }
    return this.keys;
  }
}

/** An EventBridge rule of the stack that sends ExpirationNotification events of some parameters to a target. */
export interface PolicyActionRoute {
  /** Whether the rule's pattern matches this parameter's events. */
  readonly matches: (parameterName: string) => boolean;
}

/**
 * The rule as a route, if its pattern takes `Parameter Store Policy Action` events from aws.ssm (an
 * ExpirationNotification among the policy types it allows) and it has a target. Parameter names match as
 * EventBridge does: a listed name, a `prefix`, or any name when the pattern names none.
 */
function policyActionRoute(rule: TemplateResource): PolicyActionRoute | undefined {
  const pattern = (rule.properties.EventPattern ?? {}) as Record<string, any>;
  const detail = (pattern.detail ?? {}) as Record<string, unknown[] | undefined>;
  const allows = (values: unknown[] | undefined, wanted: string) =>
    values === undefined || values.some((v) => v === wanted || (v as { 'equals-ignore-case'?: string })?.['equals-ignore-case']?.toLowerCase() === wanted.toLowerCase());
  const routed = allows(pattern.source, 'aws.ssm') && allows(pattern['detail-type'], 'Parameter Store Policy Action') && allows(detail['policy-type'], 'ExpirationNotification');
  if (!routed || (rule.properties.Targets ?? []).length === 0) {
    return undefined;
  }
  const names = detail['parameter-name'];
  return {
    matches: (name) => names === undefined || names.some((n) => n === name || (typeof (n as { prefix?: unknown })?.prefix === 'string' && name.startsWith((n as { prefix: string }).prefix))),
  };
}

/** The templates of every stack a pack run visits; a new run starts with a new instance. */
export class StackTemplates {
  private readonly templates = new Map<Stack, StackTemplate>();

  public of(node: IConstruct): StackTemplate {
    const stack = Stack.of(node);
    let template = this.templates.get(stack);
    if (!template) {
      template = new StackTemplate(stack);
      this.templates.set(stack, template);
    }
    return template;
  }
}

/**
 * The properties the rules read, by resource, resolved in one call. When that call fails, each
 * resource is resolved alone so an error stays with the resource that caused it.
 */
function renderAll(stack: Stack, resources: CfnResource[]): Map<CfnResource, TemplateResource | Error> {
  const read = resources.flatMap((resource) => {
    const properties = propertiesRead(resource);
    return properties === undefined ? [] : [{ resource, properties }];
  });
  let resolved: unknown[];
  try {
    // `resolve` drops undefined array elements; every element here is an object, so indices hold
    resolved = stack.resolve(read.map((r) => r.properties));
  } catch {
    resolved = read.map((r) => attempt(() => stack.resolve(r.properties)));
  }
  return new Map(
    read.map(({ resource }, i) => {
      const properties = resolved[i];
      const value = properties instanceof Error
        ? properties
        : { type: resource.cfnResourceType, logicalId: stack.getLogicalId(resource), properties: properties as Record<string, any> };
      return [resource, value];
    }),
  );
}

/** Resource types the rules read when they are written as raw `CfnResource`s, with CloudFormation property names. */
const RAW_TYPES_READ = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::KMS::Key', 'AWS::SSM::Parameter'];

/** The unresolved properties some rule reads, under their CloudFormation names; undefined for other types. */
function propertiesRead(resource: CfnResource): Record<string, unknown> | undefined {
  if (resource instanceof kms.CfnKey) {
    return { KeyPolicy: resource.keyPolicy, EnableKeyRotation: resource.enableKeyRotation };
  }
  if (resource instanceof iam.CfnPolicy || resource instanceof iam.CfnManagedPolicy) {
    return { PolicyDocument: resource.policyDocument };
  }
  if (resource instanceof iam.CfnRole || resource instanceof iam.CfnUser || resource instanceof iam.CfnGroup) {
    return { Policies: resource.policies };
  }
  if (resource instanceof ssm.CfnParameter) {
    return { Name: resource.name };
  }
  if (resource instanceof events.CfnRule) {
    return { EventPattern: resource.eventPattern, Targets: resource.targets };
  }
  // a CfnResource made with `new CfnResource(...)` keeps its properties as given, with CloudFormation names
  const raw = (resource as unknown as { cfnProperties: Record<string, any> }).cfnProperties ?? {};
  const type = resource.cfnResourceType;
  if (type === SECURE_STRING_TYPE) {
    const { Name, KeyId, Tier, Policies, ExpireAfterSeconds, Rotation } = raw;
    return { Name, KeyId, Tier, Policies, ExpireAfterSeconds, Rotation, Source: { Type: raw.Source?.Type } };
  }
  if (type === SECURE_STRING_CHUNK_TYPE) {
    const { Path, KeyId, Defaults, Members } = raw;
    return { Path, KeyId, Defaults, Members };
  }
  if (type.startsWith('Custom::')) {
    return { Create: raw.Create, Update: raw.Update };
  }
  return RAW_TYPES_READ.includes(type) ? raw : undefined;
}

function attempt<T>(work: () => T): T | Error {
  try {
    return work();
  } catch (error) {
    return error as Error;
  }
}

function keysOf(secureStrings: TemplateResource[]): ParameterKeys {
  const logicalIds = new Set<string>();
  const literals = new Set<string>();
  for (const { properties } of secureStrings) {
    const keyId = properties.KeyId;
    const referenced: string | undefined = keyId?.['Fn::GetAtt']?.[0] ?? keyId?.Ref;
    if (referenced !== undefined) logicalIds.add(referenced);
    else if (typeof keyId === 'string') literals.add(keyId);
  }
  return { logicalIds, literals };
}
