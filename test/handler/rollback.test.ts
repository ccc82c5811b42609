import { DecryptCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParameterHistoryCommand, LabelParameterVersionCommand, PutParameterCommand, UnlabelParameterVersionCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, awsError, createEvent, properties, updateEvent } from './events';
import { FakeParameterStore, useFakeParameterStore } from './fake-parameter-store';
import { LiveParameter } from '../../lib/handler/read-back';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { sourceLabel } from '../../lib/handler/source-fingerprint';
import { MAX_KEPT_VERSIONS, labelVersion, labelledValue, makeRoomForWrite } from '../../lib/handler/source-labels';
import { ParameterProperties } from '../../lib/private/handler-protocol';

/** CloudFormation's rollback Update carries the old properties as the new ones; events can be delivered twice. */
const NAME = '/app/prod/db/password';
const OTHER_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/99999999-0000-0000-0000-000000000000';

let store: FakeParameterStore;

const currentStore = useFakeParameterStore();
beforeEach(() => {
  store = currentStore();
});

async function run(event: Parameters<typeof handleEvent>[0]) {
  const response = await handleEvent(event, store.clients, Date.now() + 60_000);
  expect(response).toMatchObject({ Status: 'SUCCESS' });
  return response;
}

const generation = (n: number, extra = '') => properties({ Source: { Type: 'generated', Options: `{"generation":${n}${extra}}` } });
const value = () => store.parameters.get(NAME)!.value;
const labelsByVersion = () => store.versions(NAME).map((v) => [v.version, v.labels]);

describe('labels', () => {
  test('every version the handler writes is labelled with its source fingerprint', async () => {
    await run(createEvent(generation(1)));

    expect(store.calls(LabelParameterVersionCommand)).toEqual([{ Name: NAME, ParameterVersion: 1, Labels: [sourceLabel(generation(1).Source)] }]);
  });

  test('a label moves to the newest version written from its source', async () => {
    await run(createEvent(generation(1)));
    await run(updateEvent({ ...generation(1), Description: 'new words' }, generation(1)));

    expect(labelsByVersion()).toEqual([[1, []], [2, [sourceLabel(generation(1).Source)]]]);
  });
});

describe('a rollback restores, never rotates', () => {
  test('generation 1 → 2, rolled back to 1: the generation-1 value returns; forward to 2 again: the generation-2 value returns', async () => {
    await run(createEvent(generation(1)));
    const first = value();
    await run(updateEvent(generation(2), generation(1)));
    const second = value();

    const rollback = await run(updateEvent(generation(1), generation(2)));
    expect(value()).toBe(first);
    expect(rollback.Data).toMatchObject({ Version: '3' });
    // read through Parameter Store by its label, decrypted
    expect(store.calls(GetParameterCommand)).toContainEqual({ Name: `${NAME}:${sourceLabel(generation(1).Source)}`, WithDecryption: true });

    await run(updateEvent(generation(2), generation(1)));
    expect(value()).toBe(second);
    expect(store.calls(PutParameterCommand).map((p) => p.Value)).toEqual([first, second, first, second]);
    expect(labelsByVersion()).toEqual([[1, []], [2, []], [3, [sourceLabel(generation(1).Source)]], [4, [sourceLabel(generation(2).Source)]]]);
  });

  test.each<[string, ParameterProperties, ParameterProperties]>([
    ['plain text', properties({ Source: { Type: 'plaintext', Text: 'v1' } }), properties({ Source: { Type: 'plaintext', Text: 'v2' } })],
    [
      'a secret',
      properties({ Source: { Type: 'secret', SecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:a-AbCdEf' } }),
      properties({ Source: { Type: 'secret', SecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:b-AbCdEf' } }),
    ],
  ])('%s: the rollback brings the old value back without reading the source again', async (_name, before, after) => {
    store.secrets.on(GetSecretValueCommand).callsFake((input) => ({ SecretString: `copy of ${input.SecretId}` }));
    await run(createEvent(before));
    const old = value();
    await run(updateEvent(after, before));
    const reads = store.secrets.calls().length;

    await run(updateEvent(before, after));

    expect(value()).toBe(old);
    expect(store.secrets.calls()).toHaveLength(reads);
  });

  test('ciphertext: the rollback restores the old value without decrypting the old ciphertext again', async () => {
    store.kms.on(DecryptCommand).callsFake((input) => ({ Plaintext: Buffer.from(`plain of ${Buffer.from(input.CiphertextBlob).toString()}`) }));
    const v1 = properties({ Source: { Type: 'ciphertext', Ciphertext: Buffer.from('one').toString('base64') } });
    const v2 = properties({ Source: { Type: 'ciphertext', Ciphertext: Buffer.from('two').toString('base64') } });
    await run(createEvent(v1));
    await run(updateEvent(v2, v1));

    await run(updateEvent(v1, v2));

    expect(value()).toBe('plain of one');
    expect(store.kms.commandCalls(DecryptCommand)).toHaveLength(2);
  });

  test('a placeholder is never restored over what the operator set', async () => {
    const placeholder = properties({ Source: { Type: 'placeholder', Text: 'set me' } });
    await run(createEvent(placeholder));
    await run(updateEvent(generation(1), placeholder));
    store.parameters.get(NAME)!.value = 'set-by-operator';

    await run(updateEvent(placeholder, generation(1)));

    expect(value()).toBe('set-by-operator');
  });

  test('a rollback that also changes the key reads the old value under the old key and writes it under the new one', async () => {
    await run(createEvent(generation(1)));
    const first = value();
    const rotated = { ...generation(2), KeyId: OTHER_KEY };
    await run(updateEvent(rotated, generation(1)));

    await run(updateEvent(generation(1), rotated));

    expect(store.parameters.get(NAME)).toMatchObject({ value: first, keyId: KEY_ARN });
    expect(store.calls(PutParameterCommand).at(-1)).toMatchObject({ KeyId: KEY_ARN, Overwrite: true });
  });

  test('a key change keeps the value: read through Parameter Store, written under the new key', async () => {
    await run(createEvent(generation(1)));
    const first = value();

    await run(updateEvent({ ...generation(1), KeyId: OTHER_KEY }, generation(1)));

    expect(store.parameters.get(NAME)).toMatchObject({ value: first, keyId: OTHER_KEY, version: 2 });
    expect(store.calls(GetParameterCommand).at(-1)).toEqual({ Name: NAME, WithDecryption: true });
  });
});

describe('failures around labels', () => {
  test('a label Parameter Store refuses fails the request instead of leaving a version unlabelled', async () => {
    const label = sourceLabel(generation(1).Source);
    store.ssm.on(LabelParameterVersionCommand).resolves({ InvalidLabels: [label] });

    const response = await handleEvent(createEvent(generation(1)), store.clients, Date.now() + 60_000);

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      `${NAME}: Parameter Store refused the version label ${label}: the handler and Parameter Store disagree on label rules. Report this to cdk-secure-parameters.`,
    );
  });

  test('a placeholder Create delivered twice keeps what the operator set in between', async () => {
    const placeholder = properties({ Source: { Type: 'placeholder', Text: 'set me' } });
    await run(createEvent(placeholder));
    store.parameters.get(NAME)!.value = 'set-by-operator';

    await run(createEvent(placeholder));

    expect(value()).toBe('set-by-operator');
    expect(store.calls(PutParameterCommand).filter((p) => p.Overwrite)).toEqual([]);
  });

  test('a placeholder Create delivered again after the operator wrote a new version keeps that version', async () => {
    const placeholder = properties({ Source: { Type: 'placeholder', Text: 'set me' } });
    await run(createEvent(placeholder));
    store.putParameter({ Name: NAME, Value: 'set-by-operator', Type: 'SecureString', KeyId: KEY_ARN, Overwrite: true });

    await run(createEvent(placeholder));

    expect(store.parameters.get(NAME)).toMatchObject({ value: 'set-by-operator', version: 2 });
  });

  test('a name that exists at Create and is gone right after fails with advice', async () => {
    store.ssm.on(PutParameterCommand).rejectsOnce(awsError('ParameterAlreadyExists'));

    const response = await handleEvent(createEvent(generation(1)), store.clients, Date.now() + 60_000);

    expect(response.Reason).toContain(`${NAME} existed when the handler created it, and was deleted right after.`);
  });
});

describe('a rename', () => {
  const RENAMED = '/app/prod/db/main-password';

  test('whose old value cannot be read for another reason fails, rather than replace the value', async () => {
    await run(createEvent(generation(1)));
    store.ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 'User: h is not authorized to perform: ssm:GetParameter'));

    const response = await handleEvent(updateEvent({ ...generation(1), Name: RENAMED }, generation(1)), store.clients, Date.now() + 60_000);

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('access denied for ssm:GetParameter');
    expect(store.parameters.get(RENAMED)).toBeUndefined();
  });

  test('whose old parameter was deleted outside CloudFormation writes a new value under the new name instead of failing', async () => {
    await run(createEvent(generation(1)));
    store.parameters.delete(NAME);

    const response = await run(updateEvent({ ...generation(1), Name: RENAMED }, generation(1)));

    expect(response.PhysicalResourceId).toBe(RENAMED);
    expect(store.parameters.get(RENAMED)).toMatchObject({ version: 1 });
    expect(store.parameters.get(RENAMED)!.value).toHaveLength(32);
  });

  test('that also changes the source writes a new value under the new name and leaves the old one as it was', async () => {
    await run(createEvent(generation(1)));
    const first = value();

    const response = await run(updateEvent({ ...generation(2), Name: RENAMED }, generation(1)));

    expect(response.PhysicalResourceId).toBe(RENAMED);
    expect(store.parameters.get(RENAMED)!.value).not.toBe(first);
    expect(store.parameters.get(RENAMED)!.value).toHaveLength(32);
    expect(store.parameters.get(NAME)).toMatchObject({ value: first, version: 1 });
  });

  test('rolled back, it finds the old name still ours and its value in place: nothing is written', async () => {
    await run(createEvent(generation(1)));
    const first = value();
    await run(updateEvent({ ...generation(2), Name: RENAMED }, generation(1)));
    const writes = store.calls(PutParameterCommand).length;

    const rollback = await run(updateEvent(generation(1), { ...generation(2), Name: RENAMED }, RENAMED));

    expect(rollback.PhysicalResourceId).toBe(NAME);
    expect(value()).toBe(first);
    // the first attempt (Overwrite false) finds the name taken, and nothing else is written
    expect(store.calls(PutParameterCommand).slice(writes)).toEqual([expect.objectContaining({ Name: NAME, Overwrite: false })]);
  });
});

describe('a Create that takes its parameter back (a re-created stack) reverts nothing', () => {
  test('a value written after the labelled version (an operator rotated it while the stack was gone) stays', async () => {
    await run(createEvent(generation(1)));
    const { tags, older, ...written } = store.parameters.get(NAME)!;
    // the operator's version: no label, newer than the one the handler wrote
    store.parameters.set(NAME, { ...written, tags, older: [...older, written], value: 'rotated-by-hand', version: 2, labels: [] });

    const response = await run(createEvent(generation(1)));

    expect(value()).toBe('rotated-by-hand');
    expect(response.Data).toMatchObject({ Version: '2' });
    expect(store.calls(GetParameterCommand).map((c) => c.Name)).not.toContain(`${NAME}:${sourceLabel(generation(1).Source)}`);
  });
});

describe('a redelivered event makes no second value', () => {
  test('Create delivered twice: one version, one value', async () => {
    await run(createEvent(generation(1)));
    const first = value();

    const again = await run(createEvent(generation(1)));

    expect(value()).toBe(first);
    expect(store.calls(PutParameterCommand).filter((p) => p.Overwrite)).toEqual([]);
    expect(again.Data).toEqual({ Version: '1', Arn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod/db/password' });
  });

  test('Update delivered twice: the second finds its label on the newest version and writes nothing', async () => {
    await run(createEvent(generation(1)));
    await run(updateEvent(generation(2), generation(1)));
    const second = value();

    const again = await run(updateEvent(generation(2), generation(1)));

    expect(value()).toBe(second);
    expect(store.calls(PutParameterCommand)).toHaveLength(2);
    expect(again.Data).toMatchObject({ Version: '2' });
  });

  test('Create of committed ciphertext delivered twice: the second writes nothing', async () => {
    store.kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('api-key') });
    const ciphertext = properties({ Source: { Type: 'ciphertext', Ciphertext: 'AAAA' } });
    await run(createEvent(ciphertext));

    const again = await run(createEvent(ciphertext));

    expect(store.calls(PutParameterCommand).filter((p) => p.Overwrite)).toEqual([]);
    expect(store.versions(NAME)).toHaveLength(1);
    expect(again.Data).toMatchObject({ Version: '1' });
  });
});

describe('options in another order, or defaults written out, are the same source', () => {
  test.each([
    ['reordered', '{"excludePunctuation":true,"length":40}', '{"length":40,"excludePunctuation":true}'],
    ['defaults written out', '{"length":40}', '{"length":40,"generation":1,"excludeNumbers":false,"requireEachIncludedType":true}'],
    ['no options against the defaults', undefined, '{"length":32,"generation":1}'],
  ])('%s: the value stays, nothing is written', async (_name, before, after) => {
    const old = properties({ Source: { Type: 'generated', Options: before } });
    await run(createEvent(old));
    const first = value();

    await run(updateEvent(properties({ Source: { Type: 'generated', Options: after } }), old));

    expect(value()).toBe(first);
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });
});

describe('labels move forward: 100 kept versions', () => {
  function seedVersions(count: number, oldestLabels: string[]) {
    store.seed(NAME, { keyId: KEY_ARN, tags: [{ Key: 'cdk-secure-parameters:owner', Value: 'AppStack/DbPassword' }], version: count });
    const p = store.parameters.get(NAME)!;
    p.older = Array.from({ length: count - 1 }, (_, i) => ({ value: `v${i + 1}`, keyId: KEY_ARN, tier: 'Standard', policies: [], version: i + 1, labels: i === 0 ? oldestLabels : [] }));
  }

  test('at 100 versions, our label on the oldest is removed before the write', async () => {
    seedVersions(100, ['src-0123', 'src-abcd']);

    await run(updateEvent(generation(2), generation(1)));

    expect(store.calls(UnlabelParameterVersionCommand)).toEqual([{ Name: NAME, ParameterVersion: 1, Labels: ['src-0123', 'src-abcd'] }]);
    expect(store.parameters.get(NAME)!.version).toBe(101);
    expect(store.versions(NAME)).toHaveLength(100);
  });

  test('below 100 versions nothing is unlabelled', async () => {
    seedVersions(99, ['src-0123']);

    await run(updateEvent(generation(2), generation(1)));

    expect(store.calls(UnlabelParameterVersionCommand)).toEqual([]);
  });

  test('a failed unlabel names the call', async () => {
    seedVersions(100, ['src-0123']);
    store.ssm.on(UnlabelParameterVersionCommand).rejects(awsError('InternalServerError'));

    const response = await handleEvent(updateEvent(generation(2), generation(1)), store.clients, Date.now() + 60_000);

    expect(response.Reason).toBe(`${NAME}: ssm:UnlabelParameterVersion failed: Parameter Store failed internally. Retry the deployment.`);
  });

  test("an operator's label on the oldest is left alone, and the write fails saying what to do", async () => {
    seedVersions(100, ['release-2024']);

    const response = await handleEvent(updateEvent(generation(2), generation(1)), store.clients, Date.now() + 60_000);

    expect(store.calls(UnlabelParameterVersionCommand)).toEqual([]);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('aws ssm unlabel-parameter-version');
  });

  test('the history is read in pages of 50', async () => {
    seedVersions(100, []);

    await run(updateEvent(generation(1), generation(1)));

    expect(store.calls(GetParameterHistoryCommand)).toEqual([
      { Name: NAME, MaxResults: 50, NextToken: undefined },
      { Name: NAME, MaxResults: 50, NextToken: '50' },
    ]);
  });
});

describe('a failed label call names the call', () => {
  test.each<[string, () => void, () => Promise<ParameterProperties[]>]>([
    ['ssm:LabelParameterVersion', () => store.ssm.on(LabelParameterVersionCommand).rejects(awsError('InternalServerError')), async () => [generation(1)]],
    ['ssm:GetParameter', () => store.ssm.on(GetParameterCommand, { Name: `${NAME}:${sourceLabel(generation(1).Source)}` }).rejects(awsError('InternalServerError')),
      async () => {
        await run(createEvent(generation(1)));
        await run(updateEvent(generation(2), generation(1)));
        return [generation(1), generation(2)];
      }],
  ])('%s', async (call, fail, setUp) => {
    const [props, oldProps] = await setUp();
    fail();

    const response = await handleEvent(oldProps ? updateEvent(props, oldProps) : createEvent(props), store.clients, Date.now() + 60_000);

    expect(response.Reason).toBe(`${NAME}: ${call} failed: Parameter Store failed internally. Retry the deployment.`);
  });
});

describe('source-labels answers without the optional fields', () => {
  const ctx = () => ({ clients: store.clients, deadline: Date.now() + 60_000 });
  const live = (versionCount: number, oldest?: LiveParameter['oldest']): LiveParameter => ({ policies: [], versionCount, oldest, sourceLabels: new Map(), versions: [] });

  test('LabelParameterVersion answering no InvalidLabels is success', async () => {
    store.ssm.on(LabelParameterVersionCommand).resolves({});

    await expect(labelVersion(NAME, 1, ['src-x'], ctx())).resolves.toBeUndefined();
    expect(store.calls(LabelParameterVersionCommand)).toEqual([{ Name: NAME, ParameterVersion: 1, Labels: ['src-x'] }]);
  });

  test.each<[string, object]>([
    ['no Parameter', {}],
    ['a Parameter without Value', { Parameter: {} }],
  ])('GetParameter answering %s reads as the empty string', async (_name, answer) => {
    store.ssm.on(GetParameterCommand).resolves(answer);

    expect(await labelledValue(NAME, 'src-x', ctx())).toBe('');
  });

  test('100 versions with no oldest version number: nothing to unlabel', async () => {
    await makeRoomForWrite(NAME, live(MAX_KEPT_VERSIONS), false, ctx());

    expect(store.calls(UnlabelParameterVersionCommand)).toEqual([]);
  });
});
