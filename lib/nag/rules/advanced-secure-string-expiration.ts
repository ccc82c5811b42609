import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { SECURE_STRING_TYPE, resolvedProperties } from './template-reading';

/** An Advanced SecureString (paid by the month, able to expire) has an Expiration policy. */
export function AdvancedSecureStringExpiration(node: CfnResource): NagRuleCompliance {
  if (node.cfnResourceType !== SECURE_STRING_TYPE) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const properties = resolvedProperties(node);
  if (properties.Tier !== 'Advanced') {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const policies = JSON.parse(properties.Policies ?? '[]') as Array<{ Type?: string }>;
  const expires = properties.ExpireAfterSeconds !== undefined || policies.some((p) => p.Type === 'Expiration');
  return expires ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
