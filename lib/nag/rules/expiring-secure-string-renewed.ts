import { CfnResource } from 'aws-cdk-lib';
import { NagRuleResult } from 'cdk-nag';
import { SecureStringProperties, judgeSecureStrings } from './secure-strings';
import { PolicyActionRoute, StackTemplate } from './stack-template';

/**
 * A SecureString with an Expiration policy is deleted by Parameter Store at the timestamp: it must either
 * rotate (ParameterRotation renews the timestamp with each new value) or announce the expiration to someone,
 * an ExpirationNotification policy whose `Parameter Store Policy Action` events an EventBridge rule of the
 * stack routes to a target. Otherwise the expiration is an outage on a timer. A chunk of a batched hierarchy
 * gets one finding per such member (`Member::<name>`).
 */
export function ExpiringSecureStringRenewed(node: CfnResource, template: StackTemplate): NagRuleResult {
  const routes = template.policyActionRoutes;
  return judgeSecureStrings(template.resource(node), (s) => !renewed(s, routes), expires);
}

function policyTypes(secureString: SecureStringProperties): string[] {
  return (JSON.parse(secureString.Policies ?? '[]') as Array<{ Type?: string }>).map((p) => p.Type ?? '');
}

function expires(secureString: SecureStringProperties): boolean {
  return secureString.ExpireAfterSeconds !== undefined || policyTypes(secureString).includes('Expiration');
}

function renewed(secureString: SecureStringProperties, routes: readonly PolicyActionRoute[]): boolean {
  if (secureString.Rotation !== undefined) {
    return true;
  }
  const name = secureString.member ?? secureString.Name;
  return policyTypes(secureString).includes('ExpirationNotification') && typeof name === 'string' && routes.some((route) => route.matches(name));
}
