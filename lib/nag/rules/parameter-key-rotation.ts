import { CfnResource, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NagRuleCompliance } from 'cdk-nag';
import { parameterKeysOf } from './template-reading';

/** Every key of the stack that encrypts SecureStrings rotates its key material. */
export function ParameterKeyRotation(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof kms.CfnKey) || !parameterKeysOf(node).logicalIds.has(Stack.of(node).resolve(node.logicalId))) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return Stack.of(node).resolve(node.enableKeyRotation) === true ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}
