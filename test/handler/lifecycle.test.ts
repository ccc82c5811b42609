import { DecryptCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, GetParameterCommand, LabelParameterVersionCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, OWNER, awsError, createEvent, deleteEvent, properties, updateEvent } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { ADOPTED_TAG_KEY, OWNER_TAG_KEY } from '../../lib/private/handler-protocol';

const NAME = '/app/prod/db/password';
/** The command that makes a committed ciphertext, as a failed decrypt names it. */
const ENCRYPT_AGAIN = `Encrypt the value again for this parameter (printf '%s' "$VALUE" | npx --no-install cdk-secure-parameters encrypt --parameter ${NAME}) and commit the output.`;
const OWNER_TAG = { Key: OWNER_TAG_KEY, Value: OWNER };
const EXPIRATION = '{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00.000Z"}}';

let store: FakeParameterStore;
let output: string[];

beforeEach(() => {
  store = new FakeParameterStore();
  output = [];
  for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(' ')));
  }
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

function run(event: Parameters<typeof handleEvent>[0], deadlineMs = 60_000) {
  return handleEvent(event, store.clients, Date.now() + deadlineMs);
}

describe('Create', () => {
  test('writes a generated SecureString with Overwrite false, the owner tag, and reports its version', async () => {
    const response = await run(createEvent());

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME, Data: { Version: '1' } });
    const [put] = store.calls(PutParameterCommand);
    expect(put).toMatchObject({ Name: NAME, Type: 'SecureString', KeyId: KEY_ARN, Tier: 'Standard', Overwrite: false, Tags: [OWNER_TAG] });
    expect(put.Value).toMatch(/^.{32}$/);
    expect(store.parameters.get(NAME)!.value).toEqual(put.Value);
  });

  test('a template without a tier means Standard', async () => {
    await run(createEvent(properties({ Tier: undefined })));

    expect(store.calls(PutParameterCommand)[0].Tier).toBe('Standard');
  });

  test('generator options from the template are honoured', async () => {
    await run(createEvent(properties({ Source: { Type: 'generated', Options: '{"length":12,"excludePunctuation":true,"excludeUppercase":true}' } })));

    expect(store.parameters.get(NAME)!.value).toMatch(/^[a-z0-9]{12}$/);
  });

  test('refuses a name that exists and is not ours, without writing', async () => {
    store.seed(NAME, { value: 'someone-elses', tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }] });

    const response = await run(createEvent());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      `${NAME}: ${NAME} already exists and is not managed by this resource (${OWNER}): it is owned by OtherStack/Thing. ` +
        'Choose another name, or remove the parameter from its owner first.',
    );
    expect(store.calls(PutParameterCommand).filter((p) => p.Overwrite)).toEqual([]);
    expect(store.parameters.get(NAME)!.value).toBe('someone-elses');
    // the rollback's Delete gets an id that names no parameter, and removes nothing
    expect(response.PhysicalResourceId).toBe(`${NAME}#not-created`);
  });

  test('a Create that made the parameter and then failed answers its name, so the rollback\'s Delete removes it', async () => {
    store.ssm.on(LabelParameterVersionCommand).rejects(awsError('InternalServerError'));

    const response = await run(createEvent());
    store.ssm.on(LabelParameterVersionCommand).resolves({});
    const deleted = await run(deleteEvent(properties(), response.PhysicalResourceId));

    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: NAME });
    expect(deleted.Status).toBe('SUCCESS');
    expect(store.calls(DeleteParameterCommand)).toEqual([{ Name: NAME }]);
  });

  test('the Delete after a Create that made nothing calls Parameter Store not at all (the id names no parameter)', async () => {
    store.seed(NAME, { value: 'retained', tags: [{ Key: OWNER_TAG_KEY, Value: OWNER }] });

    const deleted = await run(deleteEvent(properties(), `${NAME}#not-created`));

    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${NAME}#not-created` });
    expect(store.ssm.calls()).toEqual([]);
    expect(store.parameters.get(NAME)!.value).toBe('retained');
  });

  test('refuses an untagged parameter too', async () => {
    store.seed(NAME, {});

    const response = await run(createEvent());

    expect(response.Reason).toContain(`it has no ${OWNER_TAG_KEY} tag`);
  });

  test('a CloudFormation retry of the same Create keeps the generated value it wrote first', async () => {
    await run(createEvent());
    const first = store.parameters.get(NAME)!.value;

    const response = await run(createEvent());

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
    expect(store.parameters.get(NAME)!.value).toBe(first);
    expect(store.parameters.get(NAME)!.tags).toEqual([OWNER_TAG]);
  });

  test('adoptExisting takes over a foreign parameter, keeps its generated value, and tags it', async () => {
    store.seed(NAME, { value: 'keep-me-please', keyId: KEY_ARN });

    const response = await run(createEvent(properties({ Adopt: 'true', Tags: [{ Key: 'team', Value: 'payments' }] })));

    expect(response.Status).toBe('SUCCESS');
    expect(store.parameters.get(NAME)).toMatchObject({ value: 'keep-me-please', keyId: KEY_ARN });
    expect(store.parameters.get(NAME)!.tags).toEqual(expect.arrayContaining([OWNER_TAG, { Key: 'team', Value: 'payments' }]));
  });

  test('adopting with a value from the template writes that value', async () => {
    store.seed(NAME, { value: 'old-value' });

    await run(createEvent(properties({ Adopt: 'true', Source: { Type: 'plaintext', Text: 'from-template' } })));

    expect(store.parameters.get(NAME)!.value).toBe('from-template');
  });

  test('an Advanced parameter with policies is written and read back', async () => {
    const response = await run(createEvent(properties({ Tier: 'Advanced', Policies: `[${EXPIRATION}]` })));

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(PutParameterCommand)[0]).toMatchObject({ Tier: 'Advanced', Policies: `[${EXPIRATION}]` });
  });

  test('decrypts committed ciphertext under the parameter key with the parameter ARN as encryption context', async () => {
    store.kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('from-ciphertext') });

    await run(createEvent(properties({ Source: { Type: 'ciphertext', Ciphertext: Buffer.from('blob').toString('base64') } })));

    expect(store.kms.commandCalls(DecryptCommand)[0].args[0].input).toEqual({
      CiphertextBlob: Buffer.from('blob'),
      KeyId: KEY_ARN,
      EncryptionContext: { PARAMETER_ARN: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod/db/password' },
    });
    expect(store.parameters.get(NAME)!.value).toBe('from-ciphertext');
  });

  test.each([
    ['the whole secret string', undefined, 'whole-string', 'whole-string'],
    ['a JSON field', 'password', '{"username":"app","password":"pa55"}', 'pa55'],
    ['a numeric JSON field', 'port', '{"port":5432}', '5432'],
  ])('copies %s from Secrets Manager', async (_name, jsonField, secretString, expected) => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf';
    store.secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: secretString });

    await run(createEvent(properties({ Source: { Type: 'secret', SecretArn: secretArn, JsonField: jsonField } })));

    expect(store.parameters.get(NAME)!.value).toBe(expected);
  });

  test.each([
    ['a missing JSON field', '{"username":"app"}', "has no JSON field 'password' (fields: username)"],
    ['a secret that is not JSON', 'plain-secret-text', "is not JSON, so it has no field 'password'"],
    ['a nested JSON field', '{"password":{"x":1}}', "field 'password' of secret"],
  ])('fails clearly on %s, without echoing the secret', async (_name, secretString, message) => {
    store.secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });

    const response = await run(createEvent(properties({ Source: { Type: 'secret', SecretArn: 'arn:secret', JsonField: 'password' } })));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(message);
    expect(response.Reason).not.toContain(secretString);
    expect(output.join('\n')).not.toContain(secretString);
  });
});

describe('Update', () => {
  const created = properties({ Description: 'db password' });

  beforeEach(async () => {
    await run(createEvent(created));
  });

  test('nothing changed: no write, the same version', async () => {
    const response = await run(updateEvent(created, created));

    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { Version: '1' } });
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('a new description rewrites the current value, not a new one', async () => {
    const before = store.parameters.get(NAME)!.value;

    const response = await run(updateEvent({ ...created, Description: 'new words' }, created));

    expect(response.Data).toEqual({ Version: '2', Arn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod/db/password' });
    expect(store.parameters.get(NAME)).toMatchObject({ value: before, description: 'new words' });
  });

  test('a new generation generates a new value', async () => {
    const before = store.parameters.get(NAME)!.value;

    await run(updateEvent({ ...created, Source: { Type: 'generated', Options: '{"generation":2}' } }, created));

    expect(store.parameters.get(NAME)!.value).not.toBe(before);
  });

  test('a placeholder is never overwritten, even when the operator changed it', async () => {
    const placeholder = { ...created, Source: { Type: 'placeholder', Text: 'set me' } };
    await run(updateEvent(placeholder, created));
    store.parameters.get(NAME)!.value = 'set-by-operator';

    await run(updateEvent({ ...placeholder, Description: 'changed', Source: { Type: 'placeholder', Text: 'other text' } }, placeholder));

    expect(store.parameters.get(NAME)).toMatchObject({ value: 'set-by-operator', description: 'changed' });
  });

  test('a rename creates the new parameter with the generated value carried over', async () => {
    const value = store.parameters.get(NAME)!.value;
    const renamed = { ...created, Name: '/app/prod/db/main-password' };

    const response = await run(updateEvent(renamed, created));

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: '/app/prod/db/main-password' });
    expect(store.parameters.get('/app/prod/db/main-password')!.value).toBe(value);
    // the old one is CloudFormation's to delete (or retain) after the update
    expect(store.parameters.has(NAME)).toBe(true);
  });

  test('a rename with a new source writes the new value', async () => {
    const renamed = { ...created, Name: '/app/prod/other', Source: { Type: 'plaintext', Text: 'fresh' } };

    await run(updateEvent(renamed, created));

    expect(store.parameters.get('/app/prod/other')!.value).toBe('fresh');
  });

  test('Advanced cannot go back to Standard', async () => {
    const advanced = { ...created, Tier: 'Advanced' };
    await run(updateEvent(advanced, created));

    const response = await run(updateEvent(created, advanced));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      `${NAME}: ${NAME} is an Advanced parameter and Parameter Store cannot move it back to Standard. ` +
        'Keep tier Advanced (or Intelligent-Tiering), or create a Standard parameter under a new name.',
    );
  });

  test('a rename onto a name this resource still owns (retained earlier) writes the carried value over it', async () => {
    const value = store.parameters.get(NAME)!.value;
    store.seed('/app/prod/retained', { value: 'stale', keyId: KEY_ARN, tags: [OWNER_TAG] });

    const response = await run(updateEvent({ ...created, Name: '/app/prod/retained' }, created));

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: '/app/prod/retained' });
    expect(store.parameters.get('/app/prod/retained')!.value).toBe(value);
  });

  test('removing every policy clears them with [{}]', async () => {
    const withPolicy = { ...created, Tier: 'Advanced', Policies: `[${EXPIRATION}]` };
    await run(updateEvent(withPolicy, created));

    await run(updateEvent({ ...withPolicy, Policies: undefined }, withPolicy));

    expect(store.calls(PutParameterCommand).at(-1).Policies).toBe('[{}]');
    expect(store.parameters.get(NAME)!.policies).toEqual([]);
  });

  test('tags follow the template; tags set outside it are left alone', async () => {
    const tagged = { ...created, Tags: [{ Key: 'team', Value: 'a' }, { Key: 'cost', Value: 'x' }] };
    await run(updateEvent(tagged, created));
    store.parameters.get(NAME)!.tags.push({ Key: 'set-by-hand', Value: 'yes' });

    await run(updateEvent({ ...created, Tags: [{ Key: 'team', Value: 'b' }] }, tagged));

    expect(store.parameters.get(NAME)!.tags).toEqual(
      expect.arrayContaining([OWNER_TAG, { Key: 'team', Value: 'b' }, { Key: 'set-by-hand', Value: 'yes' }]),
    );
    expect(store.parameters.get(NAME)!.tags.map((t) => t.Key)).not.toContain('cost');
  });

  test('a parameter deleted outside CloudFormation is created again', async () => {
    store.parameters.delete(NAME);

    const response = await run(updateEvent({ ...created, Description: 'x' }, created));

    expect(response.Status).toBe('SUCCESS');
    expect(store.parameters.get(NAME)!.tags).toEqual([OWNER_TAG]);
  });

  test('a parameter taken over by someone else is not overwritten', async () => {
    store.parameters.get(NAME)!.tags = [{ Key: OWNER_TAG_KEY, Value: 'Intruder/X' }];

    const response = await run(updateEvent({ ...created, Source: { Type: 'plaintext', Text: 'new' } }, created));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('it is owned by Intruder/X');
    expect(store.parameters.get(NAME)!.value).not.toBe('new');
  });
});

describe('a rename re-reads a source that does not keep its written value', () => {
  test('a secret: the new name gets what the secret holds now', async () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf';
    const fromSecret = properties({ Source: { Type: 'secret', SecretArn: secretArn } });
    store.secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: 'first' });
    await run(createEvent(fromSecret));
    store.secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: 'rotated' });

    const response = await run(updateEvent({ ...fromSecret, Name: '/app/prod/renamed' }, fromSecret));

    expect(response.Status).toBe('SUCCESS');
    expect(store.parameters.get('/app/prod/renamed')!.value).toBe('rotated');
  });
});

describe('relative expiration (ParameterPolicy.expireAfter)', () => {
  const DAY = 86_400;
  const NOTIFY = '{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Hours"}}';
  const relative = properties({ Tier: 'Advanced', ExpireAfterSeconds: String(DAY), Policies: `[${NOTIFY}]` });
  const expiration = (timestamp: string) => `{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"${timestamp}"}}`;

  beforeEach(() => {
    // only Date is faked: retries and the SDK keep real timers
    jest.useFakeTimers({
      now: new Date('2030-01-01T00:00:00.000Z'),
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  test('is written as a timestamp from the time of the write, before the fixed policies', async () => {
    const response = await run(createEvent(relative));

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(PutParameterCommand)[0].Policies).toBe(`[${expiration('2030-01-02T00:00:00.000Z')},${NOTIFY}]`);
  });

  test('a deploy that does not change the value keeps the timestamp', async () => {
    await run(createEvent(relative));
    jest.setSystemTime(new Date('2030-01-01T12:00:00.000Z'));

    const response = await run(updateEvent({ ...relative, Description: 'later' }, relative));

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(PutParameterCommand).at(-1).Policies).toBe(`[${expiration('2030-01-02T00:00:00.000Z')},${NOTIFY}]`);
  });

  test('a new value renews it', async () => {
    await run(createEvent(relative));
    jest.setSystemTime(new Date('2030-01-01T12:00:00.000Z'));

    await run(updateEvent({ ...relative, Source: { Type: 'generated', Options: '{"generation":2}' } }, relative));

    expect(store.calls(PutParameterCommand).at(-1).Policies).toBe(`[${expiration('2030-01-02T12:00:00.000Z')},${NOTIFY}]`);
  });

  test('a new duration restarts it from the deploy', async () => {
    await run(createEvent(relative));
    jest.setSystemTime(new Date('2030-01-01T12:00:00.000Z'));

    await run(updateEvent({ ...relative, ExpireAfterSeconds: String(2 * DAY) }, relative));

    expect(store.calls(PutParameterCommand).at(-1).Policies).toBe(`[${expiration('2030-01-03T12:00:00.000Z')},${NOTIFY}]`);
  });

  test('a CloudFormation retry of the Create keeps the value and its timestamp', async () => {
    await run(createEvent(relative));
    jest.setSystemTime(new Date('2030-01-01T00:10:00.000Z'));

    await run(createEvent(relative));

    expect(store.parameters.get(NAME)).toMatchObject({ version: 1, policies: [expiration('2030-01-02T00:00:00.000Z'), NOTIFY] });
  });

  test('nothing changed at all: nothing is written', async () => {
    await run(createEvent(relative));
    jest.setSystemTime(new Date('2030-01-01T12:00:00.000Z'));

    await run(updateEvent(relative, relative));

    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });
});

describe('Delete', () => {
  test('deletes a parameter it owns', async () => {
    await run(createEvent());

    const response = await run(deleteEvent());

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
    expect(store.parameters.has(NAME)).toBe(false);
  });

  test('a parameter that is already gone is success', async () => {
    const response = await run(deleteEvent());

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(DeleteParameterCommand)).toEqual([]);
  });

  test('never deletes a parameter it does not own (e.g. after a refused Create)', async () => {
    store.seed(NAME, { tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }] });

    const response = await run(deleteEvent());

    expect(response.Status).toBe('SUCCESS');
    expect(store.parameters.has(NAME)).toBe(true);
  });

  test.each<[string, () => void]>([
    ['already gone', () => undefined],
    ['owned by another', () => store.seed(NAME, { tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }] })],
    ['adopted, so released', () => store.seed(NAME, { tags: [OWNER_TAG, { Key: ADOPTED_TAG_KEY, Value: 'true' }] })],
  ])('%s: the physical id is answered', async (_name, arrange) => {
    arrange();

    expect(await run(deleteEvent())).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NAME });
  });

  test('the physical id CloudFormation knows is the one deleted and answered, not the name in the properties', async () => {
    await run(createEvent(properties({ Name: 'a' })));

    const response = await run(deleteEvent(properties({ Name: '/a' }), 'a'));

    expect(response.PhysicalResourceId).toBe('a');
    expect(store.calls(DeleteParameterCommand)).toEqual([{ Name: 'a' }]);
  });

  test('a parameter deleted between the ownership check and the delete is success', async () => {
    await run(createEvent());
    store.ssm.on(DeleteParameterCommand).rejectsOnce(awsError('ParameterNotFound'));

    expect((await run(deleteEvent())).Status).toBe('SUCCESS');
  });
});

describe('read-back after write', () => {
  test('fails when another writer changed the key between write and read', async () => {
    store.ssm.on(PutParameterCommand).callsFake((input) => {
      store.seed(input.Name, { keyId: 'alias/aws/ssm', tags: input.Tags });
      return { Version: 1 };
    });

    const response = await run(createEvent());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      `${NAME}: ${NAME} was written, but reading it back found key alias/aws/ssm (expected ${KEY_ARN}). ` +
        'Another writer may be changing this parameter at the same time; stop it and retry the deployment.',
    );
  });
});

describe('throttling', () => {
  test.each(['ThrottlingException', 'TooManyUpdates'])('retries %s and succeeds', async (name) => {
    store.ssm
      .on(PutParameterCommand)
      .rejectsOnce(awsError(name, 'Rate exceeded'))
      .rejectsOnce(awsError(name, 'Rate exceeded'))
      .callsFake((input) => store.putParameter(input));
    // the jitter draws the shortest waits: PutParameter's throttling waits up to 30 s, then 60 s (retry.test.ts)
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.001);

    const response = await run(createEvent()).finally(() => random.mockRestore());

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(PutParameterCommand)).toHaveLength(3);
    expect(store.parameters.get(NAME)!.tags).toEqual([OWNER_TAG]);
  });

  test('gives up at the deadline with advice on throughput', async () => {
    store.ssm.on(PutParameterCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    const response = await run(createEvent(), 300);

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`${NAME}: ssm:PutParameter failed: Parameter Store throttled the request even after retries.`);
    expect(response.Reason).toContain('/ssm/parameter-store/high-throughput-enabled');
  });
});

describe('KMS failures become actionable messages', () => {
  test.each([
    ['InvalidKeyId', `${KEY_ARN} is disabled.`, `KMS key ${KEY_ARN} is disabled. Enable it (aws kms enable-key --key-id ${KEY_ARN}) or choose another key.`],
    ['InvalidKeyId', `${KEY_ARN} is pending deletion.`, `KMS key ${KEY_ARN} is pending deletion. Cancel the deletion (aws kms cancel-key-deletion --key-id ${KEY_ARN})`],
    ['InvalidKeyId', `${KEY_ARN} is pending import.`, `KMS key ${KEY_ARN} is pending import: its key material was never imported or has expired. Finish the import`],
    ['InvalidKeyId', 'Key not found', `KMS key ${KEY_ARN} was not found. Check that the key ARN or alias is right`],
    [
      'AccessDeniedException',
      `User: arn:aws:sts::111111111111:assumed-role/ssp-handler/fn is not authorized to perform: kms:GenerateDataKey on resource: ${KEY_ARN} because no resource-based policy allows the kms:GenerateDataKey action`,
      `access denied for kms:GenerateDataKey on KMS key ${KEY_ARN}. Allow kms:GenerateDataKey for the handler's role in the key policy`,
    ],
    [
      'AccessDeniedException',
      'User: arn:aws:sts::111111111111:assumed-role/ssp-handler/fn is not authorized to perform: kms:Encrypt on this resource',
      `access denied for kms:Encrypt on KMS key ${KEY_ARN}.`,
    ],
  ])('PutParameter %s "%s"', async (name, message, expected) => {
    store.ssm.on(PutParameterCommand).rejects(awsError(name, message));

    const response = await run(createEvent());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`${NAME}: ssm:PutParameter failed: ${expected}`);
  });

  test.each([
    ['DisabledException', 'key is disabled', `KMS key ${KEY_ARN} is disabled.`],
    ['KMSInvalidStateException', 'is pending deletion', `KMS key ${KEY_ARN} is pending deletion.`],
    ['NotFoundException', 'Key does not exist', `KMS key ${KEY_ARN} was not found.`],
    [
      'InvalidCiphertextException',
      '',
      `the committed ciphertext cannot be decrypted under key ${KEY_ARN} with encryption context PARAMETER_ARN=<this parameter's ARN>. ` +
        `It was made under another key, for another parameter, or is corrupted. ${ENCRYPT_AGAIN}`,
    ],
    ['IncorrectKeyException', '', `the committed ciphertext was made under another KMS key, not ${KEY_ARN}. ${ENCRYPT_AGAIN}`],
    ['AccessDeniedException', 'not authorized to perform: kms:Decrypt', `access denied for kms:Decrypt on KMS key ${KEY_ARN}.`],
  ])('Decrypt of committed ciphertext %s', async (name, message, expected) => {
    store.kms.on(DecryptCommand).rejects(awsError(name, message));

    const response = await run(createEvent(properties({ Source: { Type: 'ciphertext', Ciphertext: 'AAAA' } })));

    expect(response.Reason).toContain(`${NAME}: kms:Decrypt failed: ${expected}`);
  });
});

describe('every SSM error gets a clear FAILED reason', () => {
  test.each([
    ['HierarchyLevelLimitExceededException', 'more than 15 hierarchy levels'],
    ['HierarchyTypeMismatchException', 'a parameter cannot change type'],
    ['ParameterLimitExceeded', 'Standard-tier parameter quota'],
    ['ParameterMaxVersionLimitExceeded', 'aws ssm unlabel-parameter-version'],
    ['InvalidAllowedPatternException', 'allowedPattern is not a valid regular expression'],
    ['ParameterPatternMismatchException', "the value does not match the parameter's allowedPattern"],
    ['IncompatiblePolicyException', 'rejected the parameter policies (IncompatiblePolicyException)'],
    ['PoliciesLimitExceededException', 'rejected the parameter policies (PoliciesLimitExceededException)'],
    ['InvalidPolicyAttributeException', 'rejected the parameter policies (InvalidPolicyAttributeException)'],
    ['InternalServerError', 'Parameter Store failed internally. Retry the deployment.'],
    ['AbortError', "no answer from ssm:PutParameter before the handler's time limit"],
    ['ValidationException', 'Check that the value fits the tier'],
    ['SomethingNewException', 'failed with SomethingNewException. Retry the deployment'],
  ])('%s', async (name, expected) => {
    store.ssm.on(PutParameterCommand).rejects(awsError(name, 'raw service message'));

    const response = await run(createEvent());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`${NAME}: ssm:PutParameter failed`);
    expect(response.Reason).toContain(expected);
  });
});

describe('no secret material leaves the handler', () => {
  const SECRET = 'Tr0ub4dor&3-horse-battery-staple';
  const ENCODINGS = [SECRET, Buffer.from(SECRET).toString('base64'), encodeURIComponent(SECRET)];

  function assertNoSecret(response: unknown, extraSecrets: string[] = []): void {
    const everything = [JSON.stringify(response), ...output].join('\n');
    for (const form of [...ENCODINGS, ...extraSecrets]) {
      expect(everything).not.toContain(form);
    }
  }

  test.each([
    ['success', undefined],
    ['a validation error that echoes the value', awsError('ValidationException', `Value '${SECRET}' at 'value' failed to satisfy constraint`)],
    ['an unknown error that echoes the value', awsError('WeirdException', `bad value ${SECRET} (${Buffer.from(SECRET).toString('base64')})`)],
    ['a pattern mismatch', awsError('ParameterPatternMismatchException', `Parameter value ${SECRET} does not match`)],
  ])('plain text source, %s', async (_name, fault) => {
    if (fault) store.ssm.on(PutParameterCommand).rejects(fault);

    const response = await run(createEvent(properties({ Source: { Type: 'plaintext', Text: SECRET } })));

    assertNoSecret(response);
  });

  test('ciphertext source, with a failure after decryption', async () => {
    store.kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET) });
    store.ssm.on(PutParameterCommand).rejects(awsError('WeirdException', `echo ${SECRET}`));

    assertNoSecret(await run(createEvent(properties({ Source: { Type: 'ciphertext', Ciphertext: 'AAAA' } }))));
  });

  test('secret source, success and failure', async () => {
    store.secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: SECRET }) });
    const ok = await run(createEvent(properties({ Source: { Type: 'secret', SecretArn: 'arn:s', JsonField: 'password' } })));
    store.ssm.on(PutParameterCommand).rejects(awsError('WeirdException', SECRET));
    store.parameters.clear();
    const failed = await run(createEvent(properties({ Source: { Type: 'secret', SecretArn: 'arn:s', JsonField: 'password' } })));

    assertNoSecret(ok);
    assertNoSecret(failed);
  });

  test('generated value, on create, update and a failing update', async () => {
    const create = await run(createEvent());
    const generated = store.parameters.get(NAME)!.value;
    const update = await run(updateEvent(properties({ Description: 'd' }), properties()));
    store.ssm.on(GetParameterCommand).rejects(awsError('WeirdException', `current is ${generated}`));
    const failing = await run(updateEvent(properties({ Description: 'e' }), properties({ Description: 'd' })));

    for (const response of [create, update, failing]) {
      assertNoSecret(response, [generated, Buffer.from(generated).toString('base64')]);
    }
    expect(failing.Status).toBe('FAILED');
  });
});
