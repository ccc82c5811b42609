import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { StackTemplate } from './stack-template';

/** An Advanced SecureString (paid by the month, able to expire) has an Expiration policy. */
export function AdvancedSecureStringExpiration(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const advanced = (template.secureStrings(node) ?? []).filter((p) => p.Tier === 'Advanced');
  if (advanced.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const expires = advanced.every((p) => {
    const policies = JSON.parse(p.Policies ?? '[]') as Array<{ Type?: string }>;
    return p.ExpireAfterSeconds !== undefined || policies.some((policy) => policy.Type === 'Expiration');
  });
  return expires ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
