import { App, CfnResource, Duration, NestedStack, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  HierarchyDeployment,
  ParameterHierarchy,
  ParameterKey,
  ParameterNotificationTopic,
  ParameterPolicy,
  ParameterReplica,
  ParameterReplicaProps,
  ParameterRotation,
  ParameterStoreChecks,
  ReplicaSource,
  SecureStringParameter,
  SecureValue,
} from '../lib';
import { authorize } from './helpers/iam-simulator';
import { NAG_PACKS, nagViolations } from './helpers/nag';
import { resolveIntrinsics } from './helpers/resolve-intrinsics';

const ACCOUNT = '111111111111';
const PARTITION = { Ref: 'AWS::Partition' };

interface Setup {
  readonly app: App;
  readonly sourceStack: Stack;
  readonly replicaStack: Stack;
  readonly hierarchy: ParameterHierarchy;
}

interface SetupOptions {
  readonly multiRegion?: boolean;
  readonly generation?: number;
  readonly members?: number;
  readonly batched?: boolean;
  readonly crossRegionReferences?: boolean;
}

function setup(options: SetupOptions = {}): Setup {
  const app = new App();
  const sourceStack = new Stack(app, 'Source', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const hierarchy = new ParameterHierarchy(sourceStack, 'Secrets', {
    path: '/app/prod',
    encryptionKey: options.multiRegion ? new ParameterKey(sourceStack, 'Key', { multiRegion: true }) : undefined,
    deployment: options.batched ? HierarchyDeployment.batched({ writesPerSecond: 2.5 }) : undefined,
  });
  hierarchy.addSecureString('Db', {
    name: 'db',
    value: SecureValue.generated({ generation: options.generation }),
    policies: [ParameterPolicy.expireAfter(Duration.days(30))],
  });
  hierarchy.child('api').addSecureString('Token', { name: 'token', value: SecureValue.placeholder() });
  for (let i = 0; i < (options.members ?? 0); i++) {
    hierarchy.addSecureString(`M${i}`, { name: `m${i}`, value: SecureValue.generated() });
  }
  Tags.of(hierarchy).add('team', 'payments');
  const replicaStack = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: options.crossRegionReferences ?? true });
  return { app, sourceStack, replicaStack, hierarchy };
}

function resourcesOfType(stack: Stack, type: string): Record<string, any> {
  return Template.fromStack(stack).findResources(type);
}

function handlerStatements(stack: Stack): any[] {
  const [policy] = Object.values(resourcesOfType(stack, 'AWS::IAM::ManagedPolicy')).filter((p: any) => /SecureString parameter handler/.test(p.Properties.Description));
  return policy.Properties.PolicyDocument.Statement;
}

const arn = (service: string, region: string, resource: string) => ({ 'Fn::Join': ['', ['arn:', PARTITION, `:${service}:${region}:${ACCOUNT}:${resource}`]] });

describe('ParameterReplica of a hierarchy', () => {
  test('a SecureString of the same name per source member, copied from the source region, under a new key of this region', () => {
    const { replicaStack, hierarchy } = setup();
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });

    const members = Object.values(resourcesOfType(replicaStack, 'Custom::SecureStringParameter'));
    expect(members.map((m) => m.Properties.Name).sort()).toEqual(['/app/prod/api/token', '/app/prod/db']);
    const keys = Object.keys(resourcesOfType(replicaStack, 'AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    for (const member of members) {
      expect(member.Properties.Source).toEqual({ Type: 'replica', SourceRegion: 'eu-west-1', Revision: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(member.Properties.KeyId).toEqual({ 'Fn::GetAtt': [keys[0], 'Arn'] });
      expect(member.Properties.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
      expect(member).toMatchObject({ DeletionPolicy: 'Retain' });
      // description, pattern and policies are the source's as it is at deploy time, not the template's
      expect(member.Properties.Policies).toBeUndefined();
      expect(member.Properties.ExpireAfterSeconds).toBeUndefined();
    }
    const db = members.find((m) => m.Properties.Name === '/app/prod/db');
    expect(db.Properties.Tier).toBe('Advanced');
  });

  test('a source under one multi-Region ParameterKey gets a ParameterKeyReplica', () => {
    const { replicaStack, hierarchy } = setup({ multiRegion: true });
    const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    expect(Object.keys(resourcesOfType(replicaStack, 'AWS::KMS::ReplicaKey'))).toHaveLength(1);
    expect(Object.keys(resourcesOfType(replicaStack, 'AWS::KMS::Key'))).toHaveLength(0);
    expect(replica.encryptionKey.constructor.name).toBe('ParameterKeyReplica');
  });

  test('the replica stack deploys after the source stack', () => {
    const { sourceStack, replicaStack, hierarchy } = setup();
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    expect(replicaStack.dependencies).toEqual([sourceStack]);
  });

  test('the Revision changes with the source\'s value source only: a new generation is copied again, nothing else changes it', () => {
    const revisions = (generation?: number, extraTag?: boolean) => {
      const { replicaStack, hierarchy } = setup({ generation });
      if (extraTag) Tags.of(hierarchy).add('cost-center', '42');
      new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
      return Object.values(resourcesOfType(replicaStack, 'Custom::SecureStringParameter')).map((m) => `${m.Properties.Name}=${m.Properties.Source.Revision}`).sort();
    };
    const [token1, db1] = revisions();
    const [token2, db2] = revisions(2);
    expect(db2).not.toBe(db1);
    expect(token2).toBe(token1);
    expect(revisions(undefined, true)).toEqual([token1, db1]);
  });

  test('removalPolicy passes to every replica', () => {
    const { replicaStack, hierarchy } = setup();
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy), removalPolicy: RemovalPolicy.DESTROY });
    expect(Object.values(resourcesOfType(replicaStack, 'Custom::SecureStringParameter')).map((m) => m.DeletionPolicy)).toEqual(['Delete', 'Delete']);
  });

  test('the handler reads and decrypts only the source paths, in the source region, through its Parameter Store', () => {
    const { replicaStack, hierarchy } = setup();
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    const statements = handlerStatements(replicaStack);
    expect(statements.find((s) => s.Sid === 'ReadReplicaSourcesInEuWest1')).toEqual({
      Sid: 'ReadReplicaSourcesInEuWest1',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameterHistory'],
      Resource: arn('ssm', 'eu-west-1', 'parameter/app/prod/*'),
      // only the source stack's parameters under the path: not another stack's, nor one made by hand
      Condition: { StringLike: { 'aws:ResourceTag/cdk-secure-parameters:owner': 'Source/*' } },
    });
    expect(statements.find((s) => s.Sid === 'DecryptReplicaSourcesInEuWest1')).toEqual({
      Sid: 'DecryptReplicaSourcesInEuWest1',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: arn('kms', 'eu-west-1', 'key/*'),
      Condition: {
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [arn('ssm', 'eu-west-1', 'parameter/app/prod/*')] },
      },
    });
    // writing stays in this region, as for any SecureString of the stack
    expect(statements.find((s) => s.Sid === 'ManageParametersOfThisStack').Resource).toEqual(arn('ssm', 'us-east-1', 'parameter/app/prod/*'));
  });

  test('1,000 batched members: the same resources and the same handler statements as 10, chunks at the source\'s pace', () => {
    const shape = (members: number) => {
      const { replicaStack, hierarchy } = setup({ batched: true, members });
      const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
      const resources = Template.fromStack(replicaStack).toJSON().Resources as Record<string, any>;
      const chunks = Object.values(resources).filter((r) => r.Type === 'Custom::SecureStringBatch');
      const own = replica.node.findAll().filter(CfnResource.isCfnResource).map((r) => r.cfnResourceType).filter((t) => t !== 'Custom::SecureStringBatch');
      return {
        own: own.sort(),
        others: Object.values(resources).filter((r) => r.Type !== 'Custom::SecureStringBatch').map((r) => r.Type).sort(),
        statements: JSON.stringify(handlerStatements(replicaStack)),
        chunks,
      };
    };
    const small = shape(10);
    const large = shape(1000);
    expect(large.others).toEqual(small.others);
    // the replica's own: its key and the copier (role, policy, function, log group, the change and sweep rules with their
    // permissions, queue and its policy, alarm); the stack's handler (role, policy, function, log group, invoke config)
    // serves every SecureString of the stack
    expect(large.own).toEqual([
      'AWS::CloudWatch::Alarm', 'AWS::Events::Rule', 'AWS::Events::Rule', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::KMS::Key',
      'AWS::Lambda::Function', 'AWS::Lambda::Permission', 'AWS::Lambda::Permission', 'AWS::Logs::LogGroup', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy',
    ]);
    expect(large.others).toHaveLength(large.own.length + 5);
    expect(large.statements).toBe(small.statements);
    expect(large.chunks.every((c) => c.Properties.WritesPerSecond === '2.5')).toBe(true);
    expect(large.chunks.flatMap((c) => c.Properties.Members)).toHaveLength(1002);
  });

  test('parameter() and grantRead() give this region\'s replicas, scoped to their encryption contexts here', () => {
    const { replicaStack, hierarchy } = setup();
    const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    const role = new iam.Role(replicaStack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    replica.grantRead(role, 'api');
    const db = replica.parameter('db');
    expect(replica.parameter('/app/prod/db')).toBe(db);
    expect(db.tier).toBe('Advanced');
    expect(replicaStack.resolve(db.encryptionKey.keyArn)).toEqual(replicaStack.resolve(replica.encryptionKey.keyArn));
    const [policy] = Object.values(resourcesOfType(replicaStack, 'AWS::IAM::Policy')) as any[];
    const decrypt = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'kms:Decrypt');
    expect(decrypt.Condition).toEqual({
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('ssm', 'us-east-1', 'parameter/app/prod/api/*') },
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } },
    });
    expect(() => replica.parameter('missing')).toThrow('Replica/Replica: /app/prod/missing is not replicated here; the replicated names are /app/prod/db, /app/prod/api/token');
  });

  test.each([...NAG_PACKS, { name: 'ParameterStore', create: () => new ParameterStoreChecks() }])('$name: no violation in the replica stack', ({ create }) => {
    const { replicaStack, hierarchy } = setup({ multiRegion: true, batched: true, members: 3 });
    const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    // HIPAA and NIST want an action on every alarm: the app routes it, as for the rotator's
    new ParameterNotificationTopic(replicaStack, 'Alerts').watchAlarm(replica.followAlarm!);
    expect(nagViolations(create(), replicaStack)).toEqual([]);
  });
});

describe('ParameterReplica of parameters', () => {
  test('each parameter under its name, with grants for all or one', () => {
    const { sourceStack, replicaStack } = setup();
    const a = new SecureStringParameter(sourceStack, 'A', { parameterName: '/edge/signing-key', value: SecureValue.generated() });
    const b = new SecureStringParameter(sourceStack, 'B', { parameterName: '/edge/origin-token', value: SecureValue.placeholder() });
    const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.parameters([a, b]) });
    const role = new iam.Role(replicaStack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    replica.grantRead(role);
    const [policy] = Object.values(resourcesOfType(replicaStack, 'AWS::IAM::Policy')) as any[];
    // one statement each side for all the replicas: two statements whatever their number
    const members = Object.entries(resourcesOfType(replicaStack, 'Custom::SecureStringParameter'));
    const replicaArns = ['/edge/signing-key', '/edge/origin-token'].map((name) => ({ 'Fn::GetAtt': [members.find(([, m]) => m.Properties.Name === name)![0], 'Arn'] }));
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'], Resource: replicaArns },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: expect.anything(),
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': replicaArns, 'kms:ViaService': expect.anything() } },
      },
    ]);
    expect(replica.parameters).toHaveLength(2);
    expect(replica.parameter('/edge/origin-token').tier).toBe('Standard');
    expect(handlerStatements(replicaStack).find((s) => s.Sid === 'ReadReplicaSourcesInEuWest1').Resource).toEqual(arn('ssm', 'eu-west-1', 'parameter/edge/*'));
  });
});

describe('grantRead of a replica of single parameters, evaluated as IAM and KMS do', () => {
  const { sourceStack, replicaStack } = setup();
  const names = Array.from({ length: 25 }, (_, i) => `/platform-team-${i}/service/production/api-key`);
  const parameters = names.map((parameterName, i) => new SecureStringParameter(sourceStack, `P${i}`, { parameterName, value: SecureValue.generated() }));
  const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.parameters(parameters) });
  const role = new iam.Role(replicaStack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  replica.grantRead(role);
  const resources = Template.fromStack(replicaStack).toJSON().Resources;
  const resolved = resolveIntrinsics(resources, {
    partition: 'aws',
    region: 'us-east-1',
    accountId: ACCOUNT,
    stackName: 'Replica',
    stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/Replica/guid`,
    resource: (logicalId, attribute) => (resources[logicalId].Type === 'Custom::SecureStringParameter' && attribute === 'Arn'
      ? `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${resources[logicalId].Properties.Name}`
      : `arn:aws:kms:us-east-1:${ACCOUNT}:key/${logicalId}`),
  });
  const [keyId] = Object.entries(resolved).find(([, r]: [string, any]) => r.Type === 'AWS::KMS::ReplicaKey' || r.Type === 'AWS::KMS::Key')!;
  const identity = Object.values(resolved).filter((r: any) => r.Type === 'AWS::IAM::Policy').map((r: any) => r.Properties.PolicyDocument);
  const keyPolicy = (resolved[keyId] as any).Properties.KeyPolicy;
  const decrypt = (name: string) => authorize({
    principalArn: `arn:aws:iam::${ACCOUNT}:role/reader`,
    action: 'kms:Decrypt',
    resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`,
    context: {
      'kms:CallerAccount': ACCOUNT,
      'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/reader`,
      'kms:ViaService': 'ssm.us-east-1.amazonaws.com',
      'kms:EncryptionContext:PARAMETER_ARN': `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${name}`,
    },
  }, { identity, resource: keyPolicy });

  test('two statements for 25 replicas; each replica decrypts through Parameter Store, another parameter does not', async () => {
    expect(identity.flatMap((d: any) => d.Statement)).toHaveLength(2);
    for (const name of [names[0], names[12], names[24]]) {
      expect(await decrypt(name)).toEqual({ allowed: true });
    }
    expect((await decrypt('/platform-team-0/service/production/other-key')).allowed).toBe(false);
  });
});

describe('errors name the construct and the fix', () => {
  const otherStack = (app: App, id: string, env?: { account: string; region: string }) => new Stack(app, id, { env });

  test.each<[string, (s: Setup) => ParameterReplicaProps, string]>([
    ['a replica in the source region', (s) => ({ source: ReplicaSource.hierarchy(s.hierarchy) }), 'Secrets is in eu-west-1, the region of this replica'],
    ['an env-agnostic replica stack', (s) => ({ source: ReplicaSource.hierarchy(s.hierarchy) }), 'has no concrete region and account (env-agnostic)'],
    ['a replica in another account', (s) => ({ source: ReplicaSource.hierarchy(s.hierarchy) }), 'Source/Secrets is in account 111111111111 and this replica in 222222222222; replicas are made within one account'],
    ['an empty list of parameters', () => ({ source: ReplicaSource.parameters([]) }), 'the source has no SecureString to replicate'],
  ])('refuses %s', (name, props, message) => {
    const s = setup();
    const env = name.includes('source region') ? { account: ACCOUNT, region: 'eu-west-1' } : name.includes('another account') ? { account: '222222222222', region: 'us-east-1' } : undefined;
    const stack = otherStack(s.app, 'Other', env);
    expect(() => new ParameterReplica(stack, 'Replica', props(s))).toThrow(message);
  });

  test('a key of another region', () => {
    const { replicaStack, hierarchy, sourceStack } = setup();
    const key = kms.Key.fromKeyArn(replicaStack, 'Imported', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    expect(() => new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy), encryptionKey: key })).toThrow(
      'Replica/Replica: key Replica/Imported is in eu-west-1; the replicas in us-east-1 need a key of us-east-1',
    );
    void sourceStack;
  });

  test('an asymmetric key', () => {
    const { replicaStack, hierarchy } = setup();
    const key = new kms.Key(replicaStack, 'Signing', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    expect(() => new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy), encryptionKey: key })).toThrow(
      'Parameter Store supports only symmetric keys',
    );
  });

  test('a multi-Region source key in a replica stack without cross-region references', () => {
    const { replicaStack, hierarchy } = setup({ multiRegion: true, crossRegionReferences: false });
    expect(() => new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) })).toThrow(
      'Replica/Replica/Key: stack Replica needs crossRegionReferences: true',
    );
  });

  test('a source in a nested stack (its name is known only at deploy time)', () => {
    const { app, replicaStack } = setup();
    const parent = new Stack(app, 'Parent', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const nested = new NestedStack(parent, 'Nested');
    const hierarchy = new ParameterHierarchy(nested, 'Nested', { path: '/nested' });
    hierarchy.addSecureString('A', { name: 'a', value: SecureValue.generated() });
    expect(() => new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) })).toThrow(
      'Replica/Replica: the source is in Parent/Nested, whose name is known only at deploy time (a nested stack); replicate SecureStrings of a top-level stack',
    );
  });

  test('a SecureString added to the source after the replica was made', () => {
    const { app, replicaStack, hierarchy } = setup();
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    hierarchy.addSecureString('Late', { name: 'late', value: SecureValue.generated() });
    expect(() => app.synth()).toThrow(
      'Replica/Replica: /app/prod/late joined the source after the replica was created and would not be replicated; create the ParameterReplica after the source\'s last SecureString',
    );
  });
});

describe('follow', () => {
  function followed(follow?: boolean) {
    const s = setup();
    const replica = new ParameterReplica(s.replicaStack, 'Replica', { source: ReplicaSource.hierarchy(s.hierarchy), follow });
    return { ...s, replica };
  }

  test('the source stack forwards the path\'s create, update and delete events to this region\'s default bus, with a role that may do only that', () => {
    const { sourceStack } = followed();
    const [rule] = Object.values(resourcesOfType(sourceStack, 'AWS::Events::Rule'));
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.ssm'],
      'detail-type': ['Parameter Store Change'],
      'detail': { name: [{ prefix: '/app/prod/' }], operation: ['Create', 'Update', 'Delete'] },
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: arn('events', 'us-east-1', 'event-bus/default'), DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] } } }),
    ]);
    const [policy] = Object.values(resourcesOfType(sourceStack, 'AWS::IAM::ManagedPolicy')).filter((p: any) => /event bus/.test(p.Properties.Description));
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: arn('events', 'us-east-1', 'event-bus/default') }]);
    const [role] = Object.values(resourcesOfType(sourceStack, 'AWS::IAM::Role')).filter((r: any) => /^Forwards/.test(r.Properties.Description));
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
  });

  test('the copier reads the sources, writes only replicas this stack owns, under the replica key only', () => {
    const { replicaStack, replica } = followed();
    const [policy] = Object.values(resourcesOfType(replicaStack, 'AWS::IAM::ManagedPolicy')).filter((p: any) => /replica copier/.test(p.Properties.Description));
    const bySid = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Sid, s]));
    const owned = { 'aws:ResourceTag/cdk-secure-parameters:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } };
    expect(bySid.ReadReplicaSourcesInEuWest1).toMatchObject({
      Resource: arn('ssm', 'eu-west-1', 'parameter/app/prod/*'),
      Condition: { StringLike: { 'aws:ResourceTag/cdk-secure-parameters:owner': 'Source/*' } },
    });
    expect(bySid.DecryptReplicaSourcesInEuWest1.Resource).toEqual(arn('kms', 'eu-west-1', 'key/*'));
    expect(bySid.ReadAndUnlabelOwnReplicas).toMatchObject({ Action: ['ssm:GetParameterHistory', 'ssm:UnlabelParameterVersion'], Condition: { StringLike: owned } });
    expect(bySid.WriteOwnReplicas).toMatchObject({ Action: 'ssm:PutParameter', Resource: arn('ssm', 'us-east-1', 'parameter/app/prod/*'), Condition: { StringLikeIfExists: owned } });
    // the tags of any name under the path, without condition: they tell a name that is not ours from an IAM breakage
    expect(bySid.ReadReplicaOwnerTags).toEqual({ Sid: 'ReadReplicaOwnerTags', Effect: 'Allow', Action: 'ssm:ListTagsForResource', Resource: arn('ssm', 'us-east-1', 'parameter/app/prod/*') });
    // the sweep's listing of both regions: metadata, never a value, and only on `*`
    expect(bySid.ListReplicasAndSources).toEqual({ Sid: 'ListReplicasAndSources', Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*' });
    expect(bySid.EncryptReplicas).toMatchObject({
      // db is Advanced (GenerateDataKey), the token Standard (Encrypt); never Decrypt of a replica
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: replicaStack.resolve(replica.encryptionKey.keyArn),
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } } },
    });
    expect(Object.keys(bySid).filter((sid) => !['WriteOwnLogs', 'WriteTraces', 'undefined'].includes(sid)).sort()).toEqual(
      ['DecryptReplicaSourcesInEuWest1', 'EncryptReplicas', 'ListReplicasAndSources', 'ReadAndUnlabelOwnReplicas', 'ReadReplicaOwnerTags', 'ReadReplicaSourcesInEuWest1', 'WriteOwnReplicas'],
    );
    const [fn] = Object.values(resourcesOfType(replicaStack, 'AWS::Lambda::Function')).filter((f: any) => /copies changes/.test(f.Properties.Description));
    expect(fn.Properties.Environment.Variables).toEqual({ SOURCE_REGION: 'eu-west-1', REPLICATED_NAMES: '["/app/prod/"]', REPLICA_STACK_NAME: { Ref: 'AWS::StackName' } });
    expect(fn.Properties.DeadLetterConfig).toBeDefined();
    expect(replica.followAlarm).toBeDefined();
  });

  test('the copier\'s rule takes only the source region\'s parameters: this region\'s own changes (its writes, a replica\'s deletion) land on the same bus', () => {
    const { replicaStack } = followed();
    const [rule] = Object.values(resourcesOfType(replicaStack, 'AWS::Events::Rule')).filter((r: any) => r.Properties.EventPattern);
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.ssm'],
      'detail-type': ['Parameter Store Change'],
      'resources': [{ prefix: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter` }],
      'detail': { name: [{ prefix: '/app/prod/' }], operation: ['Create', 'Update', 'Delete'] },
    });
  });

  test('a list of parameters is named one by one, in the rules and the copier', () => {
    const { sourceStack, replicaStack } = setup();
    const a = new SecureStringParameter(sourceStack, 'A', { parameterName: '/edge/signing-key', value: SecureValue.generated() });
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.parameters([a]) });
    const [fn] = Object.values(resourcesOfType(replicaStack, 'AWS::Lambda::Function')).filter((f: any) => /copies changes/.test(f.Properties.Description));
    expect(fn.Properties.Environment.Variables.REPLICATED_NAMES).toBe('["/edge/signing-key"]');
    const [rule] = Object.values(resourcesOfType(sourceStack, 'AWS::Events::Rule'));
    expect(rule.Properties.EventPattern.detail.name).toEqual(['/edge/signing-key']);
  });

  test('a long list of parameters is named by its covering paths instead', () => {
    const { sourceStack, replicaStack } = setup();
    const many = Array.from({ length: 40 }, (_, i) => new SecureStringParameter(sourceStack, `P${i}`, {
      parameterName: `/edge/service-${i % 2}/a-rather-long-parameter-name-${i}`,
      value: SecureValue.generated(),
    }));
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.parameters(many) });
    const [fn] = Object.values(resourcesOfType(replicaStack, 'AWS::Lambda::Function')).filter((f: any) => /copies changes/.test(f.Properties.Description));
    expect(JSON.parse(fn.Properties.Environment.Variables.REPLICATED_NAMES)).toEqual(['/edge/service-0/', '/edge/service-1/']);
    const [rule] = Object.values(resourcesOfType(sourceStack, 'AWS::Events::Rule'));
    expect(rule.Properties.EventPattern.detail.name).toEqual([{ prefix: '/edge/service-0/' }, { prefix: '/edge/service-1/' }]);
  });

  test('off: no rule, no copier (for sources that neither expire nor rotate)', () => {
    const { sourceStack, replicaStack } = setup();
    const token = new SecureStringParameter(sourceStack, 'Token', { parameterName: '/edge/origin-token', value: SecureValue.placeholder() });
    const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.parameters([token]), follow: false });
    expect(Object.keys(resourcesOfType(sourceStack, 'AWS::Events::Rule'))).toHaveLength(0);
    expect(Object.keys(resourcesOfType(replicaStack, 'AWS::Events::Rule'))).toHaveLength(0);
    expect(replica.followAlarm).toBeUndefined();
  });

  test.each([...NAG_PACKS, { name: 'ParameterStore', create: () => new ParameterStoreChecks() }])('$name: no violation in the source stack with its forwarder', ({ create }) => {
    const { sourceStack, replica } = followed();
    new ParameterNotificationTopic(sourceStack, 'Alerts').watchAlarm(replica.forwardAlarm!);
    // the source's own db expires unannounced (setup's choice): its finding is the source's, not the forwarder's
    expect(nagViolations(create(), sourceStack).filter((v) => !v.includes('@ Source/Secrets/Db/'))).toEqual([]);
  });
});

describe('the sweep: a lost change event never lets a replica expire', () => {
  function copierFunctionId(stack: Stack): string {
    const functions = resourcesOfType(stack, 'AWS::Lambda::Function');
    return Object.keys(functions).find((id) => /copies changes/.test(functions[id].Properties.Description))!;
  }

  function sweepRule(stack: Stack): any {
    const rules = Object.values(resourcesOfType(stack, 'AWS::Events::Rule')).filter((r: any) => r.Properties.ScheduleExpression);
    expect(rules).toHaveLength(1);
    return rules[0];
  }

  test('hourly for sources renewed at no known time: the copier compares every replica, a failed sweep lands in its dead-letter queue', () => {
    const { replicaStack, hierarchy } = setup();
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    const rule = sweepRule(replicaStack);
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [copierFunctionId(replicaStack), 'Arn'] },
        Input: JSON.stringify({ Sweep: 'replicas', IntervalSeconds: 3600 }),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/FollowDeadLetterQueue/), 'Arn'] } },
        // a sweep that waited longer than the interval is superseded by the next one
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    ]);
  });

  const expiring = (h: ParameterHierarchy, options: { policies: ParameterPolicy[]; rotation?: ParameterRotation }) =>
    h.addSecureString('Renewed', { name: 'renewed', value: SecureValue.generated(), ...options });

  test.each<[string, { policies: ParameterPolicy[]; rotation?: ParameterRotation }, number]>([
    [
      'a rotation before expiration, notified 2 hours ahead: renewed at the latest an hour before (the rotator sweeps twice within the lead)',
      {
        policies: [ParameterPolicy.expireAfter(Duration.days(30)), ParameterPolicy.expirationNotification(Duration.hours(2))],
        rotation: ParameterRotation.beforeExpiration(),
      },
      30,
    ],
    [
      'a rotation every day of a 26-hour lifetime: renewed an hour before at the latest (the interval plus an hour of recent-write window)',
      { policies: [ParameterPolicy.expireAfter(Duration.hours(26))], rotation: ParameterRotation.every(Duration.days(1)) },
      30,
    ],
    [
      'the shortest lead the synth accepts, a rotation every hour of a 2-hour lifetime: renewed half an hour before',
      { policies: [ParameterPolicy.expireAfter(Duration.hours(2))], rotation: ParameterRotation.every(Duration.hours(1)) },
      15,
    ],
    [
      'an operator called an hour ahead by the ExpirationNotification',
      { policies: [ParameterPolicy.expiration(new Date('2035-01-01T00:00:00Z')), ParameterPolicy.expirationNotification(Duration.hours(1))] },
      15,
    ],
    [
      'an operator called 14 days ahead: hourly at most rarely',
      { policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(14))] },
      60,
    ],
  ])('twice within the shortest renewal lead: %s', (_name, options, minutes) => {
    const { replicaStack, hierarchy } = setup();
    expiring(hierarchy, options);
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    const rule = sweepRule(replicaStack);
    expect(rule.Properties.ScheduleExpression).toBe(minutes === 60 ? 'rate(1 hour)' : `rate(${minutes} minutes)`);
    expect(JSON.parse(rule.Properties.Targets[0].Input)).toEqual({ Sweep: 'replicas', IntervalSeconds: minutes * 60 });
  });

  test('follow: false refuses sources that expire or rotate, naming each, the rule and the way out', () => {
    const { replicaStack, hierarchy } = setup();
    hierarchy.addSecureString('Rotating', { name: 'rotating', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(30)) });
    expect(() => new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy), follow: false })).toThrow(
      'Replica/Replica: follow: false cannot replicate /app/prod/db (has an Expiration policy), /app/prod/rotating (rotates): without follow, a replica ' +
        'keeps the Expiration timestamp and the value of its last copy until a deploy changes its source\'s definition, so Parameter Store would delete ' +
        'it at a time its source has renewed since, or it would serve a value its source rotated away. Keep follow: true (the default), whose sweep ' +
        'brings every replica in step with its source; or replicate only sources without an Expiration policy and rotation',
    );
  });

  test('follow: false sees a batched hierarchy\'s default policies and rotation on its members', () => {
    const { sourceStack, replicaStack } = setup();
    const batched = new ParameterHierarchy(sourceStack, 'Batched', {
      path: '/batched',
      deployment: HierarchyDeployment.batched(),
      policies: [ParameterPolicy.expireAfter(Duration.days(90))],
      rotation: ParameterRotation.every(Duration.days(30)),
    });
    for (let i = 0; i < 5; i++) batched.addSecureString(`M${i}`, { name: `m${i}`, value: SecureValue.generated() });
    expect(() => new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(batched), follow: false })).toThrow(
      'follow: false cannot replicate /batched/m0 (has an Expiration policy and rotates), /batched/m1 (has an Expiration policy and rotates), ' +
        '/batched/m2 (has an Expiration policy and rotates) and 2 more: ',
    );
  });
});
