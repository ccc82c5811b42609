import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { ParameterValidationError } from './validation-error';

const SYMMETRIC_SPEC = 'SYMMETRIC_DEFAULT';
const SYMMETRIC_USAGE = 'ENCRYPT_DECRYPT';

/**
 * Throws when `key` is a key defined in this app whose spec or usage Parameter Store cannot use.
 * Imported keys (`Key.fromKeyArn`, `Alias.fromAliasName`, ...) carry no spec and pass.
 */
export function assertSymmetricKey(consumer: IConstruct, key: kms.IKey): void {
  const target = aliasTarget(key) ?? key;
  const cfnKey = target.node.defaultChild;
  if (!cfnKey || !kms.CfnKey.isCfnKey(cfnKey)) {
    return;
  }
  const spec = cfnKey.keySpec ?? SYMMETRIC_SPEC;
  const usage = cfnKey.keyUsage ?? SYMMETRIC_USAGE;
  if (Token.isUnresolved(spec) || Token.isUnresolved(usage)) {
    return;
  }
  if (spec !== SYMMETRIC_SPEC || usage !== SYMMETRIC_USAGE) {
    throw new ParameterValidationError(
      consumer,
      `key ${target.node.path} has key spec ${spec} and usage ${usage}; ` +
        `Parameter Store supports only symmetric keys (${SYMMETRIC_SPEC}, ${SYMMETRIC_USAGE})`,
    );
  }
}

/** Only an alias made in this app (it has a CfnAlias) knows its target; an imported one throws if asked. */
function aliasTarget(key: kms.IKey): kms.IKey | undefined {
  const child = key.node.defaultChild;
  return child && kms.CfnAlias.isCfnAlias(child) ? (key as kms.IAlias).aliasTargetKey : undefined;
}
