import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BenchResult } from './bench-result';
import { ParameterHierarchy, SecureValue } from '../lib';

const SIZES = [1, 100, 1000];
const GOAL_BYTES = 1500;
/** 1,000 parameters exceed one stack's 500 resources; the policy is what is measured. */
const NO_RESOURCE_LIMIT = { '@aws-cdk/core:stackResourceLimit': 0 };

/** Every policy document attached to the role: CDK moves what overflows the default policy into managed policies. */
function readerPolicy(stack: Stack, role: iam.Role): { bytes: number; statements: number; documents: number } {
  const roleRef = JSON.stringify({ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) });
  const template = Template.fromStack(stack).toJSON();
  const documents = Object.values(template.Resources as Record<string, any>)
    .filter((r) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type) && JSON.stringify(r.Properties.Roles ?? []).includes(roleRef))
    .map((r) => r.Properties.PolicyDocument);
  return {
    bytes: documents.reduce((sum, d) => sum + JSON.stringify(d).length, 0),
    statements: documents.reduce((sum, d) => sum + d.Statement.length, 0),
    documents: documents.length,
  };
}

function newReader(stack: Stack): iam.Role {
  return new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

/** Read access to a path holding n SecureStrings: one hierarchy grant. */
function ours(n: number) {
  const stack = new Stack(new App({ context: NO_RESOURCE_LIMIT }), 'Bench');
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/myapp/prod' });
  for (let i = 0; i < n; i++) {
    hierarchy.addSecureString(`P${i}`, { name: `service${i % 12}/secret-${i}`, value: SecureValue.generated() });
  }
  const reader = newReader(stack);
  hierarchy.grantRead(reader);
  return readerPolicy(stack, reader);
}

/** The same access with aws-cdk-lib: a grantRead per SecureString (imported, the only way it knows them). */
function baseline(n: number) {
  const stack = new Stack(new App({ context: NO_RESOURCE_LIMIT }), 'Bench');
  const key = new kms.Key(stack, 'Key');
  const reader = newReader(stack);
  for (let i = 0; i < n; i++) {
    ssm.StringParameter.fromSecureStringParameterAttributes(stack, `P${i}`, {
      parameterName: `/myapp/prod/service${i % 12}/secret-${i}`,
      encryptionKey: key,
    }).grantRead(reader);
  }
  return readerPolicy(stack, reader);
}

export function pathGrantBench(): BenchResult[] {
  const measured = SIZES.map((n) => ({ n, ours: ours(n), baseline: baseline(n) }));
  const constant = measured.every((m) => m.ours.bytes === measured[0].ours.bytes);
  return measured.map(({ n, ours: o, baseline: b }) => ({
    name: `read grant on a path of ${n} SecureStrings: policy size`,
    unit: 'bytes',
    ours: o.bytes,
    baseline: b.bytes,
    baselineName: `aws-cdk-lib grantRead per parameter (${b.statements} statements in ${b.documents} policies)`,
    goal: `≤ ${GOAL_BYTES} bytes, the same at every N`,
    met: o.bytes <= GOAL_BYTES && constant,
    note: `ours: ${o.statements} statements; aws-cdk-lib's kms:Decrypt has no condition`,
  }));
}
