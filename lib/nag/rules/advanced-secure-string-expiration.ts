import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { SECURE_STRING_TYPE, StackTemplate } from './stack-template';

/** An Advanced SecureString (paid by the month, able to expire) has an Expiration policy. */
export function AdvancedSecureStringExpiration(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const resource = template.resource(node);
  if (resource?.type !== SECURE_STRING_TYPE || resource.properties.Tier !== 'Advanced') {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const properties = resource.properties;
  const policies = JSON.parse(properties.Policies ?? '[]') as Array<{ Type?: string }>;
  const expires = properties.ExpireAfterSeconds !== undefined || policies.some((p) => p.Type === 'Expiration');
  return expires ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
