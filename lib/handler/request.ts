import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { OperatorError } from './errors';
import { rotationSpec, withRotationTags } from './rotation-tags';
import { DEFAULT_TIER, ParameterProperties, SourceProperties, ownerTagValue } from '../private/handler-protocol';

/** One SecureString as the handler understands it, parsed from the string-only resource properties. */
export interface ParameterSpec {
  readonly name: string;
  readonly keyId: string;
  readonly tier: string;
  readonly source: SourceProperties;
  readonly description?: string;
  readonly allowedPattern?: string;
  /** The fixed policies (JSON array); see `expireAfterSeconds` for a relative expiration. */
  readonly policies?: string;
  /** A relative expiration: the handler writes `now + this` as an Expiration whenever it writes the value. */
  readonly expireAfterSeconds?: number;
  readonly adopt: boolean;
  /** The user's tags, and the rotation tags of a rotating parameter (rotation-tags.ts). */
  readonly tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  /** Set when the stack's rotator replaces the value. */
  readonly rotation?: RotationSpec;
}

/** How a parameter rotates, as the handler needs it: to tag it for the rotator and to label its versions. */
export interface RotationSpec {
  /** `every-<seconds>` or `before-expiration`. */
  readonly trigger: string;
  /** The replaced version keeps the label `previous`, and the new one gets `current`. */
  readonly keepPrevious: boolean;
}

/** A lifecycle request: what CloudFormation asks, for which parameter, on behalf of which owner. */
export interface LifecycleRequest {
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly spec: ParameterSpec;
  readonly oldSpec?: ParameterSpec;
  /** The physical id CloudFormation knows: the parameter name (absent on Create). */
  readonly physicalId?: string;
  /** The owner tag value of this resource: `<stack name>/<logical id>`, within the tag value limit. */
  readonly owner: string;
  /** `arn:<partition>:ssm:<region>:<account>` of the stack, to build parameter ARNs. */
  readonly ssmArnPrefix: string;
  /** A Create of a batched member that a read found existing: it takes over without trying to create. */
  readonly exists?: boolean;
}

/** `arn:<partition>:cloudformation:<region>:<account>:stack/<stack name>/<id>` */
const STACK_ID = /^arn:([^:]+):cloudformation:([^:]+):(\d+):stack\/([^/]+)\/.+$/;

/** What every request says besides its properties: the request type, and who and where the resource is. */
export interface RequestEnvelope {
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly stackName: string;
  /** The owner tag value of this resource: `<stack name>/<logical id>`, within the tag value limit. */
  readonly owner: string;
  /** `arn:<partition>:ssm:<region>:<account>` of the stack, to build parameter ARNs. */
  readonly ssmArnPrefix: string;
}

/** Checks the parts of the event that do not depend on the resource type. */
export function parseEnvelope(event: CloudFormationCustomResourceEvent): RequestEnvelope {
  const stack = STACK_ID.exec(String(event.StackId));
  if (!stack) {
    throw new OperatorError('the request is malformed: its StackId is not a CloudFormation stack ARN');
  }
  const [, partition, region, account, stackName] = stack;
  const requestType = event.RequestType;
  if (requestType === 'Delete') {
    // a Delete needs only the physical id: a malformed template must never keep a stack from rolling back
    requireString(event.PhysicalResourceId, 'PhysicalResourceId');
  } else if (requestType !== 'Create' && requestType !== 'Update') {
    throw new OperatorError(`the request is malformed: unknown RequestType ${JSON.stringify(String(requestType)).slice(0, 40)}`);
  }
  return {
    requestType,
    stackName,
    owner: ownerTagValue(stackName, String(event.LogicalResourceId)),
    ssmArnPrefix: `arn:${partition}:ssm:${region}:${account}`,
  };
}

/**
 * Parses and checks the event. Errors name the field that is wrong, never a property's value: the event
 * carries the source (and, for unsafePlainText, its text).
 */
export function parseRequest(event: CloudFormationCustomResourceEvent): LifecycleRequest {
  const { requestType, owner, ssmArnPrefix, stackName } = parseEnvelope(event);
  return {
    requestType,
    spec: withRotationTags(stackName, parseSpec(event.ResourceProperties, requestType !== 'Delete', 'ResourceProperties')),
    // not checked: the rollback of an Update whose template was malformed carries that template as the old one
    oldSpec: event.RequestType === 'Update' ? withRotationTags(stackName, parseSpec(event.OldResourceProperties, false, 'OldResourceProperties')) : undefined,
    physicalId: event.RequestType === 'Create' ? undefined : event.PhysicalResourceId,
    owner,
    ssmArnPrefix,
  };
}

function parseSpec(raw: unknown, strict: boolean, field: string): ParameterSpec {
  const props = (raw ?? {}) as Partial<ParameterProperties>;
  if (strict) {
    requireString(props.Name, `${field}.Name`);
    requireString(props.KeyId, `${field}.KeyId`);
    requireString(props.Source?.Type, `${field}.Source.Type`);
  }
  return {
    name: String(props.Name ?? ''),
    keyId: String(props.KeyId ?? ''),
    tier: props.Tier ?? DEFAULT_TIER,
    source: props.Source ?? { Type: '' },
    description: props.Description,
    allowedPattern: props.AllowedPattern,
    policies: props.Policies,
    expireAfterSeconds: props.ExpireAfterSeconds === undefined ? undefined : Number(props.ExpireAfterSeconds),
    adopt: props.Adopt === 'true',
    tags: props.Tags ?? [],
    rotation: rotationSpec(props.Rotation),
  };
}

export function requireString(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new OperatorError(
      `the request is malformed: ${field} is missing or of the wrong type. The handler and the construct versions may differ; ` +
        'redeploy with one version of cdk-secure-parameters.',
    );
  }
}

/** The ARN Parameter Store uses as the encryption context: no double slash for names with a leading one. */
export function parameterArn(ssmArnPrefix: string, name: string): string {
  return `${ssmArnPrefix}:parameter/${name.replace(/^\//, '')}`;
}

/** `#` never occurs in a parameter name, so this suffix cannot name a parameter. */
const NOT_CREATED_SUFFIX = '#not-created';

/** The physical id of a Create that failed before it made a parameter: its Delete has nothing to remove. */
export function notCreatedPhysicalId(name: string): string {
  return `${name}${NOT_CREATED_SUFFIX}`;
}

export function isNotCreatedPhysicalId(physicalId: string): boolean {
  return physicalId.endsWith(NOT_CREATED_SUFFIX);
}
