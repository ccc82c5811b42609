import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ParameterHierarchy, ParameterKey, ParameterReplica, ParameterRotation, ReplicaSource, SecureValue } from '../../lib';
import { PolicyDocument, authorize } from '../helpers/iam-simulator';
import { resolveIntrinsics } from '../helpers/resolve-intrinsics';

/**
 * Our functions (the handler, the rotator, a replica's copier) may write to their own log group's streams and
 * to no other group's, evaluated as IAM does against the ARNs CloudFormation gives: a log group's `Arn`
 * attribute ends in `:*`, so `<Arn>:log-stream:*` would match no stream at all.
 */
const ACCOUNT = '111111111111';

function stacks(): Stack[] {
  const app = new App();
  const source = new Stack(app, 'Source', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const prod = new ParameterHierarchy(source, 'Prod', { path: '/app/prod', encryptionKey: new ParameterKey(source, 'Key', { multiRegion: true }) });
  prod.addSecureString('Session', { name: 'session', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(30)) });
  const replica = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
  new ParameterReplica(replica, 'Replica', { source: ReplicaSource.hierarchy(prod) });
  return [source, replica];
}

/** Each log group of the stack with the managed policy of the function that writes to it, as deployed. */
function logWriters(stack: Stack): Array<{ group: string; policy: PolicyDocument }> {
  const raw = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  const region = stack.region;
  const groupName = (id: string) => `/aws/lambda/${id}`;
  const resolved = resolveIntrinsics(raw, {
    partition: 'aws',
    region,
    accountId: ACCOUNT,
    stackName: stack.stackName,
    stackId: `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${stack.stackName}/id`,
    resource: (id, attribute) => {
      if (raw[id].Type !== 'AWS::Logs::LogGroup') return attribute ? `${id}.${attribute}` : id;
      // what CloudFormation answers: Ref is the name, Arn ends in ':*'
      return attribute === 'Arn' ? `arn:aws:logs:${region}:${ACCOUNT}:log-group:${groupName(id)}:*` : groupName(id);
    },
  }) as Record<string, any>;
  const functions = Object.values(resolved).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.LoggingConfig?.LogGroup);
  return functions.map((fn) => {
    const role = fn.Properties.Role as string;
    const policy = Object.values(resolved).find(
      (r) => r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r.Properties.Roles ?? []).includes(role.split('.')[0]),
    );
    return { group: fn.Properties.LoggingConfig.LogGroup as string, policy: policy.Properties.PolicyDocument };
  });
}

test.each(stacks().flatMap((stack) => logWriters(stack).map((writer) => [stack.stackName, writer.group, stack.region, writer.policy] as const)))(
  '%s: the function of %s writes its own streams and no other group\'s',
  async (_stack, group, region, policy) => {
    const stream = (name: string) => `arn:aws:logs:${region}:${ACCOUNT}:log-group:${name}:log-stream:2026/11/30/[$LATEST]0123456789abcdef`;
    const request = (action: string, resource: string) => ({ principalArn: `arn:aws:iam::${ACCOUNT}:role/fn`, action, resource, context: {} });

    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      expect((await authorize(request(action, stream(group)), { identity: [policy] })).allowed).toBe(true);
      expect((await authorize(request(action, stream('/aws/lambda/SomeoneElse')), { identity: [policy] })).allowed).toBe(false);
    }
  },
);

test('every function is covered: both stacks\' handlers, the rotator, the copier', () => {
  expect(stacks().flatMap((stack) => logWriters(stack)).length).toBe(4);
});
