import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { Stack } from 'aws-cdk-lib';
import * as cdkKms from 'aws-cdk-lib/aws-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { NO_AWS, appWithOutdir, runCli } from './cli-run';
import { HierarchyDeployment, ParameterHierarchy, ParameterKey, ParameterReplica, ReplicaSource, SecureStringParameter, SecureValue } from '../../lib';
import { AwsClients, encryptCommand } from '../../lib/cli/encrypt-command';
import { PARAMETER_RESOURCE_TYPE } from '../../lib/private/handler-protocol';
import { awsError } from '../handler/events';

/**
 * The command's answers that need no AWS call (the clients fail the test if it makes one), and how it
 * explains what KMS answers (aws-sdk-client-mock). The happy paths run against moto_server in
 * encrypt-command-iam.test.ts.
 */
const ACCOUNT = '111111111111';
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CIPHERTEXT = Buffer.from('ciphertext').toString('base64');

/** An app of every case the lookup meets, synthesized once. */
function synthesizeApp(): string {
  const app = appWithOutdir();
  const prod = new Stack(app, 'Prod', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const key = new ParameterKey(prod, 'Key', { alias: 'alias/app/prod', multiRegion: true });
  const hierarchy = new ParameterHierarchy(prod, 'App', { path: '/app/prod', encryptionKey: key });
  hierarchy.addSecureString('ApiKey', { name: 'payments/api-key', value: SecureValue.fromCiphertext(CIPHERTEXT), allowedPattern: '^[a-z0-9-]+$' });
  hierarchy.addSecureString('DbPassword', { name: 'db/password', value: SecureValue.generated() });
  hierarchy.addSecureString('Shared', { name: 'shared', value: SecureValue.fromCiphertext(CIPHERTEXT) });
  hierarchy.addSecureString('Pending', { name: 'pending', value: SecureValue.placeholder() });
  const batched = new ParameterHierarchy(prod, 'Batched', { path: '/app/batched', encryptionKey: key, deployment: HierarchyDeployment.batched() });
  batched.addSecureString('Token', { name: 'token', value: SecureValue.fromCiphertext(CIPHERTEXT) });
  batched.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });
  hierarchy.addString('ApiUrl', { name: 'api/url', stringValue: 'https://api.example.com' });

  // a key of another stack: the template imports its ARN, and the alias is in the exporting stack
  const consumer = new Stack(app, 'Consumer', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  new SecureStringParameter(consumer, 'Token', { parameterName: '/consumer/token', value: SecureValue.fromCiphertext(CIPHERTEXT), encryptionKey: key });

  const agnostic = new Stack(app, 'Agnostic');
  new SecureStringParameter(agnostic, 'Token', { parameterName: '/agnostic/token', value: SecureValue.fromCiphertext(CIPHERTEXT) });
  new SecureStringParameter(agnostic, 'Shared', { parameterName: '/app/prod/shared', value: SecureValue.fromCiphertext(CIPHERTEXT) });
  new SecureStringParameter(agnostic, 'Imported', {
    parameterName: '/agnostic/imported-key',
    value: SecureValue.fromCiphertext(CIPHERTEXT),
    encryptionKey: cdkKms.Key.fromKeyArn(agnostic, 'ImportedKey', KEY_ARN),
  });

  const replica = new Stack(app, 'Replica', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
  new ParameterReplica(replica, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
  app.synth();
  return app.outdir;
}

const outdir = synthesizeApp();
const encrypt = (...args: string[]) => ['encrypt', '--app', outdir, ...args];

describe('answers without calling AWS', () => {
  test.each([
    ['no --parameter', ['encrypt', '--app', outdir], '--parameter <name> is required'],
    ['an unknown command', ['decrypt', '--parameter', '/x'], "unknown command 'decrypt': the command is `encrypt`"],
    ['an unknown option', encrypt('--parameter', '/x', '--value', 'secret'), "Unknown option '--value'"],
    ['a value as an argument (never echoed)', encrypt('--parameter', '/x', 'hunter2'), 'encrypt takes options only, and 1 other argument(s) were given; the value comes from standard input'],
    ['no cloud assembly', ['encrypt', '--parameter', '/x', '--app', join(tmpdir(), 'no-such-assembly')], 'is not a cloud assembly (no manifest.json): run `npx cdk synth` first'],
    [
      'an unknown parameter: the closest names',
      encrypt('--parameter', '/app/prod/payments/apikey'),
      'no SecureString named /app/prod/payments/apikey in the assembly; the closest names are /app/prod/payments/api-key,',
    ],
    ['an unknown stack', encrypt('--parameter', '/app/prod/shared', '--stack', 'Staging'), "no stack 'Staging' with SecureStrings in the assembly; stacks with SecureStrings: Prod, Consumer, Agnostic, Replica"],
    ['a name in two stacks', encrypt('--parameter', '/app/prod/shared'), '/app/prod/shared is written by more than one stack: Prod (Prod/App/Shared/Resource), Agnostic (Agnostic/Shared/Resource). Pass --stack'],
    [
      'a generated value',
      encrypt('--parameter', '/app/prod/db/password'),
      '/app/prod/db/password (Prod/App/DbPassword/Resource) has a generated value, not SecureValue.fromCiphertext, so a ciphertext would never be read. ' +
        'Declare it with value: SecureValue.fromCiphertext(...) (or SecureValue.placeholder() until you have the ciphertext) and run `cdk synth` again\n',
    ],
    ['a plain String parameter', encrypt('--parameter', '/app/prod/api/url'), '/app/prod/api/url is a plain String parameter (AWS::SSM::Parameter), not a SecureString'],
    ['a generated batched member', encrypt('--parameter', '/app/batched/generated'), '/app/batched/generated (Prod/Batched/Batch/Chunk0) has a generated value'],
    [
      'a replica',
      encrypt('--parameter', '/app/prod/shared', '--stack', 'Replica'),
      'has a replica value, not SecureValue.fromCiphertext, so a ciphertext would never be read. A replica copies its source\'s value from eu-west-1: encrypt for the source parameter instead.',
    ],
    [
      'an environment-agnostic stack without --region',
      encrypt('--parameter', '/agnostic/token', '--account', ACCOUNT),
      'stack Agnostic is environment-agnostic (no env), so the parameter\'s ARN needs its region: pass --region <the region you deploy it to>',
    ],
    ['an environment-agnostic stack without --account', encrypt('--parameter', '/agnostic/token', '--region', 'eu-west-1'), 'needs its account: pass --account'],
    [
      'a region the stack is not in',
      encrypt('--parameter', '/app/prod/payments/api-key', '--region', 'us-east-1'),
      'stack Prod is in region eu-west-1; --region us-east-1 names another, and the ciphertext is bound to one',
    ],
    ['--check of something that is not base64', encrypt('--parameter', '/app/prod/payments/api-key', '--check', 'not base64!'), '--check: the ciphertext is empty or not base64; pass what `npx cdk-secure-parameters encrypt` prints'],
    [
      '--check of something that is not base64, before the key is asked of CloudFormation',
      encrypt('--parameter', '/agnostic/token', '--region', 'eu-west-1', '--account', ACCOUNT, '--check', 'not base64!'),
      '--check: the ciphertext is empty or not base64',
    ],
  ])('%s', async (_case, argv, message) => {
    const run = await runCli(argv, NO_AWS, { stdin: 'value' });
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/hunter2|secret/);
    expect(run.code).toBe(2);
  });

  test.each([
    ['a terminal', { tty: true }, 'the value is read from standard input, not typed at a terminal'],
    ['empty input', { stdin: '' }, 'standard input is empty'],
    ['only a line break', { stdin: '\n' }, 'standard input is empty'],
    ['more than KMS encrypts', { stdin: 'x'.repeat(4097) }, 'the value is 4097 bytes; KMS encrypts at most 4096 bytes'],
    ['a value its allowedPattern refuses', { stdin: 'NOT-lowercase' }, 'the value does not match its allowedPattern ^[a-z0-9-]+$; Parameter Store would refuse it'],
  ])('standard input: %s', async (_case, stdin, message) => {
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key'), NO_AWS, stdin);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('NOT-lowercase');
  });

  // an environment-agnostic stack's key is asked of CloudFormation: refused before that, the input makes no AWS call
  test.each([
    ['a lone continuation byte 0x80', [0x80], 7],
    ['a multibyte sequence cut off at the end', [0x70, 0xe2, 0x82], 8],
    ['a multibyte sequence cut off before the trailing line break', [0xe2, 0x82, 0x0a], 7],
    ['an overlong encoding of / (0xC0 0xAF)', [0xc0, 0xaf, 0x70], 7],
    ['a UTF-16 surrogate encoded as UTF-8 (0xED 0xA0 0x80)', [0xed, 0xa0, 0x80], 7],
    ['a code point above U+10FFFF (0xF4 0x90 0x80 0x80)', [0xf4, 0x90, 0x80, 0x80], 7],
    ['Latin-1 after valid UTF-8', [0xc3, 0xa4, 0xe4], 9],
  ])('standard input that is not UTF-8: %s', async (_case, bytes, offset) => {
    const stdin = Buffer.concat([Buffer.from('hunter2'), Buffer.from(bytes)]);
    const run = await runCli(encrypt('--parameter', '/agnostic/token', '--region', 'eu-west-1', '--account', ACCOUNT), NO_AWS, { stdin });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      `cdk-secure-parameters: standard input is not valid UTF-8: the first ill-formed byte sequence starts at byte offset ${offset} (counting from 0). ` +
        'A SecureString holds UTF-8 text, so these bytes would not be stored unchanged. ' +
        'Convert the value to UTF-8 (e.g. iconv -f <its encoding> -t UTF-8), or store binary data base64-encoded\n',
    );
  });

  test('a SecureString whose template has no value source (written by hand, or by an old version): the same refusal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-assembly-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
      artifacts: { Old: { type: 'aws:cloudformation:stack', environment: `aws://${ACCOUNT}/eu-west-1`, properties: { templateFile: 'Old.template.json' } } },
    }));
    writeFileSync(join(dir, 'Old.template.json'), JSON.stringify({
      Resources: { Token: { Type: PARAMETER_RESOURCE_TYPE, Properties: { Name: '/old/token', KeyId: KEY_ARN } } },
    }));
    const run = await runCli(['encrypt', '--app', dir, '--parameter', '/old/token'], NO_AWS, { stdin: 'value' });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^cdk-secure-parameters: \/old\/token \(Old\/Token\) has a .* value, not SecureValue\.fromCiphertext, so a ciphertext would never be read\. Declare it/);
  });

  test('--help prints the usage on stdout', async () => {
    const run = await runCli(['--help'], NO_AWS);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Usage: cdk-secure-parameters encrypt --parameter <name> [options] < value');
  });
});

describe('what KMS is asked, and how its errors are explained', () => {
  const kms = mockClient(KMSClient);
  const clients: AwsClients = { ...NO_AWS, kms: () => new KMSClient({ region: 'eu-west-1' }) };

  beforeEach(() => kms.reset());
  afterAll(() => kms.restore());

  test('Encrypt: the alias ARN of the template, the parameter ARN as context, the value with one trailing line break dropped', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key'), clients, { stdin: 'api-key-1\r\n' });
    expect(run).toMatchObject({ code: 0, stdout: `${Buffer.from('blob').toString('base64')}\n` });
    const input = kms.commandCalls(EncryptCommand)[0].args[0].input;
    expect(input.KeyId).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app/prod`);
    expect(input.EncryptionContext).toEqual({ PARAMETER_ARN: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/payments/api-key` });
  });

  test('--out writes the ciphertext to the file (directories made), nothing to stdout; the dropped line break is said', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const out = join(mkdtempSync(join(tmpdir(), 'cli-out-')), 'secrets', 'api-key.ciphertext');
    const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod', '--out', out), clients, { stdin: 'v\n' });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(out, 'utf8')).toBe(`${Buffer.from('blob').toString('base64')}\n`);
    expect(run.stderr).toContain('encrypted the value (its trailing line break dropped; --keep-trailing-newline keeps it) for arn:');
    expect(run.stderr).toContain(`into ${out}.`);
  });

  test('--out: a failed run makes no file', async () => {
    kms.on(EncryptCommand).rejects(awsError('DisabledException'));
    const out = join(mkdtempSync(join(tmpdir(), 'cli-out-')), 'api-key.ciphertext');
    const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod', '--out', out), clients, { stdin: 'v' });
    expect(run.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  test('no credentials: said first, when the key is asked of CloudFormation', async () => {
    const cloudformation = mockClient(CloudFormationClient);
    cloudformation.on(DescribeStackResourceCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const withCloudFormation: AwsClients = { ...clients, cloudformation: () => new CloudFormationClient({ region: 'eu-west-1' }) };
    const run = await runCli(encrypt('--parameter', '/agnostic/token', '--region', 'eu-west-1', '--account', ACCOUNT), withCloudFormation, { stdin: 'v' });
    cloudformation.restore();
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('/agnostic/token: no AWS credentials were found. Sign in (aws sso login, or set AWS_PROFILE)');
    expect(run.stderr).toContain('(to ask CloudFormation for the key of stack Agnostic; or pass --key)');
  });

  test('what it says on standard error: the ARN, the key and where it came from, what to do; the value\'s buffer is overwritten', async () => {
    let sent: Uint8Array | undefined;
    kms.on(EncryptCommand).callsFake((input) => {
      sent = input.Plaintext;
      expect(Buffer.from(input.Plaintext).toString('utf8')).toBe('the-value');
      return { CiphertextBlob: Buffer.from('blob') };
    });
    const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod'), clients, { stdin: 'the-value' });
    expect(run).toMatchObject({ code: 0, stdout: `${Buffer.from('blob').toString('base64')}\n` });
    expect(run.stderr).toBe(
      `encrypted the value for arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/shared under arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app/prod ` +
        '(key from the alias alias/app/prod in the template). Commit it and pass it to SecureValue.fromCiphertext(...); it decrypts for this parameter only.\n',
    );
    expect(sent !== undefined && sent.length === 'the-value'.length && sent.every((byte) => byte === 0)).toBe(true);
  });

  test('a failed Encrypt overwrites the value\'s buffer as well', async () => {
    let sent: Uint8Array | undefined;
    kms.on(EncryptCommand).callsFake((input) => {
      sent = input.Plaintext;
      throw awsError('DisabledException', 'key is disabled');
    });
    const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod'), clients, { stdin: 'the-value' });
    expect(run.code).toBe(2);
    expect(sent !== undefined && sent.length === 'the-value'.length && sent.every((byte) => byte === 0)).toBe(true);
  });

  test('a placeholder today: encrypted, and it says to change the value to fromCiphertext', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/app/prod/pending'), clients, { stdin: 'v' });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      / it decrypts for this parameter only\. Its value is a placeholder today: change it to SecureValue\.fromCiphertext\(\.\.\.\) and deploy, and the handler writes this value over it\.\n$/,
    );
  });

  test('--region that names the stack\'s own region is accepted', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key', '--region', 'eu-west-1', '--account', ACCOUNT), clients, { stdin: 'v' });
    expect(run.code).toBe(0);
    expect(kms.commandCalls(EncryptCommand)[0].args[0].input.EncryptionContext).toEqual({ PARAMETER_ARN: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/payments/api-key` });
  });

  test('--out into directories that do not exist yet, two levels deep, and into one that exists', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const root = mkdtempSync(join(tmpdir(), 'cli-out-'));
    const deep = join(root, 'a', 'b', 'api-key.ciphertext');
    const existing = join(root, 'c', 'api-key.ciphertext');
    mkdirSync(join(root, 'c'));
    for (const out of [deep, existing]) {
      const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod', '--out', out), clients, { stdin: 'v' });
      expect(run).toMatchObject({ code: 0, stdout: '' });
      expect(readFileSync(out, 'utf8')).toBe(`${Buffer.from('blob').toString('base64')}\n`);
    }
  });

  test('called without keepTrailingNewline (the library\'s own callers): the trailing line break is dropped', async () => {
    const encryptedPlaintext = capturePlaintext();
    let stderr = '';
    const stdin = Object.assign(Readable.from([Buffer.from('v\n')]), { isTTY: false });
    await encryptCommand({ parameter: '/app/prod/shared', app: outdir, stack: 'Prod' }, { stdin, stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } }, clients);
    expect(encryptedPlaintext()).toBe('v');
    expect(stderr).toContain('(its trailing line break dropped; --keep-trailing-newline keeps it)');
  });

  test('no line break to drop: nothing said about it', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod'), clients, { stdin: 'v' });
    expect(run.stderr).toMatch(/^encrypted the value for arn:/);
  });

  test.each([
    ['a line break', 'v\n', 'v'],
    ['CRLF', 'v\r\n', 'v'],
    ['two line breaks: only one is dropped', 'v\n\n', 'v\n'],
    ['no line break', 'v', 'v'],
    ['spaces are kept', ' v ', ' v '],
  ])('standard input with %s', async (_case, stdin, encrypted) => {
    const encryptedPlaintext = capturePlaintext();
    await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod'), clients, { stdin });
    expect(encryptedPlaintext()).toBe(encrypted);
  });

  test('--keep-trailing-newline encrypts the input exactly', async () => {
    const encryptedPlaintext = capturePlaintext();
    await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod', '--keep-trailing-newline'), clients, { stdin: 'v\n' });
    expect(encryptedPlaintext()).toBe('v\n');
  });

  test.each([
    ['letters, a currency sign and a character outside the BMP', 'pässwörd-€-𝄞'],
    ['the highest code point', '\u{10FFFF}'],
    ['a replacement character given as such', 'a\uFFFDb'],
    ['a byte order mark', '\uFEFFvalue'],
  ])('UTF-8 with %s is encrypted byte for byte', async (_case, value) => {
    let encrypted = Buffer.alloc(0);
    kms.on(EncryptCommand).callsFake((input) => {
      encrypted = Buffer.from(input.Plaintext);
      return { CiphertextBlob: Buffer.from('blob') };
    });
    const run = await runCli(encrypt('--parameter', '/app/prod/shared', '--stack', 'Prod'), clients, { stdin: Buffer.from(value, 'utf8') });
    expect(run.code).toBe(0);
    expect(encrypted.equals(Buffer.from(value, 'utf8'))).toBe(true);
  });

  /** What KMS is asked to encrypt, read when the call is made (the command overwrites its buffer afterwards). */
  function capturePlaintext(): () => string {
    let plaintext = '';
    kms.on(EncryptCommand).callsFake((input) => {
      plaintext = Buffer.from(input.Plaintext).toString('utf8');
      return { CiphertextBlob: Buffer.from('blob') };
    });
    return () => plaintext;
  }

  test('a batched member: the chunk\'s key, the full name in the context', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/app/batched/token'), clients, { stdin: 'v' });
    expect(run.code).toBe(0);
    expect(kms.commandCalls(EncryptCommand)[0].args[0].input).toMatchObject({
      KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app/prod`,
      EncryptionContext: { PARAMETER_ARN: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/batched/token` },
    });
  });

  test.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc'],
  ])('in %s the ARN is of partition %s', async (region, partition) => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/agnostic/token', '--region', region, '--account', ACCOUNT, '--key', 'alias/x'), clients, { stdin: 'v' });
    expect(run.code).toBe(0);
    expect(kms.commandCalls(EncryptCommand)[0].args[0].input.EncryptionContext).toEqual({ PARAMETER_ARN: `arn:${partition}:ssm:${region}:${ACCOUNT}:parameter/agnostic/token` });
  });

  test('a key of another stack: the alias where the key is exported from', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/consumer/token'), clients, { stdin: 'v' });
    expect(run.stderr).toContain('key from the alias alias/app/prod in the template');
    expect(kms.commandCalls(EncryptCommand)[0].args[0].input.KeyId).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app/prod`);
  });

  test('an environment-agnostic stack with --region and --account, its key ARN from the template', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const run = await runCli(encrypt('--parameter', '/agnostic/imported-key', '--region', 'eu-west-1', '--account', '222222222222'), clients, { stdin: 'v' });
    expect(run.code).toBe(0);
    expect(kms.commandCalls(EncryptCommand)[0].args[0].input).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: { PARAMETER_ARN: 'arn:aws:ssm:eu-west-1:222222222222:parameter/agnostic/imported-key' },
    });
  });

  test.each([
    ['DisabledException', 'is disabled. Enable it (aws kms enable-key'],
    ['KMSInvalidStateException', 'Cancel the deletion (aws kms cancel-key-deletion) or finish the import'],
    ['NotFoundException', 'does not exist in this account and region (or the alias names no key). Check --key'],
    ['AccessDeniedException', 'KMS refused kms:Encrypt on'],
    ['KeyUnavailableException', 'is temporarily unavailable. Run this again'],
    ['CredentialsProviderError', 'no AWS credentials were found. Sign in'],
    ['InternalException', 'kms:Encrypt failed with InternalException'],
  ])('Encrypt fails with %s', async (name, message) => {
    kms.on(EncryptCommand).rejects(awsError(name, 'details'));
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key'), clients, { stdin: 'secret-value' });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('cdk-secure-parameters: /app/prod/payments/api-key: ');
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('secret-value');
  });

  test.each([
    ['InvalidCiphertextException', 1, 'the ciphertext does not belong to this parameter'],
    ['IncorrectKeyException', 1, 'the ciphertext was made under another KMS key'],
    ['AccessDeniedException', 2, 'KMS refused kms:Decrypt'],
  ])('--check: Decrypt fails with %s, exit %d', async (name, code, message) => {
    kms.on(DecryptCommand).rejects(awsError(name));
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key', '--check', CIPHERTEXT), clients);
    expect(run).toMatchObject({ code, stdout: '' });
    expect(run.stderr).toContain(message);
  });

  test('--check: a ciphertext of a value that is not UTF-8 (made elsewhere) is a negative answer; the value is overwritten, never printed', async () => {
    const plaintext = Buffer.from([0x68, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x32, 0xff]);
    kms.on(DecryptCommand).resolves({ Plaintext: plaintext });
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key', '--check', CIPHERTEXT), clients);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(
      '/app/prod/payments/api-key: the ciphertext decrypts for this parameter, but its value is not valid UTF-8: the first ill-formed byte sequence starts at byte offset 7',
    );
    expect(run.stderr).toContain('Encrypt the value again as UTF-8 text');
    expect(run.stderr).not.toContain('hunter2');
    expect(plaintext.every((byte) => byte === 0)).toBe(true);
  });

  test('--check decrypts exactly as the handler will, and prints no value', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('secret-value') });
    // as read from a committed file: with its line break
    const run = await runCli(encrypt('--parameter', '/app/prod/payments/api-key', '--check', `${CIPHERTEXT}\n`), clients);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `the ciphertext belongs to /app/prod/payments/api-key: it decrypts under arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app/prod ` +
        `with PARAMETER_ARN=arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/payments/api-key\n`,
    );
    expect(run.stdout + run.stderr).not.toContain('secret-value');
    expect(kms.commandCalls(DecryptCommand)[0].args[0].input).toMatchObject({
      KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app/prod`,
      CiphertextBlob: Buffer.from(CIPHERTEXT, 'base64'),
      EncryptionContext: { PARAMETER_ARN: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/payments/api-key` },
    });
  });
});
