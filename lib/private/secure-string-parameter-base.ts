import { Resource, TagManager } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { changeRule, exactName, policyActionRule } from './event-rules';
import type { SourceProperties } from './handler-protocol';
import { tierKeyActions } from './key-actions';
import { managedPolicyOf } from './managed-policy-grantee';
import { GrantTarget, READ_ACTIONS, WRITE_ACTIONS, grantOnParameters, grantReadOnEach } from './parameter-grants';
import { ParameterChangeEventOptions, PolicyActionEventOptions } from '../parameter-events';
import type { ParameterPolicy } from '../parameter-policy';
import type { ParameterRotation } from '../parameter-rotation';
import type { ISecureStringParameter } from '../secure-string-parameter';

/**
 * What every SecureString, made or imported, does the same way: grants scoped to its context, events.
 * A hidden base class: jsii copies its members into each subclass.
 *
 * @internal
 */
export abstract class SecureStringParameterBase extends Resource implements ISecureStringParameter {
  public abstract readonly parameterName: string;
  public abstract readonly parameterArn: string;
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly tier: ssm.ParameterTier;
  public readonly parameterType: string = ssm.ParameterType.SECURE_STRING;

  /**
   * Where the value comes from, as the handler receives it; undefined for an imported parameter.
   * @internal
   */
  public abstract readonly _valueSource?: SourceProperties;

  /**
   * Tags of another parameter that this one carries too, under its own (a replica carries its source's).
   * @internal
   */
  public _inheritedTags?: TagManager;

  /**
   * Its policies: an Expiration ends the value unless something renews it (none known for an imported parameter).
   * A replica of it must keep up with each renewal (parameter-replica.ts).
   * @internal
   */
  public _policies: readonly ParameterPolicy[] = [];

  /**
   * Its rotation, if it rotates: a replica of it must keep up with each new value.
   * @internal
   */
  public _rotation?: ParameterRotation;

  /**
   * The name as the app gave it, without a dependency on any resource: for event patterns.
   * @internal
   */
  protected abstract readonly _eventName: string;

  /**
   * The ARN without a dependency on the parameter's resource: for statements on the key's policy.
   * @internal
   */
  protected abstract readonly _keyPolicyArn: string;

  /**
   * The name as the app gave it (no deploy-time reference): for messages and for a replica of it.
   * @internal
   */
  public get _name(): string {
    return this._eventName;
  }

  /**
   * The tags the handler writes: the inherited ones, then this parameter's own.
   * @internal
   */
  public _renderTags(own: TagManager): Array<{ Key: string; Value: string }> | undefined {
    const tags = new Map<string, string>();
    for (const manager of [this._inheritedTags, own]) {
      for (const tag of (manager?.renderTags() ?? []) as Array<{ Key: string; Value: string }>) tags.set(tag.Key, tag.Value);
    }
    return tags.size === 0 ? undefined : [...tags].map(([Key, Value]) => ({ Key, Value }));
  }

  public get parameterRef(): ssm.ParameterReference {
    return { parameterName: this.parameterName };
  }

  /**
   * Read access to this parameter: `ssm:GetParameter(s)` and `ssm:GetParameterHistory` on its ARN, and
   * `kms:Decrypt` on its key only for its encryption context and only through Parameter Store.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantOnParameters(this, grantee, this.grantTarget(), READ_ACTIONS, this.encryptionKey, ['kms:Decrypt']);
  }

  /**
   * Write access to this parameter: `ssm:PutParameter` on its ARN, and the tier's KMS actions
   * (`kms:Encrypt` for Standard, `kms:GenerateDataKey` for Advanced, both for Intelligent-Tiering) under
   * the same conditions as reads.
   */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    return grantOnParameters(this, grantee, this.grantTarget(), WRITE_ACTIONS, this.encryptionKey, tierKeyActions(this.tier));
  }

  /**
   * A new customer-managed policy with exactly the statements of `grantRead`, for roles that must hold
   * no inline policy (cdk-nag's `IAMNoInlinePolicy` in the HIPAA, NIST 800-53 and PCI DSS packs). Attach
   * it with `role.addManagedPolicy(policy)` or `policy.attachToRole(role)`. A key whose policy must name
   * each reader (it does not delegate to IAM, or is in another account) is refused: use `grantRead`.
   *
   * @param id the construct id of the policy, under this parameter
   */
  public readPolicy(id: string): iam.ManagedPolicy {
    return managedPolicyOf(this, id, (grantee) => this.grantRead(grantee));
  }

  /**
   * A new customer-managed policy with exactly the statements of `grantWrite` (the tier's KMS actions),
   * to attach to a role instead of an inline grant, like `readPolicy`.
   *
   * @param id the construct id of the policy, under this parameter
   */
  public writePolicy(id: string): iam.ManagedPolicy {
    return managedPolicyOf(this, id, (grantee) => this.grantWrite(grantee));
  }

  /**
   * An EventBridge rule for this parameter's policy actions: its expiration, and the events its
   * ExpirationNotification and NoChangeNotification policies emit.
   */
  public onPolicyAction(id: string, options?: PolicyActionEventOptions): events.Rule {
    return policyActionRule(this, id, exactName(this._eventName), options);
  }

  /** An EventBridge rule for changes of this parameter (create, update, delete, label). */
  public onChange(id: string, options?: ParameterChangeEventOptions): events.Rule {
    return changeRule(this, id, exactName(this._eventName), options);
  }

  private grantTarget(): GrantTarget {
    return { contextOperator: 'StringEquals', parameterArns: this.parameterArn, keyPolicyArns: this._keyPolicyArn };
  }
}

/** Read access to several parameters under one key, in one statement each side (parameter-grants.ts). */
export function grantReadOnAll(grantee: iam.IGrantable, parameters: SecureStringParameterBase[], key: kms.IKey): iam.Grant {
  // grantTarget is private to keep GrantTarget, a private type, out of the jsii assembly; TypeScript lets this
  // module reach it by its quoted name
  // eslint-disable-next-line dot-notation
  return grantReadOnEach(parameters[0], grantee, parameters.map((p) => p['grantTarget']()), key);
}
