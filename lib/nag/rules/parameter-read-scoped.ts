import { CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagRuleCompliance } from 'cdk-nag';
import { actionCovers, list, policyStatementsOf, resourceText } from './template-reading';

const READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'];

/**
 * Parameter reads are granted on named parameters or paths, never on every parameter (`*`,
 * `parameter/*`) and never on a prefix without its trailing `/` (`parameter/app/prod*` also opens
 * `/app/production`).
 */
export function ParameterReadScoped(node: CfnResource): NagRuleCompliance {
  const isIdentityPolicy = [iam.CfnPolicy, iam.CfnManagedPolicy, iam.CfnRole, iam.CfnUser, iam.CfnGroup].some((type) => node instanceof type);
  if (!isIdentityPolicy) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const reads = policyStatementsOf(node).filter(
    (s) => s.Effect === 'Allow' && list(s.Action).some((a) => READ_ACTIONS.some((read) => actionCovers(a, read))),
  );
  if (reads.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return reads.some((s) => list(s.Resource).some((r) => tooWide(resourceText(r)))) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}

function tooWide(resource: string): boolean {
  if (resource === '*') return true;
  const parameter = /:parameter(\/.*|\*.*)$/.exec(resource)?.[1];
  if (parameter === undefined) return false;
  return parameter === '/*' || /[^/]\*/.test(parameter) || parameter.startsWith('*');
}
