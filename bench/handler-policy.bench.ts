import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BenchResult } from './bench-result';
import { ParameterHierarchy, ParameterKey, SecureValue } from '../lib';
import { resolveIntrinsics } from '../test/helpers/resolve-intrinsics';

const ENV = { account: '111111111111', region: 'eu-west-1' };
/** IAM's limit for a customer-managed policy, counted without whitespace. */
const MANAGED_POLICY_LIMIT = 6144;
const KEY_COUNTS = [1, 5, 20, 50];
/** The same parameters in every row, so that only the number of keys changes. */
const SERVICES = 50;

/** One hierarchy per service, each with one SecureString; `keys` ParameterKeys shared round-robin among them. */
function stackWithKeys(keys: number): Stack {
  const stack = new Stack(new App(), 'Bench', { env: ENV });
  const parameterKeys = Array.from({ length: keys }, (_, i) => new ParameterKey(stack, `Key${i}`));
  for (let i = 0; i < SERVICES; i++) {
    new ParameterHierarchy(stack, `Service${i}`, { path: `/svc${i}/prod`, encryptionKey: parameterKeys[i % keys] })
      .addSecureString('DbPassword', { name: 'db/password', value: SecureValue.generated() });
  }
  return stack;
}

function handlerPolicyDocument(stack: Stack): any {
  const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
  return policy.Properties.PolicyDocument;
}

/**
 * The policy this library wrote before: the SSM statement on the covering patterns (no label actions), then one
 * statement per key with its ARN, `kms:ViaService` and the patterns as encryption context, and no ownership statements.
 */
function previousFormula(stack: Stack, document: any, keys: number): any {
  const [manage, , , , ...rest] = document.Statement;
  const perKey = Array.from({ length: keys }, (_, i) => ({
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:Encrypt'],
    Resource: { 'Fn::GetAtt': [stack.getLogicalId((stack.node.findChild(`Key${i}`) as ParameterKey).node.defaultChild as any), 'Arn'] },
    Condition: { StringEquals: { 'kms:ViaService': `ssm.${ENV.region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': manage.Resource } },
  }));
  // the previous statement had no owner-tag condition
  const { Condition: _ownerCondition, ...unconditioned } = manage;
  const previousManage = { ...unconditioned, Sid: 'ManageParameters', Action: manage.Action.filter((a: string) => !a.includes('LabelParameterVersion')).concat('ssm:ListTagsForResource') };
  return { ...document, Statement: [previousManage, ...perKey, ...rest] };
}

/** Characters as IAM counts them: intrinsics resolved, no whitespace; keys and the log group get real-length ARNs. */
function deployedCharacters(stack: Stack, document: unknown): number {
  const deployed = resolveIntrinsics(document, {
    partition: 'aws',
    region: ENV.region,
    accountId: ENV.account,
    stackName: stack.stackName,
    resource: (logicalId, attribute) => {
      if (logicalId.startsWith('Key')) return `arn:aws:kms:${ENV.region}:${ENV.account}:key/00000000-0000-0000-0000-000000000000`;
      return `arn:aws:logs:${ENV.region}:${ENV.account}:log-group:${stack.stackName}-${logicalId}-${attribute}-XXXXXXXXXXXX:*`;
    },
  });
  return JSON.stringify(deployed).length;
}

/** The handler's policy size against the number of Parameter Store keys in the stack, now and with the previous formula. */
export function handlerPolicyBench(): BenchResult[] {
  const sizes = KEY_COUNTS.map((keys) => {
    const stack = stackWithKeys(keys);
    const document = handlerPolicyDocument(stack);
    return { keys, ours: deployedCharacters(stack, document), previous: deployedCharacters(stack, previousFormula(stack, document, keys)) };
  });
  return sizes.map(({ keys, ours, previous }) => ({
    name: `handler policy, ${SERVICES} hierarchies sharing ${keys} key${keys === 1 ? '' : 's'}`,
    unit: 'characters',
    ours,
    baseline: previous,
    baselineName: 'previous formula: one KMS statement per key',
    goal: `≤ ${MANAGED_POLICY_LIMIT} (IAM's managed policy limit), the same for every number of keys`,
    met: ours <= MANAGED_POLICY_LIMIT && ours === sizes[0].ours,
    note: 'resolved as IAM counts it, without whitespace',
  }));
}
