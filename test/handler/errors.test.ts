import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, OWNER, awsError, properties, updateEvent } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * An AccessDenied on a KMS call names the key AWS says the call was on, which is not always the
 * template's: after a key change the old value is decrypted under the old key.
 */
const NAME = '/app/prod/db/password';
const OLD_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/0ld0ld00-1111-2222-3333-444455556666';
const ROLE = 'arn:aws:sts::111111111111:assumed-role/ssp-handler/fn';

let store: FakeParameterStore;

beforeEach(() => {
  store = new FakeParameterStore();
  store.seed(NAME, { value: 'kept', keyId: OLD_KEY, tags: [{ Key: OWNER_TAG_KEY, Value: OWNER }] });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

/** The Update of a key change: from OLD_KEY to KEY_ARN, same generated source. */
function keyChange() {
  return handleEvent(updateEvent(properties(), properties({ KeyId: OLD_KEY })), store.clients, Date.now() + 60_000);
}

describe('AccessDenied names the key the denied call was on', () => {
  test.each([
    ['the old key, when reading the value to re-encrypt it', OLD_KEY, 'because no identity-based policy allows the kms:Decrypt action'],
    ['an alias ARN as AWS wrote it', 'arn:aws:kms:eu-west-1:111111111111:alias/old-parameters', 'because no resource-based policy allows the kms:Decrypt action'],
    ['a key in another partition and account', 'arn:aws-us-gov:kms:us-gov-west-1:222222222222:key/mrk-1234abcd', 'with an explicit deny'],
  ])('%s', async (_case, keyInMessage, why) => {
    store.ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', `User: ${ROLE} is not authorized to perform: kms:Decrypt on resource: ${keyInMessage} ${why}`));

    const response = await keyChange();

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`${NAME}: ssm:GetParameter failed: access denied for kms:Decrypt on KMS key ${keyInMessage}. Allow kms:Decrypt`);
    expect(response.Reason).not.toContain(`on KMS key ${KEY_ARN}`);
  });

  test('the new key, when writing under it', async () => {
    store.ssm.on(PutParameterCommand).rejects(awsError('AccessDeniedException', `User: ${ROLE} is not authorized to perform: kms:Encrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Encrypt action`));

    const response = await keyChange();

    expect(response.Reason).toContain(`ssm:PutParameter failed: access denied for kms:Encrypt on KMS key ${KEY_ARN}.`);
  });

  test.each([
    ['no resource in the message', `User: ${ROLE} is not authorized to perform: kms:Decrypt on this resource`],
    ['a resource that is not a KMS key', `User: ${ROLE} is not authorized to perform: kms:Decrypt on resource: arn:aws:ssm:eu-west-1:111111111111:parameter/app`],
  ])('falls back to the template\'s key with %s', async (_case, message) => {
    store.ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', message));

    const response = await keyChange();

    expect(response.Reason).toContain(`access denied for kms:Decrypt on KMS key ${KEY_ARN}.`);
  });
});
