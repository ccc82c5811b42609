import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { DIRECT_CRYPTO_ACTIONS, KEY_ADMIN_ACTIONS, MULTI_REGION_ADMIN_ACTIONS, PARAMETER_STORE_CRYPTO_ACTIONS } from './key-actions';
import { parameterStoreViaService } from './parameter-store-conditions';

/**
 * The key policy of a ParameterKey and of its replicas: administration delegated to the account's IAM
 * policies (with replication and failover for a multi-Region key), cryptography only through Parameter Store of
 * the key's own region (unless `allowDirectKmsUse`).
 */
export function parameterKeyPolicyStatements(key: IConstruct, allowDirectKmsUse: boolean, multiRegion: boolean): iam.PolicyStatement[] {
  return [accountAdministrationStatement(multiRegion), accountCryptoStatement(key, allowDirectKmsUse)];
}

/** The account's IAM policies may administer the key; the account root is the principal that delegates to them. */
function accountAdministrationStatement(multiRegion: boolean): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowKeyAdministrationThroughIamPolicies',
    principals: [new iam.AccountRootPrincipal()],
    actions: [...KEY_ADMIN_ACTIONS, ...(multiRegion ? MULTI_REGION_ADMIN_ACTIONS : [])],
    resources: ['*'],
  });
}

function accountCryptoStatement(scope: IConstruct, allowDirectKmsUse: boolean): iam.PolicyStatement {
  if (allowDirectKmsUse) {
    return new iam.PolicyStatement({
      sid: 'AllowCryptographyThroughIamPolicies',
      principals: [new iam.AccountRootPrincipal()],
      actions: DIRECT_CRYPTO_ACTIONS,
      resources: ['*'],
    });
  }
  return new iam.PolicyStatement({
    sid: 'AllowCryptographyOnlyThroughParameterStore',
    principals: [new iam.AccountRootPrincipal()],
    actions: PARAMETER_STORE_CRYPTO_ACTIONS,
    resources: ['*'],
    conditions: {
      StringEquals: {
        'kms:ViaService': parameterStoreViaService(scope),
        'kms:CallerAccount': Stack.of(scope).account,
      },
    },
  });
}
