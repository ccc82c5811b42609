import { DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteParameterCommand, DescribeParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import { ACCOUNT, Admin, Scenario, failureOf, handlerPoliciesWithout, history, rolePoliciesWithout, scenarioPerFile, succeeds, tagsOf } from './iam-scenario';
import { ParameterHierarchy, ParameterPolicy, ParameterReplica, ReplicaSource, SecureValue } from '../../lib';
import { Clients } from '../../lib/handler/clients';
import { explainError } from '../../lib/handler/errors';
import { copyChange } from '../../lib/handler/replica-copy';
import { sweepReplicas } from '../../lib/handler/replica-sweep';
import { WritePacer } from '../../lib/handler/write-pacer';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { ParameterChangeEvent } from '../../lib/private/replica-protocol';
import { DeployedStack } from '../helpers/deployed-stack';
import { createEventFor, updateEventFor } from '../helpers/template-events';

/**
 * A ParameterReplica with the real SDK against moto_server in two regions, every call of both stacks' handlers
 * checked against their synthesized role and key policies (and the KMS calls Parameter Store makes for them in
 * each region), with the events CloudFormation sends: the source stack deploys, then the replica's.
 */
let scenario: Scenario;
let replicaAdmin: Admin;

const SOURCE_REGION = 'eu-west-1';
const REPLICA_REGION = 'us-east-1';

scenarioPerFile((started) => {
  scenario = started;
  replicaAdmin = {
    ssm: new SSMClient(started.moto.clientConfig(REPLICA_REGION)),
    kms: new KMSClient(started.moto.clientConfig(REPLICA_REGION)),
    secrets: started.admin.secrets,
  };
});

interface Deployment {
  readonly source: DeployedStack;
  readonly replica: DeployedStack;
  /** Logical ids of the source's and the replica's SecureStrings, by relative name. */
  readonly sourceIds: Record<string, string>;
  readonly replicaIds: Record<string, string>;
}

/** Both stacks of one app version, deployed into the emulator (an update keeps each stack's keys and id). */
async function deployBoth(options: { generation?: number; stackSuffix: string; updates?: Deployment }): Promise<Deployment> {
  const app = new App();
  const sourceStack = new Stack(app, `Source${options.stackSuffix}`, { env: { account: ACCOUNT, region: SOURCE_REGION } });
  const hierarchy = new ParameterHierarchy(sourceStack, 'Secrets', { path: pathOf(options.stackSuffix) });
  const db = hierarchy.addSecureString('Db', {
    name: 'db',
    value: SecureValue.generated({ generation: options.generation }),
    description: 'the database password',
    policies: [ParameterPolicy.expireAfter(Duration.days(30)), ParameterPolicy.expirationNotification(Duration.days(7))],
  });
  const token = hierarchy.child('api').addSecureString('Token', { name: 'token', value: SecureValue.placeholder() });
  Tags.of(hierarchy).add('team', 'payments');
  const replicaStack = new Stack(app, `Replica${options.stackSuffix}`, { env: { account: ACCOUNT, region: REPLICA_REGION } });
  const replica = new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
  const source = await DeployedStack.deploy(sourceStack, scenario.moto, { updates: options.updates?.source });
  const deployed = await DeployedStack.deploy(replicaStack, scenario.moto, { updates: options.updates?.replica });
  return {
    source,
    replica: deployed,
    sourceIds: { db: source.logicalId(db as any), token: source.logicalId(token as any) },
    replicaIds: { db: deployed.logicalId(replica.parameter('db') as any), token: deployed.logicalId(replica.parameter('api/token') as any) },
  };
}

async function createAll(deployment: Deployment): Promise<void> {
  for (const id of Object.values(deployment.sourceIds)) await succeeds(createEventFor(deployment.source, id), deployment.source.handlerClients());
  for (const id of Object.values(deployment.replicaIds)) await succeeds(createEventFor(deployment.replica, id), deployment.replica.handlerClients());
}

async function described(ssm: SSMClient, name: string) {
  const { Parameters = [] } = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [name] }] }));
  return Parameters[0];
}

/** Each pair of stacks has its own path: one owner per name. */
function pathOf(suffix: string): string {
  return `/replicated/${suffix.toLowerCase()}`;
}

const PATH = pathOf('A');
const DB = `${PATH}/db`;
const TOKEN = `${PATH}/api/token`;

describe('a replica copied at deploy time, behind IAM in two regions', () => {
  let first: Deployment;

  beforeAll(async () => {
    first = await deployBoth({ stackSuffix: 'A' });
    await createAll(first);
  });

  test('the replica holds the source value, encrypted under the replica stack key, with the source description and policies', async () => {
    const [source] = (await history(scenario.admin, DB)).slice(-1);
    const [replica] = (await history(replicaAdmin, DB)).slice(-1);
    expect(replica.Value).toBe(source.Value);
    expect(replica.Value).toHaveLength(32);
    expect(replica.KeyId).toBe(first.replica.keyArn(keyLogicalId(first.replica)));
    expect(replica.Description).toBe('the database password');
    expect(replica.Tier).toBe('Advanced');
    // an Expiration keeps the source's timestamp (not a new one from the replica's write)
    // moto answers the policy text as an object, Parameter Store as a string
    const parse = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : text);
    const policies = (p: typeof source) => (p.Policies ?? []).map((x) => parse(x.PolicyText)).sort((a, b) => (a.Type < b.Type ? -1 : 1));
    expect(policies(replica)).toEqual(policies(source));
    expect(policies(replica)[0]).toMatchObject({ Type: 'Expiration' });
  });

  test('a placeholder is copied as it is, and tags follow the source, the owner tag being the replica stack\'s', async () => {
    const [source] = (await history(scenario.admin, TOKEN)).slice(-1);
    const [replica] = (await history(replicaAdmin, TOKEN)).slice(-1);
    expect(replica.Value).toBe(SecureValue.DEFAULT_PLACEHOLDER);
    expect(replica.Value).toBe(source.Value);
    const tags = await tagsOf(replicaAdmin, TOKEN);
    expect(tags).toMatchObject({ team: 'payments', [OWNER_TAG_KEY]: `ReplicaA/${first.replicaIds.token}` });
  });

  test('a redelivered Create writes nothing', async () => {
    const before = await history(replicaAdmin, DB);
    await succeeds(createEventFor(first.replica, first.replicaIds.db), first.replica.handlerClients());
    expect(await history(replicaAdmin, DB)).toHaveLength(before.length);
  });

  test('a deploy that changes the source copies the new value; members whose source did not change cost no write', async () => {
    const second = await deployBoth({ stackSuffix: 'A', generation: 2, updates: first });
    await succeeds(updateEventFor(second.source, first.source, second.sourceIds.db, DB), second.source.handlerClients());
    const tokenVersions = (await history(replicaAdmin, TOKEN)).length;
    for (const name of ['db', 'token']) {
      await succeeds(updateEventFor(second.replica, first.replica, second.replicaIds[name], `${PATH}/${name === 'db' ? 'db' : 'api/token'}`), second.replica.handlerClients());
    }
    const [source] = (await history(scenario.admin, DB)).slice(-1);
    const [replica] = (await history(replicaAdmin, DB)).slice(-1);
    expect(replica.Value).toBe(source.Value);
    expect(replica.Labels?.[0]).toMatch(/^src-/);
    expect(await history(replicaAdmin, TOKEN)).toHaveLength(tokenVersions);
  });

  test('an operator\'s value in the source is copied by the next replica deploy that asks', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: TOKEN, Value: 'set-by-operator', Type: 'SecureString', Overwrite: true }));
    const again = await deployBoth({ stackSuffix: 'A', generation: 3, updates: first });
    await succeeds(updateEventFor(again.replica, first.replica, again.replicaIds.token, TOKEN), again.replica.handlerClients());
    expect((await history(replicaAdmin, TOKEN)).at(-1)!.Value).toBe('set-by-operator');
  });
});

describe('failures say what to do', () => {
  test('a source that does not exist: deploy the source stack first', async () => {
    const deployment = await deployBoth({ stackSuffix: 'B' });
    const reason = await failureOf(createEventFor(deployment.replica, deployment.replicaIds.db), deployment.replica.handlerClients());
    expect(reason).toContain(`the source parameter ${pathOf('B')}/db cannot be read in ${SOURCE_REGION}: it does not exist (deploy the source stack first`);
    // and once the source was created and deleted outside CloudFormation, the same
    await succeeds(createEventFor(deployment.source, deployment.sourceIds.db), deployment.source.handlerClients());
    await scenario.admin.ssm.send(new DeleteParameterCommand({ Name: `${pathOf('B')}/db` }));
    expect(await failureOf(createEventFor(deployment.replica, deployment.replicaIds.db), deployment.replica.handlerClients())).toContain('cannot be read in eu-west-1: it does not exist');
  });

  test('without the statement that decrypts the sources, the denied kms:Decrypt in the source region is named with its fix', async () => {
    const deployment = await deployBoth({ stackSuffix: 'C' });
    await succeeds(createEventFor(deployment.source, deployment.sourceIds.db), deployment.source.handlerClients());
    const clients = deployment.replica.handlerClients({ identityPolicies: handlerPoliciesWithout(deployment.replica, 'DecryptReplicaSourcesInEuWest1') });
    const reason = await failureOf(createEventFor(deployment.replica, deployment.replicaIds.db), clients);
    expect(reason).toMatch(/reading the source parameter failed: .*access denied for kms:Decrypt on KMS key arn:aws:kms:eu-west-1:111111111111:key\//);
    expect(reason).toContain('Allow kms:Decrypt for the handler\'s role');
    // and with it, the same event succeeds
    await succeeds(createEventFor(deployment.replica, deployment.replicaIds.db), deployment.replica.handlerClients());
  });

  test('a replica key that is disabled: enable it', async () => {
    const deployment = await deployBoth({ stackSuffix: 'D' });
    await succeeds(createEventFor(deployment.source, deployment.sourceIds.db), deployment.source.handlerClients());
    const keyId = deployment.replica.keyArn(keyLogicalId(deployment.replica)).split('/').pop()!;
    await replicaAdmin.kms.send(new DisableKeyCommand({ KeyId: keyId }));
    try {
      const reason = await failureOf(createEventFor(deployment.replica, deployment.replicaIds.db), deployment.replica.handlerClients());
      expect(reason).toMatch(/^\/replicated\/d\/db: ssm:PutParameter failed: KMS key arn:aws:kms:us-east-1:111111111111:key\/[^ ]+ is disabled. Enable it \(aws kms enable-key/);
    } finally {
      await replicaAdmin.kms.send(new EnableKeyCommand({ KeyId: keyId }));
    }
  });

  test('a source that changes while the deploy copies it is copied again: the replica does not end behind it', async () => {
    const deployment = await deployBoth({ stackSuffix: 'G' });
    await succeeds(createEventFor(deployment.source, deployment.sourceIds.token), deployment.source.handlerClients());
    const clients = deployment.replica.handlerClients();
    changeSourceAfterFirstRead(clients.ssmIn(SOURCE_REGION), `${pathOf('G')}/api/token`, 'changed-during-the-deploy');
    await succeeds(createEventFor(deployment.replica, deployment.replicaIds.token), clients);
    const versions = await history(replicaAdmin, `${pathOf('G')}/api/token`);
    expect(versions.map((v) => v.Value)).toEqual([SecureValue.DEFAULT_PLACEHOLDER, 'changed-during-the-deploy']);
  });

  test('no value in any response', async () => {
    const deployment = await deployBoth({ stackSuffix: 'E' });
    await succeeds(createEventFor(deployment.source, deployment.sourceIds.db), deployment.source.handlerClients());
    const response = await succeeds(createEventFor(deployment.replica, deployment.replicaIds.db), deployment.replica.handlerClients());
    const value = (await history(replicaAdmin, `${pathOf('E')}/db`)).at(-1)!.Value!;
    expect(JSON.stringify(response)).not.toContain(value);
    expect((await described(replicaAdmin.ssm, `${pathOf('E')}/db`))?.KeyId).toBe(deployment.replica.keyArn(keyLogicalId(deployment.replica)));
  });
});

/** The replica stack's one key. */
function keyLogicalId(deployed: DeployedStack): string {
  const template = (deployed as unknown as { resources: Record<string, { Type: string }> }).resources;
  const [id] = Object.entries(template).find(([, r]) => r.Type === 'AWS::KMS::Key' || r.Type === 'AWS::KMS::ReplicaKey')!;
  return id;
}

describe('follow: the copier behind IAM, with real-shaped Parameter Store Change events', () => {
  let deployment: Deployment;
  let copier: Clients;
  let calls: string[];
  const path = pathOf('F');
  const db = `${path}/db`;
  const token = `${path}/api/token`;

  beforeAll(async () => {
    deployment = await deployBoth({ stackSuffix: 'F' });
    await createAll(deployment);
    copier = deployment.replica.clientsAs(copierRoleLogicalId(deployment.replica));
    calls = [];
    for (const [where, client] of [['replica', copier.ssm], ['source', copier.ssmIn(SOURCE_REGION)]] as const) {
      client.middlewareStack.add((next: any, context: any) => async (args: any) => {
        calls.push(`${where}:${context.commandName.replace(/Command$/, '')}`);
        return next(args);
      }, { step: 'initialize', name: 'countCalls', priority: 'high' });
    }
  });

  beforeEach(() => {
    calls.length = 0;
  });

  const config = { sourceRegion: SOURCE_REGION, names: [`${path}/`], stackName: 'ReplicaF' };
  const copy = (name: string, operation = 'Update', clients = copier) => copyChange(changeEvent(name, operation), config, { clients, deadline: Date.now() + 60_000, secrets: new Set() });
  const copierWithout = (sid: string) => {
    const copierRole = copierRoleLogicalId(deployment.replica);
    return deployment.replica.clientsAs(copierRole, { identityPolicies: rolePoliciesWithout(deployment.replica, copierRole, sid) });
  };

  test('an operator\'s value in the source reaches the replica in four calls; the same event again writes nothing, in two', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'operator-value-1', Type: 'SecureString', Overwrite: true }));
    expect(await copy(token)).toMatchObject({ copied: true });
    expect((await history(replicaAdmin, token)).at(-1)!.Value).toBe('operator-value-1');
    expect(calls).toEqual(['replica:GetParameterHistory', 'source:GetParameter', 'replica:PutParameter', 'source:GetParameter']);

    calls.length = 0;
    const versions = (await history(replicaAdmin, token)).length;
    expect(await copy(token)).toMatchObject({ copied: false, skipped: expect.stringContaining('is as new as the source') });
    expect(calls).toEqual(['replica:GetParameterHistory', 'source:GetParameter']);
    expect(await history(replicaAdmin, token)).toHaveLength(versions);
  });

  test('events out of order: the older one finds the replica newer and never brings an older value back', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'operator-value-2', Type: 'SecureString', Overwrite: true }));
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'operator-value-3', Type: 'SecureString', Overwrite: true }));
    // the event of the third write arrives first, that of the second after it
    expect(await copy(token)).toMatchObject({ copied: true });
    expect(await copy(token)).toMatchObject({ copied: false });
    expect((await history(replicaAdmin, token)).at(-1)!.Value).toBe('operator-value-3');
  });

  test('a source with policies: the replica takes its renewed Expiration with the value, in one more call', async () => {
    const renewed = JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2031-01-01T00:00:00.000Z' } }]);
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: db, Value: 'rotated-by-hand', Type: 'SecureString', Overwrite: true, Tier: 'Advanced', Policies: renewed }));
    expect(await copy(db)).toMatchObject({ copied: true });
    const [replica] = (await history(replicaAdmin, db)).slice(-1);
    expect(replica.Value).toBe('rotated-by-hand');
    const parse = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : text);
    expect((replica.Policies ?? []).map((p) => parse(p.PolicyText))).toEqual([expect.objectContaining({ Type: 'Expiration', Attributes: { Timestamp: '2031-01-01T00:00:00.000Z' } })]);
    expect(replica.KeyId).toBe(deployment.replica.keyArn(keyLogicalId(deployment.replica)));
    expect(calls).toEqual(['replica:GetParameterHistory', 'source:GetParameter', 'source:GetParameterHistory', 'replica:PutParameter', 'source:GetParameter']);
  });

  test('a source that changes while it is copied is copied again: the replica never ends behind it', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'before-the-copy', Type: 'SecureString', Overwrite: true }));
    changeSourceAfterFirstRead(copier.ssmIn(SOURCE_REGION), token, 'during-the-copy');
    expect(await copy(token)).toMatchObject({ copied: true });
    expect((await history(replicaAdmin, token)).at(-1)!.Value).toBe('during-the-copy');
    // and the event of that change, arriving after, finds nothing new
    expect(await copy(token)).toMatchObject({ copied: false });
  });

  test('names it does not replicate, other types and label changes cost nothing; a name under the path with no replica here is skipped', async () => {
    expect(await copy('/elsewhere/x')).toMatchObject({ copied: false, skipped: 'not a replicated name' });
    expect(await copy(token, 'LabelParameterVersion')).toMatchObject({ copied: false });
    expect(calls).toEqual([]);
    const sourceKey = deployment.source.keyArn(keyLogicalId(deployment.source));
    const replicaKey = deployment.replica.keyArn(keyLogicalId(deployment.replica));
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: `${path}/not-in-the-app`, Value: 'x', Type: 'SecureString', KeyId: sourceKey }));
    await replicaAdmin.ssm.send(new PutParameterCommand({ Name: `${path}/not-in-the-app`, Value: 'someone else\'s', Type: 'SecureString', KeyId: replicaKey }));
    calls.length = 0;
    expect(await copy(`${path}/not-in-the-app`)).toMatchObject({ copied: false, skipped: expect.stringContaining('no replica of this stack') });
    // IAM refuses its history (no owner tag); its tags, which the copier may read, say it is not ours: no alarm
    expect(calls).toEqual(['replica:GetParameterHistory', 'replica:ListTagsForResource']);
    expect((await history(replicaAdmin, `${path}/not-in-the-app`)).at(-1)!.Value).toBe('someone else\'s');
    // without ReadReplicaOwnerTags it could not tell: the copy fails instead of passing a broken role for "not ours"
    await expect(copy(`${path}/not-in-the-app`, 'Update', copierWithout('ReadReplicaOwnerTags'))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  test('a replica of ours that IAM refuses the copier (its statement gone): the copy fails with the statement to restore, so the alarm tells', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'while-the-role-is-broken', Type: 'SecureString', Overwrite: true }));
    const error = await copy(token, 'Update', copierWithout('ReadAndUnlabelOwnReplicas')).catch((err: Error) => err);
    expect(explainError(error, { parameterName: token, keyId: 'of the replica', caller: 'copier' })).toMatch(
      new RegExp(`^${token}: IAM refused the copier ssm:GetParameterHistory on this replica, which this stack owns \\(owner tag ReplicaF/[A-Za-z0-9]+\\): ` +
        'the copier\'s role is missing its ReadAndUnlabelOwnReplicas statement'),
    );
    expect((await history(replicaAdmin, token)).at(-1)!.Value).not.toBe('while-the-role-is-broken');
    // the role restored, the next copy follows
    expect(await copy(token)).toMatchObject({ copied: true });
  });

  test('the sweep behind IAM: changes whose events were lost are copied, a renewed Expiration with them; a sweep that finds all in step costs one listing call per region', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'event-lost', Type: 'SecureString', Overwrite: true }));
    const renewed = JSON.stringify([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2032-06-01T00:00:00.000Z' } }]);
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: db, Value: 'rotated-event-lost', Type: 'SecureString', Overwrite: true, Tier: 'Advanced', Policies: renewed }));
    const sweep = () => sweepReplicas(config, { clients: copier, deadline: Date.now() + 60_000, secrets: new Set(), pacer: new WritePacer(10) });
    expect(await sweep()).toMatchObject({ copied: 2, failures: [], notReached: 0 });
    expect((await history(replicaAdmin, token)).at(-1)!.Value).toBe('event-lost');
    const [replica] = (await history(replicaAdmin, db)).slice(-1);
    expect(replica.Value).toBe('rotated-event-lost');
    const parse = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : text);
    expect((replica.Policies ?? []).map((p) => parse(p.PolicyText))).toEqual([expect.objectContaining({ Attributes: { Timestamp: '2032-06-01T00:00:00.000Z' } })]);
    calls.length = 0;
    expect(await sweep()).toMatchObject({ copied: 0, skipped: 0, failures: [] });
    expect(calls.sort()).toEqual(['replica:DescribeParameters', 'source:DescribeParameters']);
  });

  test('a replica key it cannot use: the error says to enable it, and that Lambda retries', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'operator-value-4', Type: 'SecureString', Overwrite: true }));
    const keyId = deployment.replica.keyArn(keyLogicalId(deployment.replica)).split('/').pop()!;
    await replicaAdmin.kms.send(new DisableKeyCommand({ KeyId: keyId }));
    try {
      const error = await copy(token).catch((err: Error) => err);
      const reason = explainError(error, { parameterName: token, keyId: 'of the replica', caller: 'copier' });
      expect(reason).toMatch(/ssm:PutParameter failed: KMS key .* is disabled\. Enable it/);
    } finally {
      await replicaAdmin.kms.send(new EnableKeyCommand({ KeyId: keyId }));
    }
    expect(await copy(token)).toMatchObject({ copied: true });
  });

  test('without EncryptReplicas the write is denied, and the reason names the key action and the fix', async () => {
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: token, Value: 'operator-value-5', Type: 'SecureString', Overwrite: true }));
    const error = await copy(token, 'Update', copierWithout('EncryptReplicas')).catch((err: Error) => err);
    const reason = explainError(error, { parameterName: token, keyId: 'of the replica', caller: 'copier' });
    expect(reason).toMatch(/access denied for kms:Encrypt on KMS key arn:aws:kms:us-east-1:111111111111:key\/[^ ]+\. Allow kms:Encrypt for the copier's role/);
    expect((await history(replicaAdmin, token)).at(-1)!.Value).not.toBe('operator-value-5');
    expect(await copy(token)).toMatchObject({ copied: true });
  });

  test('a Delete event for a source that exists again is skipped', async () => {
    expect(await copy(token, 'Delete')).toMatchObject({ copied: false, skipped: `the source exists again in ${SOURCE_REGION}` });
  });

  test('a deleted source: the replica is kept, and the copier fails so that the alarm tells', async () => {
    await scenario.admin.ssm.send(new DeleteParameterCommand({ Name: token }));
    await expect(copy(token, 'Delete')).rejects.toThrow(`the source was deleted in ${SOURCE_REGION}; its replica here is kept and no longer follows it`);
    expect((await history(replicaAdmin, token)).at(-1)!.Value).toBe('operator-value-5');
  });
});

/**
 * Changes the source (as an operator would) right after the first read of its value through `ssm`: the moment
 * between a copy's read and its write.
 */
function changeSourceAfterFirstRead(ssm: SSMClient, name: string, value: string): void {
  let changed = false;
  ssm.middlewareStack.add((next: any, context: any) => async (args: any) => {
    const result = await next(args);
    if (!changed && context.commandName === 'GetParameterCommand' && args.input.WithDecryption) {
      changed = true;
      await scenario.admin.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
    }
    return result;
  }, { step: 'initialize', name: `changeSource${Math.random()}`, priority: 'low' });
}

/** What EventBridge delivers for a change of `name` in the source region (the detail Parameter Store sends). */
function changeEvent(name: string, operation: string): ParameterChangeEvent {
  return {
    'version': '0',
    'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Parameter Store Change',
    'source': 'aws.ssm',
    'account': ACCOUNT,
    'time': new Date().toISOString(),
    'region': SOURCE_REGION,
    'resources': [`arn:aws:ssm:${SOURCE_REGION}:${ACCOUNT}:parameter${name}`],
    'detail': { operation, name, type: 'SecureString', description: '' },
  } as ParameterChangeEvent;
}

function copierRoleLogicalId(deployed: DeployedStack): string {
  const template = (deployed as unknown as { resources: Record<string, { Type: string; Properties?: { Description?: string } }> }).resources;
  return Object.entries(template).find(([, r]) => r.Type === 'AWS::IAM::Role' && /^Copies changes/.test(r.Properties?.Description ?? ''))![0];
}
