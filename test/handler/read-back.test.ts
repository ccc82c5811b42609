import { GetParameterHistoryCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, createEvent, properties, updateEvent } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { sameKey } from '../../lib/handler/read-back';
import { handleEvent } from '../../lib/handler/secure-string.lambda';

const NAME = '/app/prod/db/password';
const EXPIRATION = '{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00.000Z"}}';
const ADVICE = 'Another writer may be changing this parameter at the same time; stop it and retry the deployment.';

let store: FakeParameterStore;

beforeEach(() => {
  store = new FakeParameterStore();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

function run(event: Parameters<typeof handleEvent>[0]) {
  return handleEvent(event, store.clients, Date.now() + 60_000);
}

/** The history reports `drift` on the newest version, as if another writer had changed it right after us. */
function driftAfterWrite(drift: Record<string, unknown>) {
  store.ssm.on(GetParameterHistoryCommand).callsFake((input) => {
    const p = store.parameters.get(input.Name)!;
    return {
      Parameters: [
        {
          Name: input.Name,
          Type: 'SecureString',
          KeyId: p.keyId,
          Tier: p.tier,
          AllowedPattern: p.allowedPattern,
          Version: p.version,
          Policies: p.policies.map((text) => ({ PolicyText: text })),
          Labels: p.labels,
          ...drift,
        },
      ],
    };
  });
}

describe('read-back after a write names each difference', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['type', { Type: 'String' }, 'type String (expected SecureString)'],
    ['key', { KeyId: 'arn:aws:kms:eu-west-1:111111111111:key/other' }, `key arn:aws:kms:eu-west-1:111111111111:key/other (expected ${KEY_ARN})`],
    ['tier', { Tier: 'Advanced' }, 'tier Advanced (expected Standard)'],
    ['allowed pattern', { AllowedPattern: '^x$' }, 'allowed pattern ^x$ (expected ^[A-Za-z0-9]+$)'],
    ['policies', { Policies: [] }, `policies [] (expected [${EXPIRATION}])`],
    ['a newer version', { Version: 7 }, 'version 7 (expected 1, the version just written)'],
  ])('%s', async (_name, drift, found) => {
    driftAfterWrite(drift);
    const props = properties({ Tier: 'Standard', AllowedPattern: '^[A-Za-z0-9]+$', Policies: `[${EXPIRATION}]` });

    const response = await run(createEvent(props));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(`${NAME}: ${NAME} was written, but reading it back found ${found}. ${ADVICE}`);
  });

  test('the tier PutParameter answers is checked', async () => {
    store.ssm.on(PutParameterCommand).callsFake((input) => ({ ...store.putParameter(input), Tier: 'Advanced' }));

    const response = await run(createEvent());

    expect(response.Reason).toBe(`${NAME}: ${NAME} was written, but reading it back found tier Advanced (expected Standard). ${ADVICE}`);
  });

  test('Intelligent-Tiering accepts the tier Parameter Store picked', async () => {
    store.ssm.on(PutParameterCommand).callsFake((input) => store.putParameter({ ...input, Tier: 'Standard' }));

    const response = await run(createEvent(properties({ Tier: 'Intelligent-Tiering' })));

    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { Version: '1' } });
  });

  test('the allowed pattern is sent with the value', async () => {
    await run(createEvent(properties({ AllowedPattern: '^[A-Za-z0-9]+$' })));

    expect(store.calls(PutParameterCommand)[0].AllowedPattern).toBe('^[A-Za-z0-9]+$');
    expect(store.parameters.get(NAME)!.allowedPattern).toBe('^[A-Za-z0-9]+$');
  });

  test('a removed allowed pattern is cleared, and a changed one rewrites the current value', async () => {
    const withPattern = properties({ AllowedPattern: '^.+$' });
    await run(createEvent(withPattern));
    const value = store.parameters.get(NAME)!.value;

    await run(updateEvent(properties({ AllowedPattern: '^.{8,}$' }), withPattern));
    await run(updateEvent(properties(), properties({ AllowedPattern: '^.{8,}$' })));

    expect(store.calls(PutParameterCommand).map((p) => p.AllowedPattern)).toEqual(['^.+$', '^.{8,}$', '']);
    expect(store.parameters.get(NAME)).toMatchObject({ value, allowedPattern: undefined, version: 3 });
  });

  test('nothing written: the live version is checked and reported without another history read', async () => {
    await run(createEvent());
    const reads = store.calls(GetParameterHistoryCommand).length;

    const response = await run(updateEvent(properties(), properties()));

    expect(response.Data).toMatchObject({ Version: '1' });
    expect(store.calls(GetParameterHistoryCommand)).toHaveLength(reads + 1);
  });
});

describe('keys given in another form', () => {
  const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

  test.each<[string, string, string | undefined, boolean | undefined]>([
    ['the same ARN', KEY_ARN, KEY_ARN, true],
    ['a bare key id against its ARN', KEY_ID, KEY_ARN, true],
    ['an ARN against its bare id', KEY_ARN, KEY_ID, true],
    ['another key id', 'ffffffff-12ab-34cd-56ef-1234567890ab', KEY_ARN, false],
    ['the same key id in another account', KEY_ARN, `arn:aws:kms:eu-west-1:222222222222:key/${KEY_ID}`, false],
    ['an alias name against its alias ARN', 'alias/app', 'arn:aws:kms:eu-west-1:111111111111:alias/app', true],
    ['another alias', 'alias/app', 'alias/other', false],
    ['an alias against a key ARN: undecidable without KMS', 'alias/app', KEY_ARN, undefined],
    ['the AWS managed key against ours', KEY_ARN, 'alias/aws/ssm', false],
    ['nothing live', KEY_ARN, undefined, false],
  ])('%s', (_name, expected, live, same) => {
    expect(sameKey(expected, live)).toBe(same);
  });

  test('a bare key id in the template against the ARN Parameter Store reports: no rewrite, no failure', async () => {
    await run(createEvent());
    const bare = properties({ KeyId: KEY_ID });

    const response = await run(updateEvent(bare, properties()));

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('an alias in the template against a live ARN: rewritten only when the template changed the key', async () => {
    const alias = properties({ KeyId: 'alias/app' });
    await run(createEvent(properties()));

    const changed = await run(updateEvent(alias, properties()));
    store.parameters.get(NAME)!.keyId = KEY_ARN; // Parameter Store reports the key behind the alias
    const unchanged = await run(updateEvent({ ...alias, Description: undefined }, alias));

    expect([changed.Status, unchanged.Status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(store.calls(PutParameterCommand).map((p) => p.KeyId)).toEqual([KEY_ARN, 'alias/app']);
  });
});
