import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { PATH, batchCreate, batchDelete, batchProperties, batchUpdate, chunkOwner, fullName, BATCH } from './batch-events';
import { KEY_ARN, awsError } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { sourceLabel } from '../../lib/handler/source-fingerprint';
import { REAL_PACER_CLOCK } from '../../lib/handler/write-pacer';
import { MemberEntry, chunkOf } from '../../lib/private/batch-protocol';
import { ADOPTED_TAG_KEY, OWNER_TAG_KEY, REMOVED_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * A chunk's events through the handler's entry point, against the in-memory Parameter Store: what each
 * Create, Update and Delete calls, and what the members hold afterwards.
 */
const TEAM = { Key: 'team', Value: 'payments' };
const OTHER_OWNER = 'OtherStack/Thing';

let store: FakeParameterStore;
let output: string[];
/** Each wait the chunk's pacer asked for, in milliseconds. */
let paced: number[];

beforeEach(() => {
  store = new FakeParameterStore();
  output = [];
  for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(' ')));
  }
  // runBatch paces with the real clock (10 writes a second would make this file take minutes): here the clock
  // stands still at 0 and its sleeps return at once, so each write's slot is recorded instead of waited for.
  paced = [];
  jest.spyOn(REAL_PACER_CLOCK, 'now').mockReturnValue(0);
  jest.spyOn(REAL_PACER_CLOCK, 'sleep').mockImplementation(async (ms) => void paced.push(ms));
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

function run(event: Parameters<typeof handleEvent>[0], deadlineMs = 60_000) {
  return handleEvent(event, store.clients, Date.now() + deadlineMs);
}

/**
 * Runs the event and expects SUCCESS with the chunk's id: a Delete answers the id it deletes, an Update
 * that marked a removed member its next generation (pass `generation`).
 */
async function succeeds(event: Parameters<typeof handleEvent>[0], generation = false) {
  const response = await run(event);
  const base = `${PATH}#chunk-${(event.ResourceProperties as any).Index}`;
  // an Update keeps the id CloudFormation knows (a generation included) unless it moves to a new one
  const known = event.RequestType === 'Create' ? base : event.PhysicalResourceId;
  const expected = generation
    ? expect.stringMatching(new RegExp(`^${base}@[0-9a-f]{12}$`))
    : event.RequestType === 'Delete' || known.startsWith(base) ? known : base;
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: expected });
  return response;
}

/** Relative names `svc/p0` … */
const members = (count: number, prefix = 'svc/p') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const stored = (relative: string) => store.parameters.get(fullName(relative));
const valueOf = (relative: string) => stored(relative)!.value;
const ownerOf = (relative: string) => stored(relative)!.tags.find((t) => t.Key === OWNER_TAG_KEY)?.Value;
const ownerTag = (index: number) => ({ Key: OWNER_TAG_KEY, Value: chunkOwner(index) });
const generation = (n: number) => ({ Type: 'generated', Options: `{"generation":${n}}` });
const sorted = (names: string[]) => [...names].sort();

/** The names of the calls of one command since the last reset, sorted. */
function namesOf(command: any): string[] {
  return sorted(store.calls(command).map((input) => input.Name ?? input.ResourceId));
}

/** Every parameter name any Parameter Store call named since the last reset (without a `:label` selector). */
function namesTouched(): Set<string> {
  return new Set(
    store.ssm.calls().flatMap((call) => {
      const input = call.args[0].input;
      return [input.Name, input.ResourceId, ...(input.Names ?? [])].filter((n): n is string => n !== undefined).map((n) => n.split(':')[0]);
    }),
  );
}

/** Every plaintext sent to PutParameter so far: none of them may appear in a reason or a log line. */
const writtenValues = () => store.calls(PutParameterCommand).map((p) => p.Value as string);

describe('Create', () => {
  test('25 members: 25 PutParameter with Overwrite false and the chunk\'s owner tag, read ten names at a time, paced', async () => {
    const names = members(25);

    const response = await run(batchCreate(batchProperties({ members: names })));

    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `${PATH}#chunk-0`,
      Data: { Path: PATH, Arn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod' },
    });
    const puts = store.calls(PutParameterCommand);
    expect(sorted(puts.map((p) => p.Name))).toEqual(sorted(names.map(fullName)));
    for (const put of puts) {
      expect(put).toMatchObject({ Type: 'SecureString', KeyId: KEY_ARN, Tier: 'Standard', Overwrite: false, Tags: [ownerTag(0)] });
    }
    expect(new Set(puts.map((p) => p.Value)).size).toBe(25);
    // three reads for existence before the writes, three to read the written versions back
    const reads = store.calls(GetParametersCommand);
    expect(reads.map((r) => r.Names.length)).toEqual([10, 10, 5, 10, 10, 5]);
    expect(reads.every((r) => r.WithDecryption === false)).toBe(true);
    expect(sorted(reads.slice(0, 3).flatMap((r) => r.Names))).toEqual(sorted(names.map(fullName)));
    expect(sorted(reads.slice(3).flatMap((r) => r.Names))).toEqual(sorted(names.map(fullName)));
    expect(store.calls(GetParameterHistoryCommand)).toEqual([]);
    // one slot per write at 10 writes a second: the first goes at once, each next one 100 ms after
    expect(paced).toEqual(Array.from({ length: 24 }, (_, i) => (i + 1) * 100));
    expect(output).toContain(`Create ${PATH}#chunk-0: 25 members changed, 0 failed`);
  });

  test('a parameter this chunk already owns (a redelivered Create) is found by the read, and not written again', async () => {
    const props = batchProperties({ members: members(3) });
    await succeeds(batchCreate(props));
    const values = members(3).map(valueOf);
    store.ssm.resetHistory();

    await succeeds(batchCreate(props));

    expect(store.calls(PutParameterCommand)).toEqual([]);
    expect(members(3).map(valueOf)).toEqual(values);
  });
});

describe('Update is a diff', () => {
  test('changing 2 of 25 members (a generation, a description) writes those 2 and calls nothing for the other 23', async () => {
    const names = members(25);
    const before = batchProperties({ members: names });
    await succeeds(batchCreate(before));
    const values = new Map(names.map((n) => [n, valueOf(n)]));
    store.ssm.resetHistory();
    paced.length = 0;
    const changed = (n: string): MemberEntry =>
      n === 'svc/p3' ? { N: n, Source: generation(2) } : n === 'svc/p17' ? { N: n, Description: 'the reporting database' } : n;

    await succeeds(batchUpdate(batchProperties({ members: names.map(changed) }), before));

    expect(namesOf(PutParameterCommand)).toEqual([fullName('svc/p17'), fullName('svc/p3')]);
    expect(namesTouched()).toEqual(new Set([fullName('svc/p17'), fullName('svc/p3')]));
    expect(valueOf('svc/p3')).not.toBe(values.get('svc/p3'));
    expect(stored('svc/p17')).toMatchObject({ value: values.get('svc/p17'), description: 'the reporting database', version: 2 });
    for (const n of names.filter((m) => m !== 'svc/p3' && m !== 'svc/p17')) {
      expect(stored(n)).toMatchObject({ value: values.get(n), version: 1 });
    }
    expect(paced).toEqual([100]);
  });

  test('a member whose tags change: the tag it no longer has is removed, its value kept', async () => {
    const cost = { Key: 'cost-center', Value: '42' };
    const v1 = batchProperties({ members: [{ N: 'svc/db', Tags: [TEAM, cost] }, 'svc/other'] });
    await succeeds(batchCreate(v1));
    const value = valueOf('svc/db');
    store.ssm.resetHistory();

    await succeeds(batchUpdate(batchProperties({ members: [{ N: 'svc/db', Tags: [TEAM] }, 'svc/other'] }), v1));

    expect(stored('svc/db')).toMatchObject({ value, tags: [ownerTag(0), TEAM] });
    expect(store.calls(RemoveTagsFromResourceCommand)).toEqual([{ ResourceType: 'Parameter', ResourceId: fullName('svc/db'), TagKeys: ['cost-center'] }]);
    expect(namesTouched()).toEqual(new Set([fullName('svc/db')]));
  });

  test('an Update that changes no member calls Parameter Store not at all', async () => {
    const props = batchProperties({ members: members(5) });
    await succeeds(batchCreate(props));
    store.ssm.resetHistory();

    await succeeds(batchUpdate({ ...props, WritesPerSecond: '3' }, props));

    expect(store.ssm.calls()).toEqual([]);
  });
});

describe('throttling mid-chunk', () => {
  test('ThrottlingException and TooManyUpdates on some writes: retried, SUCCESS, every member written once, each retry in its own slot', async () => {
    const put = (input: any) => store.putParameter(input);
    store.ssm
      .on(PutParameterCommand)
      .callsFakeOnce(put)
      .callsFakeOnce(put)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .callsFakeOnce(put)
      .rejectsOnce(awsError('TooManyUpdates', 'Too many updates'))
      .callsFake(put);
    const names = members(12);
    // the shortest of the jittered waits: a throttled PutParameter otherwise waits seconds (retry.ts)
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.001);

    const response = await run(batchCreate(batchProperties({ members: names }))).finally(() => random.mockRestore());

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(PutParameterCommand)).toHaveLength(15);
    for (const n of names) {
      expect(store.versions(fullName(n))).toHaveLength(1);
      expect(ownerOf(n)).toBe(chunkOwner(0));
    }
    // 15 attempts, 15 slots: the retries waited for theirs too
    expect(paced).toHaveLength(14);
  });
});

describe('a member failing mid-chunk', () => {
  const names = members(10);

  /** Every value sent (9 written, and the failed member's when it got as far as a write) is in no reason and no log line. */
  function expectNoValueIn(reason: string | undefined, sent: number) {
    const values = writtenValues();
    expect(values).toHaveLength(sent);
    for (const value of values) {
      expect(reason).not.toContain(value);
      expect(output.join('\n')).not.toContain(value);
    }
  }

  test('an existing parameter of another stack: the others are written, the reason names it and what to do, and no value', async () => {
    store.seed(fullName('svc/p4'), { value: 'someone-elses', tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });

    const response = await run(batchCreate(batchProperties({ members: names })));

    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `${PATH}#chunk-0` });
    expect(response.Reason).toBe(
      `${PATH}#chunk-0: 1 member(s) of chunk 1 of 1 failed; the others are written. ` +
        `${fullName('svc/p4')}: ${fullName('svc/p4')} already exists and is not managed by this resource (${chunkOwner(0)}): it is owned by ${OTHER_OWNER}. ` +
        'Choose another name, or remove the parameter from its owner first.',
    );
    expect(namesOf(PutParameterCommand)).toEqual(sorted(names.filter((n) => n !== 'svc/p4').map(fullName)));
    expect(stored('svc/p4')).toMatchObject({ value: 'someone-elses', version: 1, tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });
    expectNoValueIn(response.Reason, 9);
  });

  test('AccessDenied on one name: the others are written, the reason names the member and the permission to grant', async () => {
    const denied = fullName('svc/p4');
    store.ssm.on(PutParameterCommand, { Name: denied }).rejects(
      awsError('AccessDeniedException', `User: arn:aws:sts::111111111111:assumed-role/handler/fn is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:eu-west-1:111111111111:parameter${denied}`),
    );

    const response = await run(batchCreate(batchProperties({ members: names })));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      `${PATH}#chunk-0: 1 member(s) of chunk 1 of 1 failed; the others are written. ` +
        `${denied}: ssm:PutParameter failed: access denied for ssm:PutParameter on parameter ${denied}. Allow ssm:PutParameter on parameter ${denied} in the handler role's IAM policy.`,
    );
    expect(store.parameters.has(denied)).toBe(false);
    expect(names.filter((n) => n !== 'svc/p4').every((n) => ownerOf(n) === chunkOwner(0))).toBe(true);
    expectNoValueIn(response.Reason, 10);
  });

  test('more than three failures: three are quoted, the others counted, and every one is in the log', async () => {
    const failing = ['svc/p1', 'svc/p2', 'svc/p5', 'svc/p8', 'svc/p9'];
    for (const n of failing) store.seed(fullName(n), { tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });

    const response = await run(batchCreate(batchProperties({ members: names })));

    expect(response.Reason).toMatch(/^\/app\/prod#chunk-0: 5 member\(s\) of chunk 1 of 1 failed; the others are written\. .+ \| .+ \| .+ \| and 2 more in the handler's log$/);
    // three messages and the count, no more: each message names its member once
    const parts = response.Reason!.split(' | ');
    expect(parts).toHaveLength(4);
    expect(parts.slice(0, 3).every((part) => part.includes('already exists and is not managed by this resource'))).toBe(true);
    expect(parts[3]).toBe('and 2 more in the handler\'s log');
    for (const n of failing) {
      expect(output).toContain(
        `FAILED: ${fullName(n)}: ${fullName(n)} already exists and is not managed by this resource (${chunkOwner(0)}): it is owned by ${OTHER_OWNER}. ` +
          'Choose another name, or remove the parameter from its owner first.',
      );
    }
    expect(namesOf(PutParameterCommand)).toHaveLength(5);
  });

  test('exactly three failures: all three quoted, none counted as more', async () => {
    const failing = ['svc/p1', 'svc/p5', 'svc/p8'];
    for (const n of failing) store.seed(fullName(n), { tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });

    const response = await run(batchCreate(batchProperties({ members: names })));

    expect(response.Reason).toMatch(/^\/app\/prod#chunk-0: 3 member\(s\) of chunk 1 of 1 failed; the others are written\. /);
    expect(response.Reason).not.toContain('more in the handler\'s log');
    const parts = response.Reason!.split(' | ');
    expect(parts).toHaveLength(3);
    const quotedAt = failing.map((n) => parts.findIndex((part) => part.includes(`${fullName(n)}: ${fullName(n)} already exists`)));
    expect(quotedAt.sort((a, b) => a - b)).toEqual([0, 1, 2]);
  });

  test('a member copied from a secret that is gone: the reason names the secret, the others are written', async () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf';
    store.secrets.on(GetSecretValueCommand).rejects(awsError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret.'));

    const response = await run(batchCreate(batchProperties({ members: [{ N: 'svc/db', Source: { Type: 'secret', SecretArn: secretArn } }, 'svc/p1'] })));

    expect(response.Reason).toBe(
      `${PATH}#chunk-0: 1 member(s) of chunk 1 of 1 failed; the others are written. ` +
        `${fullName('svc/db')}: secretsmanager:GetSecretValue failed: secret ${secretArn} was not found, or has no current version. Check the secret ARN and region, and that the secret has a value.`,
    );
    expect(namesOf(PutParameterCommand)).toEqual([fullName('svc/p1')]);
  });
});

describe('faults around the writes', () => {
  test('a read for existence that fails for another reason than AccessDenied: the chunk fails, naming the call, and writes nothing', async () => {
    store.ssm.on(GetParametersCommand).rejects(awsError('InternalServerError', 'We encountered an internal error. Please try again.'));

    const response = await run(batchCreate(batchProperties({ members: members(3) })));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(`${PATH}#chunk-0: ssm:GetParameters failed: Parameter Store failed internally. Retry the deployment.`);
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('a read for existence the role may not make: each member tries its create, and one that exists is still refused by owner', async () => {
    store.seed(fullName('svc/p1'), { value: 'someone-elses', tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });
    store.ssm
      .on(GetParametersCommand)
      .rejectsOnce(awsError('AccessDeniedException', 'User: h is not authorized to perform: ssm:GetParameters'))
      .callsFake((input) => store.getParameters(input));

    const response = await run(batchCreate(batchProperties({ members: members(3) })));

    expect(response.Reason).toBe(
      `${PATH}#chunk-0: 1 member(s) of chunk 1 of 1 failed; the others are written. ` +
        `${fullName('svc/p1')}: ${fullName('svc/p1')} already exists and is not managed by this resource (${chunkOwner(0)}): it is owned by ${OTHER_OWNER}. ` +
        'Choose another name, or remove the parameter from its owner first.',
    );
    expect(stored('svc/p1')).toMatchObject({ value: 'someone-elses', version: 1 });
    expect([ownerOf('svc/p0'), ownerOf('svc/p2')]).toEqual([chunkOwner(0), chunkOwner(0)]);
  });

  test('another writer between a write and the read-back: that member fails, named, with its version; the others pass', async () => {
    const raced = fullName('svc/p2');
    store.ssm.on(PutParameterCommand, { Name: raced }).callsFake((input) => {
      const written = store.putParameter(input);
      store.putParameter({ Name: raced, Value: 'from-another-writer', Type: 'SecureString', KeyId: KEY_ARN, Overwrite: true });
      return written;
    });

    const response = await run(batchCreate(batchProperties({ members: members(4) })));

    expect(response.Reason).toBe(
      `${PATH}#chunk-0: 1 member(s) of chunk 1 of 1 failed; the others are written. ` +
        `${raced}: ${raced} was written, but reading it back found version 2 (expected 1, the version just written). ` +
        'Another writer may be changing this parameter at the same time; stop it and retry the deployment.',
    );
    expect(store.calls(GetParameterHistoryCommand)).toEqual([]);
  });

  test('a member deleted right after its write: the read-back names it', async () => {
    const gone = fullName('svc/p1');
    store.ssm.on(PutParameterCommand, { Name: gone }).callsFake((input) => {
      const written = store.putParameter(input);
      store.parameters.delete(gone);
      return written;
    });
    // the label call comes between the write and the read-back; the parameter is gone by then
    store.ssm.on(LabelParameterVersionCommand, { Name: gone }).resolves({ InvalidLabels: [], ParameterVersion: 1 });

    const response = await run(batchCreate(batchProperties({ members: members(3) })));

    expect(response.Reason).toBe(
      `${PATH}#chunk-0: 1 member(s) of chunk 1 of 1 failed; the others are written. ` +
        `${gone}: ${gone} was written, but reading it back found no parameter (deleted right after the write). ` +
        'Another writer may be changing this parameter at the same time; stop it and retry the deployment.',
    );
  });

  test('a chunk that starts with 20 s left exactly still writes its members', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2030-01-01T00:00:00.000Z'));

    const response = await run(batchCreate(batchProperties({ members: members(2) })), 20_000);

    expect(response.Status).toBe('SUCCESS');
    expect(namesOf(PutParameterCommand)).toEqual(sorted(members(2).map(fullName)));
  });

  test('a chunk that starts with less than 20 s left writes nothing and says to retry, for every member', async () => {
    const response = await run(batchCreate(batchProperties({ members: members(4) })), 15_000);

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^\/app\/prod#chunk-0: 4 member\(s\) of chunk 1 of 1 failed\. \/app\/prod\/svc\/p0: not reached before the handler ran out of time/);
    expect(response.Reason).toContain('Retry the deployment; members already written are kept, and not written again.');
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });
});

describe('rollback', () => {
  test('Update A → B makes a new value; the rollback B → A restores the value of A by its label, and makes no third', async () => {
    const a = batchProperties({ members: ['svc/a', 'svc/b'] });
    const b = batchProperties({ members: [{ N: 'svc/a', Source: generation(2) }, 'svc/b'] });
    await succeeds(batchCreate(a));
    const first = valueOf('svc/a');
    await succeeds(batchUpdate(b, a));
    const second = valueOf('svc/a');
    store.ssm.resetHistory();

    await succeeds(batchUpdate(a, b));

    expect(second).not.toBe(first);
    expect(store.versions(fullName('svc/a')).map((v) => v.value)).toEqual([first, second, first]);
    expect(store.calls(GetParameterCommand)).toEqual([{ Name: `${fullName('svc/a')}:${sourceLabel({ Type: 'generated' })}`, WithDecryption: true }]);
    expect(store.calls(PutParameterCommand)).toEqual([expect.objectContaining({ Name: fullName('svc/a'), Value: first, Overwrite: true })]);
    expect(namesTouched()).toEqual(new Set([fullName('svc/a')]));
  });
});

describe('Delete', () => {
  test('after a failed Create: deletes the DESTROY members this chunk made, keeps RETAIN ones, never touches another owner\'s', async () => {
    store.seed(fullName('svc/taken'), { value: 'someone-elses', tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });
    const props = batchProperties({
      members: ['svc/d0', 'svc/taken', { N: 'svc/kept', Removal: '' }, 'svc/d1'],
      defaults: { Removal: 'Destroy' },
    });
    const created = await run(batchCreate(props));
    expect(created).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `${PATH}#chunk-0` });
    store.ssm.resetHistory();

    const deleted = await run(batchDelete(props));

    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${PATH}#chunk-0` });
    expect(namesOf(DeleteParameterCommand)).toEqual([fullName('svc/d0'), fullName('svc/d1')]);
    expect(store.parameters.has(fullName('svc/d0'))).toBe(false);
    expect(ownerOf('svc/kept')).toBe(chunkOwner(0));
    expect(stored('svc/taken')).toMatchObject({ value: 'someone-elses', version: 1, tags: [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }] });
    expect(store.calls(PutParameterCommand)).toEqual([]);
    expect(output).toContain(`Delete ${fullName('svc/taken')}: left in place, it is owned by ${OTHER_OWNER}, not by ${chunkOwner(0)}`);
  });

  test('a Delete whose properties give another physical id than the one deleted deletes nothing', async () => {
    const v1 = batchProperties({ members: ['svc/a'], defaults: { Removal: 'Destroy' } });
    await succeeds(batchCreate(v1));
    store.ssm.resetHistory();

    await succeeds({ ...batchDelete(v1), PhysicalResourceId: '/app/other#chunk-0' } as CloudFormationCustomResourceEvent);

    expect(output).toContain(`Delete /app/other#chunk-0: its properties describe ${PATH}#chunk-0; nothing deleted`);
    expect(store.ssm.calls()).toEqual([]);
    expect(store.parameters.has(fullName('svc/a'))).toBe(true);
  });

  test('a Delete whose members are gone already is success', async () => {
    const props = batchProperties({ members: members(3), defaults: { Removal: 'Destroy' } });

    expect((await run(batchDelete(props))).Status).toBe('SUCCESS');
    expect(store.calls(DeleteParameterCommand)).toEqual([]);
  });
});

describe('chunk boundaries moving', () => {
  // 12 members in one chunk, then 6 more: the batch grows to 2 chunks, and some of the 12 now belong to chunk 1
  const old = members(12);
  const added = members(6, 'svc/n');
  const grown = [...old, ...added];
  const home = (n: string) => chunkOf(fullName(n), 2);
  const moved = old.filter((n) => home(n) === 1);
  const addedTo = (index: number) => added.filter((n) => home(n) === index);
  const defaults = { Removal: 'Destroy' };
  const v1 = batchProperties({ members: [...old, 'svc/gone', { N: 'svc/kept', Removal: '' }], defaults });
  const v2 = [0, 1].map((index) => batchProperties({ members: grown.filter((n) => home(n) === index), index, chunks: 2, all: grown, defaults }));

  test('the names spread over both chunks (else this test proves nothing)', () => {
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(old.length);
    expect(addedTo(0).length).toBeGreaterThan(0);
    expect(addedTo(1).length).toBeGreaterThan(0);
  });

  test('growing from 1 to 2 chunks hands members over without a write, and its rollback hands them back', async () => {
    await succeeds(batchCreate(v1));
    const values = new Map(old.map((n) => [n, valueOf(n)]));
    const keptValue = valueOf('svc/kept');

    // chunk 0's Update: the moved members are handed over to chunk 1; a removed DESTROY member is marked (this
    // deploy may still roll back), a RETAIN one kept as it is
    const goneValue = valueOf('svc/gone');
    store.ssm.resetHistory();
    await succeeds(batchUpdate(v2[0], v1), true);
    const tagged = store.calls(AddTagsToResourceCommand).sort((x, y) => (x.ResourceId < y.ResourceId ? -1 : 1));
    expect(tagged.filter((t) => t.ResourceId !== fullName('svc/gone'))).toEqual(
      sorted(moved.map(fullName)).map((name) => ({ ResourceType: 'Parameter', ResourceId: name, Tags: [ownerTag(1)] })),
    );
    // marked with the chunk's next generation: its cleanup Delete, once the deploy succeeded, deletes it
    expect(tagged.find((t) => t.ResourceId === fullName('svc/gone'))!.Tags).toEqual([{ Key: REMOVED_TAG_KEY, Value: expect.stringMatching(/^\/app\/prod#chunk-0@[0-9a-f]{12}$/) }]);
    expect(namesOf(PutParameterCommand)).toEqual(sorted(addedTo(0).map(fullName)));
    expect(namesOf(DeleteParameterCommand)).toEqual([]);
    expect(stored('svc/kept')).toMatchObject({ value: keptValue, tags: [ownerTag(0)] });

    // chunk 1's Create: finds the moved members existing and claims them, with no write and no new value
    store.ssm.resetHistory();
    await succeeds(batchCreate(v2[1]));
    const existenceRead = store.calls(GetParametersCommand)[0].Names;
    expect(sorted(existenceRead)).toEqual(sorted(v2[1].Members.map((m) => fullName(m as string))));
    expect(namesOf(PutParameterCommand)).toEqual(sorted(addedTo(1).map(fullName)));
    for (const n of moved) {
      expect(stored(n)).toMatchObject({ value: values.get(n), version: 1 });
      expect(ownerOf(n)).toBe(chunkOwner(1));
    }

    // the rollback: chunk 0's Update back to v1 claims them again, and removes what it had added
    store.ssm.resetHistory();
    await succeeds(batchUpdate(v1, v2[0]), true);
    for (const n of old) {
      expect(stored(n)).toMatchObject({ value: values.get(n), version: 1 });
      expect(ownerOf(n)).toBe(chunkOwner(0));
    }
    expect(store.calls(PutParameterCommand).filter((p) => old.includes(p.Name.slice(PATH.length + 1)))).toEqual([]);
    // what the failed deploy added is kept and marked: no Update can tell a rollback from a removal
    for (const n of addedTo(0)) {
      expect(stored(n)!.tags).toEqual([ownerTag(0), { Key: REMOVED_TAG_KEY, Value: expect.any(String) }]);
    }
    expect(stored('svc/kept')).toMatchObject({ value: keptValue, version: 1 });
    // the member the failed deploy removed is back as it was: same value, same version, the mark gone
    expect(stored('svc/gone')).toMatchObject({ value: goneValue, version: 1, tags: [ownerTag(0)] });

    // then CloudFormation deletes the chunk it created: it leaves the members chunk 0 owns, deletes its own
    store.ssm.resetHistory();
    expect((await run(batchDelete(v2[1]))).Status).toBe('SUCCESS');
    expect(namesOf(DeleteParameterCommand)).toEqual(sorted(addedTo(1).map(fullName)));
    for (const n of moved) {
      expect(stored(n)).toMatchObject({ value: values.get(n), version: 1, tags: [ownerTag(0)] });
    }
  });
});

describe('placeholders', () => {
  test('a description change of a placeholder member rewrites its attributes and keeps the operator\'s value', async () => {
    const placeholder = { Type: 'placeholder', Text: 'change-me' };
    const v1 = batchProperties({ members: [{ N: 'svc/api-key', Source: placeholder }, 'svc/other'] });
    await succeeds(batchCreate(v1));
    // an operator sets the real value in the console
    store.putParameter({ Name: fullName('svc/api-key'), Value: 'operator-set-key', Type: 'SecureString', KeyId: KEY_ARN, Tier: 'Standard', Overwrite: true });
    store.ssm.resetHistory();
    const v2 = batchProperties({ members: [{ N: 'svc/api-key', Source: placeholder, Description: 'the partner API key' }, 'svc/other'] });

    await succeeds(batchUpdate(v2, v1));

    expect(stored('svc/api-key')).toMatchObject({ value: 'operator-set-key', description: 'the partner API key', version: 3 });
    expect(store.calls(PutParameterCommand)).toEqual([
      expect.objectContaining({ Name: fullName('svc/api-key'), Value: 'operator-set-key', Description: 'the partner API key', Overwrite: true }),
    ]);
    expect(output.join('\n')).not.toContain('operator-set-key');
  });
});

describe('a removed DESTROY member is deleted only once the deploy succeeded', () => {
  const v1 = batchProperties({ members: ['svc/stays', 'svc/gone'], defaults: { Removal: 'Destroy' } });
  const v2 = batchProperties({ members: ['svc/stays'], defaults: { Removal: 'Destroy' } });
  const logicalId = `${BATCH}0`;
  const base = `${PATH}#chunk-0`;

  /** The Update that removes svc/gone: it answers the chunk's next generation, which the mark names. */
  async function removeGone(): Promise<string> {
    await succeeds(batchCreate(v1));
    store.stackRecords.set(logicalId, base);
    const next = (await succeeds(batchUpdate(v2, v1), true)).PhysicalResourceId;
    expect(stored('svc/gone')!.tags).toContainEqual({ Key: REMOVED_TAG_KEY, Value: next });
    expect(namesOf(DeleteParameterCommand)).toEqual([]);
    return next;
  }

  test('success: CloudFormation records the new generation and deletes the previous id, which deletes what the new one marked', async () => {
    const next = await removeGone();
    const stays = valueOf('svc/stays');
    store.stackRecords.set(logicalId, next);
    store.ssm.resetHistory();

    await succeeds({ ...batchDelete(v1), PhysicalResourceId: base } as CloudFormationCustomResourceEvent);

    expect(namesOf(DeleteParameterCommand)).toEqual([fullName('svc/gone')]);
    expect(stored('svc/stays')).toMatchObject({ value: stays, version: 1 });
    expect(store.cloudformation.commandCalls(DescribeStackResourceCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: expect.stringMatching(/^arn:aws:cloudformation:/), LogicalResourceId: logicalId },
    ]);
  });

  test('rollback by replacement: CloudFormation keeps the previous id and deletes the new one, which deletes nothing', async () => {
    const next = await removeGone();
    const gone = valueOf('svc/gone');
    // the stack went back to the previous id
    store.stackRecords.set(logicalId, base);
    store.ssm.resetHistory();

    await succeeds({ ...batchDelete(v2), PhysicalResourceId: next } as CloudFormationCustomResourceEvent);

    expect(namesOf(DeleteParameterCommand)).toEqual([]);
    expect(stored('svc/gone')).toMatchObject({ value: gone, version: 1 });
  });

  test('rollback by Update: the member comes back as it was, unmarked', async () => {
    const next = await removeGone();
    const gone = valueOf('svc/gone');

    await succeeds({ ...batchUpdate(v1, v2), PhysicalResourceId: next } as CloudFormationCustomResourceEvent);

    expect(stored('svc/gone')).toMatchObject({ value: gone, version: 1, tags: [ownerTag(0)] });
    expect(namesOf(DeleteParameterCommand)).toEqual([]);
  });

  test('the stack\'s Delete of the current generation deletes every DESTROY member', async () => {
    const next = await removeGone();
    store.stackRecords.set(logicalId, next);
    await succeeds({ ...batchDelete(v1), PhysicalResourceId: base } as CloudFormationCustomResourceEvent);
    store.ssm.resetHistory();

    await succeeds({ ...batchDelete(v2), PhysicalResourceId: next } as CloudFormationCustomResourceEvent);

    expect(namesOf(DeleteParameterCommand)).toEqual([fullName('svc/stays')]);
  });

  test('a Delete that cannot read the stack\'s record fails, naming the permission, and deletes nothing', async () => {
    await succeeds(batchCreate(v1));
    store.cloudformation.on(DescribeStackResourceCommand).rejectsOnce(awsError('AccessDeniedException', 'not authorized to perform: cloudformation:DescribeStackResource'));
    store.ssm.resetHistory();

    const response = await run(batchDelete(v1));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('cloudformation:DescribeStackResource');
    expect(namesOf(DeleteParameterCommand)).toEqual([]);
  });
});

describe('members removed from the app', () => {
  test('DESTROY: kept and marked removed (the deploy may still roll back); RETAIN: left with its tags; adopted DESTROY: released; another owner\'s: left', async () => {
    store.seed(fullName('svc/adopted'), { value: 'pre-existing', keyId: KEY_ARN });
    const v1 = batchProperties({
      members: [
        { N: 'svc/destroy', Removal: 'Destroy' },
        'svc/retain',
        { N: 'svc/adopted', Adopt: 'true', Removal: 'Destroy' },
        { N: 'svc/claimed', Removal: 'Destroy' },
        'svc/stays',
      ],
      defaults: { Tags: [TEAM] },
    });
    await succeeds(batchCreate(v1));
    expect(stored('svc/adopted')!.tags).toEqual(expect.arrayContaining([ownerTag(0), { Key: ADOPTED_TAG_KEY, Value: 'true' }, TEAM]));
    const retained = valueOf('svc/retain');
    // another stack took this one over meanwhile
    stored('svc/claimed')!.tags = [{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }];
    store.ssm.resetHistory();

    await succeeds(batchUpdate(batchProperties({ members: ['svc/stays'], defaults: { Tags: [TEAM] } }), v1), true);

    expect(stored('svc/destroy')!.tags).toEqual([ownerTag(0), TEAM, { Key: REMOVED_TAG_KEY, Value: expect.any(String) }]);
    expect(namesOf(DeleteParameterCommand)).toEqual([]);
    expect(stored('svc/retain')).toMatchObject({ value: retained, tags: [ownerTag(0), TEAM] });
    expect(stored('svc/adopted')).toMatchObject({ value: 'pre-existing', tags: [TEAM] });
    expect(store.calls(RemoveTagsFromResourceCommand)).toEqual([
      { ResourceType: 'Parameter', ResourceId: fullName('svc/adopted'), TagKeys: [OWNER_TAG_KEY, ADOPTED_TAG_KEY] },
    ]);
    expect(stored('svc/claimed')!.tags).toEqual([{ Key: OWNER_TAG_KEY, Value: OTHER_OWNER }]);
    expect(namesTouched().has(fullName('svc/stays'))).toBe(false);
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('a rotating member that leaves the app is no longer rotated: its rotation tag says stopped, its options go, a rollback brings both back', async () => {
    const rotation = { Rotation: { Trigger: 'every-86400' } };
    const v1 = batchProperties({ members: ['svc/rotating', 'svc/stays'], defaults: rotation });
    await succeeds(batchCreate(v1));
    const rotationTags = () => Object.fromEntries(stored('svc/rotating')!.tags.filter((t) => t.Key!.startsWith('cdk-secure-parameters:rotation')).map((t) => [t.Key, t.Value]));
    const rotatingTags = rotationTags();
    expect(Object.keys(rotatingTags)).toEqual(['cdk-secure-parameters:rotation', 'cdk-secure-parameters:rotation-options']);
    expect(rotatingTags['cdk-secure-parameters:rotation']).toMatch(/^[^/]+\/every-86400$/);
    const v2 = batchProperties({ members: ['svc/stays'], defaults: rotation });

    await succeeds(batchUpdate(v2, v1));
    expect(rotationTags()).toEqual({ 'cdk-secure-parameters:rotation': 'stopped' });
    expect(ownerOf('svc/rotating')).toBe(chunkOwner(0));

    await succeeds(batchUpdate(v1, v2));
    expect(rotationTags()).toEqual(rotatingTags);
  });

  test('a removed member that is gone already (deleted outside CloudFormation): success, nothing but the tag read', async () => {
    const v1 = batchProperties({ members: ['svc/gone', 'svc/stays'], defaults: { Removal: 'Destroy' } });
    await succeeds(batchCreate(v1));
    store.parameters.delete(fullName('svc/gone'));
    store.ssm.resetHistory();

    await succeeds(batchUpdate(batchProperties({ members: ['svc/stays'], defaults: { Removal: 'Destroy' } }), v1));

    expect(store.ssm.calls().map((c) => c.args[0].constructor.name)).toEqual(['ListTagsForResourceCommand']);
  });
});
