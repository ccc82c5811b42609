import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ParameterKey, ParameterKeyReplica, ParameterKeyReplicaProps, ParameterStoreChecks } from '../lib';
import { NAG_PACKS, nagViolations } from './helpers/nag';

const ACCOUNT = '111111111111';

interface Stacks {
  readonly app: App;
  readonly primaryStack: Stack;
  readonly replicaStack: Stack;
  readonly primary: ParameterKey;
}

function stacks(options: { multiRegion?: boolean; replicaRegion?: string; replicaAccount?: string; crossRegionReferences?: boolean; envAgnostic?: 'primary' | 'replica' } = {}): Stacks {
  const app = new App();
  const primaryStack = new Stack(app, 'Primary', options.envAgnostic === 'primary' ? {} : { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const replicaStack = new Stack(app, 'Replica', {
    env: options.envAgnostic === 'replica' ? undefined : { account: options.replicaAccount ?? ACCOUNT, region: options.replicaRegion ?? 'us-east-1' },
    crossRegionReferences: options.crossRegionReferences ?? true,
  });
  const primary = new ParameterKey(primaryStack, 'Key', { multiRegion: options.multiRegion ?? true });
  return { app, primaryStack, replicaStack, primary };
}

function replicaKeyOf(stack: Stack): any {
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::ReplicaKey'));
  return key;
}

describe('ParameterKey multiRegion', () => {
  test('makes a multi-Region primary key; off by default', () => {
    const { primaryStack } = stacks();
    new ParameterKey(primaryStack, 'SingleRegion');
    const keys = Object.values(Template.fromStack(primaryStack).findResources('AWS::KMS::Key')).map((k: any) => k.Properties.MultiRegion);
    expect(keys).toEqual([true, undefined]);
  });

  test('its administrators may replicate it (CloudFormation calls ReplicateKey on the primary) and fail over; a single-region key not', () => {
    const { primaryStack } = stacks();
    new ParameterKey(primaryStack, 'SingleRegion');
    const [multi, single] = Object.values(Template.fromStack(primaryStack).findResources('AWS::KMS::Key')).map((k: any) => k.Properties.KeyPolicy.Statement[0].Action);
    expect(multi).toEqual(expect.arrayContaining(['kms:ReplicateKey', 'kms:UpdatePrimaryRegion']));
    expect(single).not.toEqual(expect.arrayContaining(['kms:ReplicateKey']));
    expect(single).not.toEqual(expect.arrayContaining(['kms:UpdatePrimaryRegion']));
  });
});

describe('ParameterKeyReplica', () => {
  test('replicates the primary key by its ARN, passed across regions, and is retained by default', () => {
    const { primaryStack, replicaStack, primary } = stacks();
    new ParameterKeyReplica(replicaStack, 'Key', { primaryKey: primary });

    const key = replicaKeyOf(replicaStack);
    expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(key.Properties.Description).toBe('Encrypts Parameter Store SecureString parameters (replica of a multi-Region key)');
    expect(key.Properties.PendingWindowInDays).toBeUndefined();
    // CDK's cross-region reference: the primary's stack exports the ARN to an SSM parameter of this region
    expect(key.Properties.PrimaryKeyArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ExportsReader/), expect.stringMatching(/^\/cdk\/exports\/Replica\//)] });
    expect(replicaStack.dependencies).toEqual([primaryStack]);
  });

  test('has the ParameterKey rules in its key policy, for Parameter Store of its own region', () => {
    const { replicaStack, primary } = stacks();
    new ParameterKeyReplica(replicaStack, 'Key', { primaryKey: primary });

    const statements = replicaKeyOf(replicaStack).Properties.KeyPolicy.Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['AllowKeyAdministrationThroughIamPolicies', 'AllowCryptographyOnlyThroughParameterStore']);
    expect(statements[1]).toEqual({
      Sid: 'AllowCryptographyOnlyThroughParameterStore',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.us-east-1.', { Ref: 'AWS::URLSuffix' }]] }, 'kms:CallerAccount': ACCOUNT } },
    });
    expect(statements[0].Action).toEqual(expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'kms:ReplicateKey', 'kms:UpdatePrimaryRegion']));
    expect(statements[0].Action).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
  });

  test('follows a primary that allows direct KMS use', () => {
    const { replicaStack, primaryStack } = stacks();
    const primary = new ParameterKey(primaryStack, 'Direct', { multiRegion: true, allowDirectKmsUse: true });
    new ParameterKeyReplica(replicaStack, 'Key', { primaryKey: primary });
    const [, crypto] = replicaKeyOf(replicaStack).Properties.KeyPolicy.Statement;
    expect(crypto.Sid).toBe('AllowCryptographyThroughIamPolicies');
    expect(crypto.Condition).toBeUndefined();
  });

  test('passes alias, description, pending window and removal policy through', () => {
    const { replicaStack, primary } = stacks();
    const replica = new ParameterKeyReplica(replicaStack, 'Key', {
      primaryKey: primary,
      alias: 'payments-replica',
      description: 'payments in us-east-1',
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const key = replicaKeyOf(replicaStack);
    expect(key).toMatchObject({ DeletionPolicy: 'Delete', Properties: { Description: 'payments in us-east-1', PendingWindowInDays: 7 } });
    Template.fromStack(replicaStack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/payments-replica' });
    expect(replica.alias).toBeDefined();
    expect(replica.primaryKey).toBe(primary);
  });

  test('grants go to the principal with the grant\'s conditions, like a ParameterKey\'s', () => {
    const { replicaStack, primary } = stacks();
    const replica = new ParameterKeyReplica(replicaStack, 'Key', { primaryKey: primary });
    const role = new iam.Role(replicaStack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    replica.grantDecrypt(role);
    const [policy] = Object.values(Template.fromStack(replicaStack).findResources('AWS::IAM::Policy')) as any[];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } }),
    ]);
    expect(replicaKeyOf(replicaStack).Properties.KeyPolicy.Statement).toHaveLength(2);
    expect(() => replica.grantSign(role)).toThrow('Replica/Key: grantSign is not supported: a ParameterKeyReplica is a symmetric ENCRYPT_DECRYPT key');
  });

  test.each<[string, Parameters<typeof stacks>[0], Partial<ParameterKeyReplicaProps>, string]>([
    ['a primary that is not multi-Region', { multiRegion: false }, {}, 'Replica/Key: key Primary/Key is not multi-Region; only a multi-Region key can be replicated: create it with multiRegion: true'],
    ['a replica in the primary\'s region', { replicaRegion: 'eu-west-1' }, {}, 'Replica/Key: Primary/Key is in eu-west-1, the region of this replica; put the replica in a stack of another region'],
    ['a replica in another account', { replicaAccount: '222222222222' }, {}, 'Replica/Key: Primary/Key is in account 111111111111 and this replica in 222222222222; replicas are made within one account'],
    ['an env-agnostic replica stack', { envAgnostic: 'replica' }, {}, 'Replica/Key: stack Replica has no concrete region and account (env-agnostic)'],
    ['an env-agnostic primary stack', { envAgnostic: 'primary' }, {}, 'Replica/Key: stack Primary has no concrete region and account (env-agnostic)'],
    ['a replica stack without cross-region references', { crossRegionReferences: false }, {}, 'Replica/Key: stack Replica needs crossRegionReferences: true: the replica names the ARN of Primary/Key in eu-west-1'],
    ['a pending window KMS refuses', {}, { pendingWindow: Duration.days(3) }, 'Replica/Key: pendingWindow 3 days is invalid; KMS requires a whole number of days from 7 to 30'],
    ['an alias KMS refuses', {}, { alias: 'alias/aws/mine' }, "Replica/Key: alias 'alias/aws/mine' is invalid; the 'alias/aws/' prefix is reserved"],
  ])('refuses %s', (_, setup, props, message) => {
    const { replicaStack, primary } = stacks(setup);
    expect(() => new ParameterKeyReplica(replicaStack, 'Key', { primaryKey: primary, ...props })).toThrow(message);
  });

  test.each([...NAG_PACKS, { name: 'ParameterStore', create: () => new ParameterStoreChecks() }])('$name: no violation on the replica key', ({ create }) => {
    const { replicaStack, primary } = stacks();
    new ParameterKeyReplica(replicaStack, 'Key', { primaryKey: primary });
    expect(nagViolations(create(), replicaStack)).toEqual([]);
  });
});
