import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { SECURE_STRING_TYPE, resolvedProperties } from './template-reading';
import { SourceType } from '../../private/handler-protocol';

/** No SecureString takes its value from `SecureValue.unsafePlainText`, which writes it into the template. */
export function SecureStringNoPlainText(node: CfnResource): NagRuleCompliance {
  if (node.cfnResourceType !== SECURE_STRING_TYPE) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return resolvedProperties(node).Source?.Type === SourceType.PLAINTEXT ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
