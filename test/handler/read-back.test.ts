import { GetParameterHistoryCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, awsError, createEvent, properties, updateEvent } from './events';
import { FakeParameterStore, useFakeParameterStore } from './fake-parameter-store';
import { LiveParameter, attributesChanged, readHistory, sameKey, samePolicies, tierMatches } from '../../lib/handler/read-back';
import { ParameterSpec } from '../../lib/handler/request';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { canonicalJson } from '../../lib/handler/source-fingerprint';
import { SourceType } from '../../lib/private/handler-protocol';

const NAME = '/app/prod/db/password';
const EXPIRATION = '{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00.000Z"}}';
const ADVICE = 'Another writer may be changing this parameter at the same time; stop it and retry the deployment.';

let store: FakeParameterStore;

const currentStore = useFakeParameterStore();
beforeEach(() => {
  store = currentStore();
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

describe('the same key, in any of its forms', () => {
  const MANAGED_ARN = 'arn:aws:kms:eu-west-1:111111111111:alias/aws/ssm';

  test.each<[string, string, string, boolean]>([
    ['the AWS managed key as ARN against ours', MANAGED_ARN, KEY_ARN, false],
    ['ours against the AWS managed key as ARN', KEY_ARN, MANAGED_ARN, false],
    ['the AWS managed key as ARN against its alias name', MANAGED_ARN, 'alias/aws/ssm', true],
    ['the AWS managed key as alias name against its ARN', 'alias/aws/ssm', MANAGED_ARN, true],
  ])('%s', (_name, expected, live, same) => {
    expect(sameKey(expected, live)).toBe(same);
  });
});

describe('tierMatches: Intelligent-Tiering accepts what Parameter Store picked', () => {
  test.each<[string, string | undefined, boolean]>([
    ['Intelligent-Tiering', 'Standard', true],
    ['Intelligent-Tiering', 'Advanced', true],
    ['Intelligent-Tiering', 'Intelligent-Tiering', true],
    ['Intelligent-Tiering', undefined, false],
    ['Standard', 'Advanced', false],
    ['Advanced', 'Advanced', true],
  ])('%s against %s', (expected, live, matches) => {
    expect(tierMatches(expected, live)).toBe(matches);
  });
});

describe('samePolicies: the set, in any order, without the empty policy that clears them', () => {
  const A = canonicalJson(JSON.parse(EXPIRATION));
  const B = canonicalJson({ Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '2', Unit: 'Days' } });

  test.each<[string, string | undefined, string[], boolean]>([
    ['the template in reverse order', `[${B},${A}]`, [A, B], true],
    ['the live ones in reverse order', `[${A},${B}]`, [B, A], true],
    ['[{}] (what clears them) against none', '[{}]', [], true],
    ['none against none', undefined, [], true],
    ['one missing', `[${A},${B}]`, [A], false],
  ])('%s', (_name, expected, live, same) => {
    expect(samePolicies(expected, live)).toBe(same);
  });
});

describe('attributesChanged', () => {
  const spec: ParameterSpec = { name: NAME, keyId: KEY_ARN, tier: 'Standard', source: { Type: SourceType.GENERATED }, adopt: false, tags: [] };
  const live: LiveParameter = { type: 'SecureString', keyId: KEY_ARN, tier: 'Standard', policies: [], version: 1, versionCount: 1, sourceLabels: new Map(), versions: [] };

  test('an alias against the live key ARN: changed only when the previous template named another key', () => {
    const alias = { ...spec, keyId: 'alias/app' };

    expect(attributesChanged(alias, live, 'alias/app')).toBe(false);
    expect(attributesChanged(alias, live, KEY_ARN)).toBe(true);
  });

  test.each<[string, Partial<ParameterSpec>]>([
    ['a tier', { tier: 'Advanced' }],
    ['a description', { description: 'd' }],
    ['an allowed pattern', { allowedPattern: '^x$' }],
    ['a policy', { policies: `[${EXPIRATION}]` }],
  ])('%s alone is a change', (_name, change) => {
    expect(attributesChanged({ ...spec, ...change }, live, KEY_ARN)).toBe(true);
  });

  test('nothing different is no change', () => {
    expect(attributesChanged(spec, live, KEY_ARN)).toBe(false);
  });
});

describe('readHistory', () => {
  const ctx = () => ({ clients: store.clients, deadline: Date.now() + 60_000 });

  test('reads every page of 50, oldest first', async () => {
    store.ssm.on(GetParameterHistoryCommand)
      .resolvesOnce({ Parameters: [{ Version: 1 }, { Version: 2 }], NextToken: 'next' })
      .resolvesOnce({ Parameters: [{ Version: 3, Type: 'SecureString' }] });

    const live = await readHistory(NAME, ctx());

    expect(store.calls(GetParameterHistoryCommand)).toEqual([
      { Name: NAME, MaxResults: 50 },
      { Name: NAME, MaxResults: 50, NextToken: 'next' },
    ]);
    expect(live).toMatchObject({ version: 3, type: 'SecureString', versionCount: 3, oldest: { version: 1, labels: [] } });
  });

  test('no version at all: nothing live', async () => {
    store.ssm.on(GetParameterHistoryCommand).resolves({});

    expect(await readHistory(NAME, ctx())).toEqual({
      type: undefined,
      keyId: undefined,
      tier: undefined,
      description: undefined,
      allowedPattern: undefined,
      policies: [],
      version: undefined,
      versionCount: 0,
      oldest: undefined,
      sourceLabels: new Map(),
      versions: [],
    });
  });

  test('our source labels and the versions they name; other labels and versions without a number are not ours', async () => {
    store.ssm.on(GetParameterHistoryCommand).resolves({
      Parameters: [
        { Version: 1, Labels: ['src-one', 'release'] },
        { Labels: ['src-lost'] },
        { Version: 3, Labels: ['my-src-', 'src-three'] },
        { Version: 4 },
      ],
    });

    const live = await readHistory(NAME, ctx());

    expect(live.sourceLabels).toEqual(new Map([['src-one', 1], ['src-three', 3]]));
    expect(live.oldest).toEqual({ version: 1, labels: ['src-one', 'release'] });
  });

  test('an oldest version without a number is not reported', async () => {
    store.ssm.on(GetParameterHistoryCommand).resolves({ Parameters: [{ Labels: ['src-x'] }, { Version: 2 }] });

    expect((await readHistory(NAME, ctx())).oldest).toBeUndefined();
  });

  test('the newest version\'s attributes; its policies as canonical JSON, text or (emulators) objects, without empty ones', async () => {
    const notification = { Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '2', Unit: 'Days' } };
    store.ssm.on(GetParameterHistoryCommand).resolves({
      Parameters: [
        { Version: 1, Type: 'String', Policies: [{ PolicyText: EXPIRATION }] },
        {
          Version: 2,
          Type: 'SecureString',
          KeyId: KEY_ARN,
          Tier: 'Advanced',
          Description: 'd',
          AllowedPattern: '^x$',
          Policies: [{ PolicyText: EXPIRATION }, { PolicyText: notification as any }, { PolicyText: '' }, {}],
        },
      ],
    });

    expect(await readHistory(NAME, ctx())).toMatchObject({
      type: 'SecureString',
      keyId: KEY_ARN,
      tier: 'Advanced',
      description: 'd',
      allowedPattern: '^x$',
      policies: [canonicalJson(JSON.parse(EXPIRATION)), canonicalJson(notification)],
      version: 2,
    });
  });
});

describe('read-back messages', () => {
  test('every difference is named, separated by commas', async () => {
    driftAfterWrite({ Type: 'String', Tier: 'Advanced' });

    const response = await run(createEvent(properties({ Tier: 'Standard' })));

    expect(response.Reason).toBe(`${NAME}: ${NAME} was written, but reading it back found type String (expected SecureString), tier Advanced (expected Standard). ${ADVICE}`);
  });

  test.each<[string, Record<string, unknown>, Partial<ReturnType<typeof properties>>, string]>([
    ['a pattern where the template has none', { AllowedPattern: '^x$' }, {}, 'allowed pattern ^x$ (expected (none))'],
    ['no pattern where the template has one', { AllowedPattern: undefined }, { AllowedPattern: '^x$' }, 'allowed pattern (none) (expected ^x$)'],
    ['policies where the template has none', { Policies: [{ PolicyText: EXPIRATION }] }, {}, `policies ${JSON.stringify([canonicalJson(JSON.parse(EXPIRATION))])} (expected [])`],
  ])('%s', async (_name, drift, props, found) => {
    driftAfterWrite(drift);

    const response = await run(createEvent(properties(props)));

    expect(response.Reason).toBe(`${NAME}: ${NAME} was written, but reading it back found ${found}. ${ADVICE}`);
  });

  test('PutParameter answering no tier is no difference', async () => {
    store.ssm.on(PutParameterCommand).callsFake((input) => ({ Version: store.putParameter(input).Version }));

    const response = await run(createEvent());

    expect(response.Status).toBe('SUCCESS');
  });

  test('a failed history read names the call', async () => {
    store.ssm.on(GetParameterHistoryCommand).rejects(awsError('InternalServerError'));

    const response = await run(createEvent());

    expect(response.Reason).toBe(`${NAME}: ssm:GetParameterHistory failed: Parameter Store failed internally. Retry the deployment.`);
  });
});
