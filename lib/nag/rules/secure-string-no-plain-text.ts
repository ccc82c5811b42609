import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { SECURE_STRING_TYPE, StackTemplate } from './stack-template';
import { SourceType } from '../../private/handler-protocol';

/** No SecureString takes its value from `SecureValue.unsafePlainText`, which writes it into the template. */
export function SecureStringNoPlainText(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const resource = template.resource(node);
  if (resource?.type !== SECURE_STRING_TYPE) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return resource.properties.Source?.Type === SourceType.PLAINTEXT ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
