import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Environment } from './helpers/access-check';
import { iamEnforcedClients } from './helpers/iam-layer';
import { PolicyDocument } from './helpers/iam-simulator';
import { MotoServer } from './helpers/moto-server';

/**
 * The IAM layer supplies the request context AWS supplies, so policies that scope by ownership tag or by
 * encryption context (what the handler role relies on) are evaluated as in a real account.
 */
const ENV: Environment = { partition: 'aws', region: 'eu-west-1', account: '111111111111' };
const ROLE = `arn:aws:iam::${ENV.account}:role/caller`;
const OWNER = 'cdk-secure-parameters:owner';
const PARAMETERS = `arn:aws:ssm:${ENV.region}:${ENV.account}:parameter/*`;
const VIA_SSM = { 'kms:ViaService': `ssm.${ENV.region}.amazonaws.com` };

let moto: MotoServer;
let admin: { ssm: SSMClient; kms: KMSClient };
let oldKey: string;
let newKey: string;

beforeAll(async () => {
  moto = await MotoServer.start(ENV.account);
  admin = { ssm: new SSMClient(moto.clientConfig(ENV.region)), kms: new KMSClient(moto.clientConfig(ENV.region)) };
  const trustsAccount = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ENV.account}:root` }, Action: 'kms:*', Resource: '*' }],
  });
  oldKey = (await admin.kms.send(new CreateKeyCommand({ Policy: trustsAccount }))).KeyMetadata!.Arn!;
  newKey = (await admin.kms.send(new CreateKeyCommand({ Policy: trustsAccount }))).KeyMetadata!.Arn!;
}, 30_000);

afterAll(async () => {
  await moto?.stop();
});

function caller(...statements: object[]): SSMClient {
  const policy: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return iamEnforcedClients(moto, ENV, { roleArn: ROLE, identityPolicies: [policy] }).ssm;
}

const secure = (name: string, keyId: string, extra: object = {}) => new PutParameterCommand({ Name: name, Value: 'v', Type: 'SecureString', KeyId: keyId, ...extra });
const denied = (action: string) => ({ name: 'AccessDeniedException', message: expect.stringContaining(`is not authorized to perform: ${action}`) });

describe('aws:ResourceTag is the parameter\'s current tag', () => {
  const ownedByStack = () => caller({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: PARAMETERS, Condition: { StringLike: { [`aws:ResourceTag/${OWNER}`]: 'StackA/*' } } });

  beforeAll(async () => {
    await admin.ssm.send(secure('/tags/ours', oldKey, { Tags: [{ Key: OWNER, Value: 'StackA/Secret' }] }));
    await admin.ssm.send(secure('/tags/theirs', oldKey, { Tags: [{ Key: OWNER, Value: 'StackB/Secret' }] }));
  });

  test('a parameter tagged with the stack\'s prefix is reached', async () => {
    await expect(ownedByStack().send(new GetParameterCommand({ Name: '/tags/ours' }))).resolves.toMatchObject({ Parameter: { Name: '/tags/ours' } });
  });

  test.each([
    ['a parameter another stack owns', '/tags/theirs'],
    ['a name that does not exist (no tag to match: AccessDenied, not ParameterNotFound)', '/tags/missing'],
  ])('%s is denied', async (_name, name) => {
    await expect(ownedByStack().send(new GetParameterCommand({ Name: name }))).rejects.toMatchObject(denied('ssm:GetParameter'));
  });
});

describe('a write with tags', () => {
  const put = { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: PARAMETERS };
  const encrypt = { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: VIA_SSM } };
  const tagAsStackA = { Effect: 'Allow', Action: 'ssm:AddTagsToResource', Resource: PARAMETERS, Condition: { StringLike: { [`aws:RequestTag/${OWNER}`]: 'StackA/*' } } };

  test('needs ssm:AddTagsToResource too, evaluated with aws:RequestTag', async () => {
    const owner = (value: string) => ({ Tags: [{ Key: OWNER, Value: value }] });

    await expect(caller(put, encrypt).send(secure('/tagged/a', newKey, owner('StackA/X')))).rejects.toMatchObject(denied('ssm:AddTagsToResource'));
    await expect(caller(put, encrypt, tagAsStackA).send(secure('/tagged/b', newKey, owner('StackB/X')))).rejects.toMatchObject(denied('ssm:AddTagsToResource'));
    await expect(caller(put, encrypt, tagAsStackA).send(secure('/tagged/c', newKey, owner('StackA/X')))).resolves.toMatchObject({ Version: 1 });
  });
});

describe('decryption uses the key of the version read', () => {
  const read = { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameterHistory'], Resource: PARAMETERS };
  const decryptUnder = (keyArn: string) => ({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn, Condition: { StringEquals: VIA_SSM } });

  beforeAll(async () => {
    await admin.ssm.send(secure('/rekeyed', oldKey));
    await admin.ssm.send(secure('/rekeyed', newKey, { Overwrite: true }));
  });

  test('the newest version needs the new key, version 1 the old one', async () => {
    const newOnly = caller(read, decryptUnder(newKey));

    await expect(newOnly.send(new GetParameterCommand({ Name: '/rekeyed', WithDecryption: true }))).resolves.toMatchObject({ Parameter: { Version: 2 } });
    await expect(newOnly.send(new GetParameterCommand({ Name: '/rekeyed:1', WithDecryption: true }))).rejects.toMatchObject(denied('kms:Decrypt'));
    await expect(caller(read, decryptUnder(oldKey)).send(new GetParameterCommand({ Name: '/rekeyed:1', WithDecryption: true }))).resolves.toMatchObject({ Parameter: { Version: 1 } });
  });

  test('the history with decryption needs every key it was written under', async () => {
    const history = new GetParameterHistoryCommand({ Name: '/rekeyed', WithDecryption: true });

    await expect(caller(read, decryptUnder(newKey)).send(history)).rejects.toMatchObject(denied('kms:Decrypt'));
    const bothKeys = caller(read, decryptUnder(newKey), decryptUnder(oldKey));
    await expect(bothKeys.send(history)).resolves.toMatchObject({ Parameters: [{ Version: 1 }, { Version: 2 }] });
  });
});

describe('Parameter Store\'s KMS calls carry kms:ViaService and the parameter ARN as encryption context', () => {
  const read = { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: PARAMETERS };
  // any key of the account, only through Parameter Store, only for this account's parameters
  const anyKeyForParameters = {
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: `arn:aws:kms:${ENV.region}:${ENV.account}:key/*`,
    Condition: { StringEquals: VIA_SSM, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': `arn:aws:ssm:${ENV.region}:${ENV.account}:parameter/context/*` } },
  };

  beforeAll(async () => {
    await admin.ssm.send(secure('/context/inside', oldKey));
    await admin.ssm.send(secure('/contextual/outside', oldKey));
  });

  test('a parameter under the context pattern is decrypted, one outside it is not', async () => {
    const client = caller(read, anyKeyForParameters);

    await expect(client.send(new GetParameterCommand({ Name: '/context/inside', WithDecryption: true }))).resolves.toMatchObject({ Parameter: { Value: 'v' } });
    await expect(client.send(new GetParameterCommand({ Name: '/contextual/outside', WithDecryption: true }))).rejects.toMatchObject(denied('kms:Decrypt'));
  });

  test('the same statement does not allow a direct kms:Decrypt (no kms:ViaService)', async () => {
    const kms = iamEnforcedClients(moto, ENV, { roleArn: ROLE, identityPolicies: [{ Version: '2012-10-17', Statement: [anyKeyForParameters] }] }).kms;

    await expect(
      kms.send(new DecryptCommand({ KeyId: oldKey, CiphertextBlob: Buffer.from('x'), EncryptionContext: { PARAMETER_ARN: `arn:aws:ssm:${ENV.region}:${ENV.account}:parameter/context/inside` } })),
    ).rejects.toMatchObject(denied('kms:Decrypt'));
  });
});
