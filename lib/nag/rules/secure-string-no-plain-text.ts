import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { StackTemplate } from './stack-template';
import { SourceType } from '../../private/handler-protocol';

/** No SecureString takes its value from `SecureValue.unsafePlainText`, which writes it into the template. */
export function SecureStringNoPlainText(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const secureStrings = template.secureStrings(node);
  if (secureStrings === undefined) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return secureStrings.some((p) => p.Source?.Type === SourceType.PLAINTEXT) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
