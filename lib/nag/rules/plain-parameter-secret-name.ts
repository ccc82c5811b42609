import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { NagRuleCompliance } from 'cdk-nag';

/** Whole words only: `/db/password` and `/ci/API_KEY` are secrets, `/compass/heading` is not. */
const SECRET_WORDS = /(^|[^a-z])(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credentials?)([^a-z]|$)/i;

/** A plain String or StringList parameter (stored unencrypted, value in the template) whose name says it holds a secret. */
export function PlainParameterSecretName(node: CfnResource): NagRuleCompliance {
  if (!(node instanceof ssm.CfnParameter)) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const name = Stack.of(node).resolve(node.name);
  if (typeof name !== 'string' || Token.isUnresolved(name)) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return SECRET_WORDS.test(name) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}
