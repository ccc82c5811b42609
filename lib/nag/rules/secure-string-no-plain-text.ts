import { CfnResource } from 'aws-cdk-lib';
import { NagRuleResult } from 'cdk-nag';
import { judgeSecureStrings } from './secure-strings';
import { StackTemplate } from './stack-template';
import { SourceType } from '../../private/handler-protocol';

/**
 * No SecureString takes its value from `SecureValue.unsafePlainText`, which writes it into the template.
 * A chunk of a batched hierarchy gets one finding per such member (`Member::<name>`).
 */
export function SecureStringNoPlainText(node: CfnResource, template: StackTemplate): NagRuleResult {
  return judgeSecureStrings(template.resource(node), (s) => s.Source.Type === SourceType.PLAINTEXT);
}
