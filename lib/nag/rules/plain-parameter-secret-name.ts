import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { StackTemplate } from './stack-template';

/** Whole words only: `/db/password` and `/ci/API_KEY` are secrets, `/compass/heading` is not. */
const SECRET_WORDS = /(^|[^a-z])(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credentials?)([^a-z]|$)/i;

/** A plain String or StringList parameter (stored unencrypted, value in the template) whose name says it holds a secret. */
export function PlainParameterSecretName(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const resource = template.resource(node);
  const name = resource?.properties.Name;
  // a name resolved at deploy time (a reference, a generated name) is not judged
  if (resource?.type !== 'AWS::SSM::Parameter' || typeof name !== 'string') {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return SECRET_WORDS.test(name) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
