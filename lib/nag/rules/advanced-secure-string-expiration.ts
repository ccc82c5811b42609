import { CfnResource } from 'aws-cdk-lib';
import { NagRuleResult } from 'cdk-nag';
import { SecureStringProperties, judgeSecureStrings } from './secure-strings';
import { StackTemplate } from './stack-template';
import { SecureValueSource } from '../../secure-value-source';

/**
 * An Advanced SecureString (paid by the month, able to expire) has an Expiration policy. A chunk of a
 * batched hierarchy gets one finding per Advanced member without one (`Member::<name>`). A replica's
 * policies are its source's, copied at deploy time: the source is judged in its own stack.
 */
export function AdvancedSecureStringExpiration(node: CfnResource, template: StackTemplate): NagRuleResult {
  return judgeSecureStrings(template.resource(node), (s) => !expires(s), (s) => s.Tier === 'Advanced' && s.Source.Type !== SecureValueSource.REPLICA);
}

function expires(secureString: SecureStringProperties): boolean {
  const policies = JSON.parse(secureString.Policies ?? '[]') as Array<{ Type?: string }>;
  return secureString.ExpireAfterSeconds !== undefined || policies.some((p) => p.Type === 'Expiration');
}
