import { CfnResource, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NagRuleCompliance } from 'cdk-nag';
import { PolicyStatementJson, actionCovers, conditionsTest, list, parameterKeysOf, policyStatementsOf } from './template-reading';

const SCOPING_KEYS = ['kms:EncryptionContext:PARAMETER_ARN', 'kms:ViaService'];

/**
 * A statement that allows kms:Decrypt on a key used by SecureStrings (in an identity policy or in that
 * key's policy) is conditioned on `kms:EncryptionContext:PARAMETER_ARN` or `kms:ViaService`: otherwise it
 * decrypts every parameter under the key, and anything else the key encrypts.
 */
export function ParameterKeyDecryptConditioned(node: CfnResource): NagRuleCompliance {
  const keys = parameterKeysOf(node);
  if (keys.logicalIds.size + keys.literals.size === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  let relevant: PolicyStatementJson[];
  if (node instanceof kms.CfnKey) {
    const isParameterKey = keys.logicalIds.has(Stack.of(node).resolve(node.logicalId));
    relevant = isParameterKey ? allowsDecrypt(policyStatementsOf(node)) : [];
  } else {
    relevant = allowsDecrypt(policyStatementsOf(node)).filter((s) => list(s.Resource).some((r) => namesParameterKey(r, keys)));
  }
  if (relevant.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return relevant.every((s) => conditionsTest(s, SCOPING_KEYS)) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}

function allowsDecrypt(statements: PolicyStatementJson[]): PolicyStatementJson[] {
  return statements.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => actionCovers(a, 'kms:Decrypt')));
}

function namesParameterKey(resource: unknown, keys: { logicalIds: Set<string>; literals: Set<string> }): boolean {
  if (resource === '*' || (typeof resource === 'string' && /:key\/\*$/.test(resource))) {
    return true;
  }
  if (typeof resource === 'string') {
    return keys.literals.has(resource);
  }
  const reference = resource as { 'Fn::GetAtt'?: string[]; 'Ref'?: string };
  const logicalId = reference['Fn::GetAtt']?.[0] ?? reference.Ref;
  return logicalId !== undefined && keys.logicalIds.has(logicalId);
}
