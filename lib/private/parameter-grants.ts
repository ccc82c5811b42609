import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { ENCRYPTION_CONTEXT_KEY } from './handler-protocol';
import { parameterStoreViaService } from './parameter-store-conditions';

/** What a reader of a SecureString needs from Parameter Store. `DescribeParameters` is not here: it only works on `*`. */
export const READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'];
export const WRITE_ACTIONS = ['ssm:PutParameter'];

/** Standard-tier writes call kms:Encrypt; Advanced (and Intelligent-Tiering) use envelope encryption. */
export function writeKeyAction(tier: string): string {
  return tier === 'Standard' ? 'kms:Encrypt' : 'kms:GenerateDataKey';
}

/**
 * SSM actions on exactly one parameter, and the KMS action on its key only for that parameter's
 * encryption context and only through Parameter Store.
 */
export function grantOnParameter(
  scope: IConstruct,
  grantee: iam.IGrantable,
  parameterArn: string,
  ssmActions: string[],
  key: kms.IKey,
  keyAction: string,
): iam.Grant {
  const ssmGrant = iam.Grant.addToPrincipal({ grantee, actions: ssmActions, resourceArns: [parameterArn] });
  const keyGrant = iam.Grant.addToPrincipal({
    grantee,
    actions: [keyAction],
    resourceArns: [key.keyArn],
    conditions: {
      StringEquals: {
        [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: parameterArn,
        'kms:ViaService': parameterStoreViaService(scope),
      },
    },
  });
  return ssmGrant.combine(keyGrant);
}
