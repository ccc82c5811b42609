import { ITaggable, TagManager, TagType } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { BATCH_RESOURCE_TYPE } from './batch-protocol';
import type { SourceProperties } from './handler-protocol';
import { parameterArnFor } from './parameter-name';
import { SecureStringParameterBase } from './secure-string-parameter-base';
import { ParameterValidationError } from './validation-error';
import type { ParameterPolicy } from '../parameter-policy';
import type { ParameterRotation } from '../parameter-rotation';

/** What a batched member is told at creation; its name and ARN reference the chunk that writes it. */
export interface BatchedSecureStringProps {
  readonly parameterName: string;
  readonly encryptionKey: kms.IKey;
  readonly tier: ssm.ParameterTier;
  /** The name as a token that references the member's chunk, so that consumers deploy after it. */
  readonly referencedName: string;
  /** The ARN, likewise. */
  readonly referencedArn: string;
  /** Where the value comes from. */
  readonly valueSource: SourceProperties;
  /** Its policies, the hierarchy's defaults included. */
  readonly policies: readonly ParameterPolicy[];
  /** Its rotation, if it rotates (its own or the hierarchy's default). */
  readonly rotation?: ParameterRotation;
}

/**
 * A SecureString of a batched hierarchy: an `ssm.IParameter` like any other (grants, events, ECS secrets),
 * written by the chunk that holds it. The chunk's response cannot carry one attribute per member, so the
 * attributes that need one throw and name the per-parameter deployment that has them.
 */
export class BatchedSecureString extends SecureStringParameterBase implements ITaggable {
  public readonly parameterName: string;
  public readonly parameterArn: string;
  public readonly encryptionKey: kms.IKey;
  public readonly tier: ssm.ParameterTier;
  /** Tags of this member, written by its chunk; `Tags.of(hierarchy)` reaches them. */
  public readonly tags = new TagManager(TagType.KEY_VALUE, BATCH_RESOURCE_TYPE);
  /** @internal */
  public readonly _valueSource: SourceProperties;
  /** @internal */
  protected readonly _eventName: string;
  /** @internal */
  protected readonly _keyPolicyArn: string;

  constructor(scope: Construct, id: string, props: BatchedSecureStringProps) {
    super(scope, id);
    this.parameterName = props.referencedName;
    this.parameterArn = props.referencedArn;
    this.encryptionKey = props.encryptionKey;
    this.tier = props.tier;
    this._valueSource = props.valueSource;
    this._policies = props.policies;
    this._rotation = props.rotation;
    this._eventName = props.parameterName;
    this._keyPolicyArn = parameterArnFor(this, props.parameterName);
  }

  /** Not available: a batched member has no version attribute. */
  public get parameterVersion(): string {
    throw this.noAttribute('parameterVersion');
  }

  /** Not available: a dynamic reference needs the version attribute. */
  public get secureValue(): never {
    throw this.noAttribute('secureValue');
  }

  private noAttribute(attribute: string): Error {
    return new ParameterValidationError(
      this,
      `${this._eventName} is a member of a batched hierarchy and has no ${attribute}: a chunk's response cannot carry an attribute per member. ` +
        'Give its hierarchy deployment: HierarchyDeployment.perParameter(), or create it with new SecureStringParameter(...).',
    );
  }
}
