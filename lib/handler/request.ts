import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DEFAULT_TIER, ParameterProperties, SourceProperties } from '../private/handler-protocol';

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
  readonly tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

/** A lifecycle request: what CloudFormation asks, for which parameter, on behalf of which owner. */
export interface LifecycleRequest {
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly spec: ParameterSpec;
  readonly oldSpec?: ParameterSpec;
  /** The physical id CloudFormation knows: the parameter name (absent on Create). */
  readonly physicalId?: string;
  /** The owner tag value of this resource: `<stack name>/<logical id>`. */
  readonly owner: string;
  /** `arn:<partition>:ssm:<region>:<account>` of the stack, to build parameter ARNs. */
  readonly ssmArnPrefix: string;
}

export function parseRequest(event: CloudFormationCustomResourceEvent): LifecycleRequest {
  const [, partition, , region, account, resource] = event.StackId.split(':');
  const stackName = resource.split('/')[1];
  return {
    requestType: event.RequestType,
    spec: parseSpec(event.ResourceProperties as unknown as ParameterProperties),
    oldSpec: event.RequestType === 'Update' ? parseSpec(event.OldResourceProperties as unknown as ParameterProperties) : undefined,
    physicalId: event.RequestType === 'Create' ? undefined : event.PhysicalResourceId,
    owner: `${stackName}/${event.LogicalResourceId}`,
    ssmArnPrefix: `arn:${partition}:ssm:${region}:${account}`,
  };
}

function parseSpec(props: ParameterProperties): ParameterSpec {
  return {
    name: props.Name,
    keyId: props.KeyId,
    tier: props.Tier ?? DEFAULT_TIER,
    source: props.Source,
    description: props.Description,
    allowedPattern: props.AllowedPattern,
    policies: props.Policies,
    expireAfterSeconds: props.ExpireAfterSeconds === undefined ? undefined : Number(props.ExpireAfterSeconds),
    adopt: props.Adopt === 'true',
    tags: props.Tags ?? [],
  };
}

/** The ARN Parameter Store uses as the encryption context: no double slash for names with a leading one. */
export function parameterArn(ssmArnPrefix: string, name: string): string {
  return `${ssmArnPrefix}:parameter/${name.replace(/^\//, '')}`;
}
