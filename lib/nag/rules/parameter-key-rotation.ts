import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { StackTemplate } from './stack-template';

/** Every key of the stack that encrypts SecureStrings rotates its key material. */
export function ParameterKeyRotation(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const resource = template.resource(node);
  if (resource?.type !== 'AWS::KMS::Key' || !template.parameterKeys.logicalIds.has(resource.logicalId)) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return resource.properties.EnableKeyRotation === true ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
