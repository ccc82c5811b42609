import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { flattenReference } from './nag-finding-id';
import { ParameterValidationError } from './validation-error';

/**
 * The AWS-managed key of Parameter Store. Its key policy already lets every principal of the account use it
 * through Parameter Store, so no grant has to name its key ARN; the nag pack flags it (no access control).
 */
const AWS_MANAGED_SSM_ALIAS = 'alias/aws/ssm';

/**
 * The key that grants, the `KeyId` property and the handler's permissions name for `key`.
 *
 * IAM and key policies authorize KMS calls against the key ARN, never an alias ARN
 * (https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html), so an alias made in
 * the app resolves to its target key, as aws-kms's own `Alias` grants do (`aliasTargetKey`). An alias
 * imported by name has no known target: it is refused, except the AWS-managed `alias/aws/ssm`.
 */
export function resolveParameterKey(consumer: IConstruct, key: kms.IKey): kms.IKey {
  if (!isAlias(key)) {
    return refuseAliasArn(consumer, key);
  }
  const target = knownTarget(key);
  if (target) {
    return target;
  }
  if (key.aliasName === AWS_MANAGED_SSM_ALIAS) {
    return key;
  }
  throw new ParameterValidationError(
    consumer,
    `encryptionKey is the alias '${key.aliasName}' imported by name (${key.node.path}), whose key is unknown at synth time: ` +
      'IAM and key policies authorize KMS calls against the key ARN, not an alias, so grants and the handler\'s permissions could not name it. ' +
      `Pass the key instead: kms.Key.fromKeyArn(scope, id, '<key ARN>'), the ARN that \`aws kms describe-key --key-id ${key.aliasName} --query KeyMetadata.Arn\` prints.`,
  );
}

/** Whether `key` is Parameter Store's AWS-managed key, which no grant needs to name. */
export function isAwsManagedSsmKey(key: kms.IKey): boolean {
  return isAlias(key) && key.aliasName === AWS_MANAGED_SSM_ALIAS;
}

function isAlias(key: kms.IKey): key is kms.IAlias {
  return typeof (key as Partial<kms.IAlias>).aliasName === 'string';
}

/** `new kms.Alias` and `Alias.fromAliasAttributes` know their key; `Alias.fromAliasName`'s getter throws. */
function knownTarget(alias: kms.IAlias): kms.IKey | undefined {
  try {
    return alias.aliasTargetKey;
  } catch {
    return undefined;
  }
}

/** `kms.Key.fromKeyArn` given an alias ARN is an alias in disguise: the same rule applies. */
function refuseAliasArn(consumer: IConstruct, key: kms.IKey): kms.IKey {
  const arn = flattenReference(Stack.of(consumer).resolve(key.keyArn));
  const alias = /:(alias\/.+)$/.exec(arn)?.[1];
  if (alias === undefined || alias === AWS_MANAGED_SSM_ALIAS) {
    return key;
  }
  throw new ParameterValidationError(
    consumer,
    `encryptionKey ${key.node.path} has the alias ARN '${arn}': IAM and key policies authorize KMS calls against the key ARN, not an alias. ` +
      `Pass the key ARN (key/<key id>) that \`aws kms describe-key --key-id ${alias} --query KeyMetadata.Arn\` prints.`,
  );
}
