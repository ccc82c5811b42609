import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ParameterKey } from './parameter-key';
import { assertOtherRegionOfSameAccount } from './private/cross-region';
import { ParameterKeyBase } from './private/parameter-key-base';
import { parameterKeyPolicyStatements } from './private/parameter-key-policy';
import { validateParameterKeyProps } from './private/parameter-key-validation';
import { ParameterValidationError } from './private/validation-error';

/**
 * Properties of a {@link ParameterKeyReplica}.
 */
export interface ParameterKeyReplicaProps {
  /** The multi-Region ParameterKey (`multiRegion: true`) to replicate, in a stack of another region. */
  readonly primaryKey: ParameterKey;

  /**
   * An alias for the replica, with or without the `alias/` prefix (aliases are per region).
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * A description of the replica.
   *
   * @default - 'Encrypts Parameter Store SecureString parameters (replica of a multi-Region key)'
   */
  readonly description?: string;

  /**
   * How long KMS waits before deleting the replica once it is scheduled for deletion.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;

  /**
   * What happens to the replica when it is removed from the stack. Deleting it makes every parameter of
   * this region encrypted under it unreadable, hence the default.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A replica of a multi-Region ParameterKey in another region (`AWS::KMS::ReplicaKey`): the same key material
 * and key id, its own key policy with the ParameterKey's rules (administration through the account's IAM
 * policies; cryptography only through Parameter Store of the replica's region, unless the primary allows
 * direct KMS use). Rotation follows the primary key.
 *
 * Its stack needs `crossRegionReferences: true`: the replica names the primary key's ARN, which exists only
 * once the primary's stack is deployed, and CDK passes it across regions. The replica's stack then deploys
 * after the primary's.
 */
export class ParameterKeyReplica extends ParameterKeyBase {
  public readonly keyArn: string;
  public readonly keyId: string;

  /** The key this one replicates. */
  public readonly primaryKey: ParameterKey;

  /** The alias created from the `alias` prop, if any. */
  public readonly alias?: kms.IAlias;

  constructor(scope: Construct, id: string, props: ParameterKeyReplicaProps) {
    super(scope, id);
    assertReplicable(this, props.primaryKey);
    validateParameterKeyProps(this, props);
    this.primaryKey = props.primaryKey;
    this.policy.addStatements(...parameterKeyPolicyStatements(this, props.primaryKey._allowDirectKmsUse, true));

    const resource = new kms.CfnReplicaKey(this, 'Resource', {
      primaryKeyArn: props.primaryKey.keyArn,
      description: props.description ?? 'Encrypts Parameter Store SecureString parameters (replica of a multi-Region key)',
      pendingWindowInDays: props.pendingWindow?.toDays({ integral: false }),
      keyPolicy: this.policy,
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.keyArn = resource.attrArn;
    this.keyId = resource.attrKeyId;
    this.node.addValidation({ validate: () => this.policy.validateForResourcePolicy() });
    if (props.alias !== undefined) {
      this.alias = this.addAlias(props.alias);
    }
  }
}

function assertReplicable(replica: Construct, primary: ParameterKey): void {
  if (!primary.multiRegion) {
    throw new ParameterValidationError(
      replica,
      `key ${primary.node.path} is not multi-Region; only a multi-Region key can be replicated: create it with multiRegion: true (a key cannot become multi-Region later)`,
    );
  }
  assertOtherRegionOfSameAccount(replica, primary);
  const stack = Stack.of(replica);
  if (!stack._crossRegionReferences) {
    throw new ParameterValidationError(
      replica,
      `stack ${stack.node.path} needs crossRegionReferences: true: the replica names the ARN of ${primary.node.path} in ${Stack.of(primary).region}, ` +
        'which CDK passes across regions only for stacks that allow it',
    );
  }
}
