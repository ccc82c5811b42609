import { mkdirSync, writeFileSync } from 'fs';
import { dirname, resolve } from 'path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CliError } from './cli-error';
import { AssemblyStack, readAssembly } from './cloud-assembly';
import { ParameterEnvironment, ResolvedKey, deployedResourceLookup, resolveKey } from './key-resolution';
import { explainKmsError } from './kms-errors';
import { AssemblyParameter, assemblyParameters, findParameter, plainParameterNames } from './parameter-lookup';
import { InputStream, readPlaintext, utf8Problem } from './plaintext';
import { parameterArn } from '../handler/request';
import { ENCRYPTION_CONTEXT_KEY, SourceType, ciphertextProblem } from '../private/handler-protocol';

/** What `cdk-secure-parameters encrypt` was asked. */
export interface EncryptOptions {
  /** The parameter's full name. */
  readonly parameter: string;
  /** The cloud assembly directory. */
  readonly app: string;
  readonly stack?: string;
  readonly key?: string;
  /** For an environment-agnostic stack. */
  readonly region?: string;
  /** For an environment-agnostic stack. */
  readonly account?: string;
  /** A committed ciphertext to check instead of encrypting. */
  readonly check?: string;
  /** A file to write the ciphertext to, made only once KMS answered. */
  readonly out?: string;
  readonly keepTrailingNewline?: boolean;
}

/** Where the command reads and writes: the process's streams, or a test's. */
export interface CommandIo {
  readonly stdin: InputStream;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** SDK clients for a region: the default credential chain, or a test's IAM-checked clients. */
export interface AwsClients {
  kms(region: string): KMSClient;
  cloudformation(region: string): CloudFormationClient;
}

/**
 * Encrypts standard input for one parameter of the assembly (KMS Encrypt under its key, with
 * `PARAMETER_ARN=<its ARN>` as encryption context) and prints only the base64 ciphertext; hints go to
 * standard error. With `check`, tells whether that ciphertext decrypts for the parameter, printing no value.
 */
export async function encryptCommand(options: EncryptOptions, io: CommandIo, clients: AwsClients): Promise<void> {
  const stacks = readAssembly(options.app);
  const parameter = findParameter(assemblyParameters(stacks), options.parameter, options.stack, plainParameterNames(stacks));
  const sourceHint = ciphertextSourceHint(parameter);
  const env = environmentOf(parameter.stack, options);
  const arn = parameterArn(`arn:${env.partition}:ssm:${env.region}:${env.account}`, parameter.name);
  // the key may be asked of CloudFormation: only once the input is accepted, so a refusal makes no AWS call
  const target = async (): Promise<EncryptionTarget> => {
    const key = await resolveKey(parameter, env, stacks, options.key, deployedResourceLookup(clients.cloudformation));
    return { name: parameter.name, arn, key, kms: clients.kms(env.region) };
  };
  if (options.check !== undefined) {
    const blob = ciphertextBytes(options.check);
    io.stdout.write(`${await checkCiphertext(await target(), blob)}\n`);
    return;
  }
  const plaintext = await readPlaintext(io.stdin, options.keepTrailingNewline ?? false);
  requireAllowedPattern(parameter, plaintext.value);
  const encryption = await target();
  const ciphertext = await encrypt(encryption, plaintext.value);
  if (options.out === undefined) {
    io.stdout.write(`${ciphertext}\n`);
  } else {
    writeCiphertextFile(options.out, ciphertext);
  }
  const dropped = plaintext.droppedLineBreak ? ' (its trailing line break dropped; --keep-trailing-newline keeps it)' : '';
  io.stderr.write(
    `encrypted the value${dropped} for ${arn} under ${encryption.key.keyId} (key from ${encryption.key.from})${options.out === undefined ? '' : ` into ${options.out}`}. ` +
      `Commit it and pass it to SecureValue.fromCiphertext(...); it decrypts for this parameter only.${sourceHint}\n`,
  );
}

interface EncryptionTarget {
  readonly name: string;
  readonly arn: string;
  readonly key: ResolvedKey;
  readonly kms: KMSClient;
}

async function encrypt(target: EncryptionTarget, plaintext: Buffer): Promise<string> {
  const command = new EncryptCommand({ KeyId: target.key.keyId, Plaintext: plaintext, EncryptionContext: { [ENCRYPTION_CONTEXT_KEY]: target.arn } });
  try {
    const result = await target.kms.send(command);
    return Buffer.from(result.CiphertextBlob ?? new Uint8Array()).toString('base64');
  } catch (err) {
    throw new CliError(`${target.name}: ${explainKmsError(err, { action: 'kms:Encrypt', keyId: target.key.keyId, parameterArn: target.arn })}`);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Decrypts under the parameter's key and encryption context, exactly as the handler will, and keeps
 * nothing of the result but whether it worked and is UTF-8 text (what the handler would store
 * unchanged): the plaintext is overwritten, never printed.
 */
async function checkCiphertext(target: EncryptionTarget, blob: Buffer): Promise<string> {
  const command = new DecryptCommand({ KeyId: target.key.keyId, CiphertextBlob: blob, EncryptionContext: { [ENCRYPTION_CONTEXT_KEY]: target.arn } });
  let plaintext: Uint8Array;
  try {
    plaintext = (await target.kms.send(command)).Plaintext ?? new Uint8Array();
  } catch (err) {
    const name = (err as { name?: string }).name;
    const mismatch = name === 'InvalidCiphertextException' || name === 'IncorrectKeyException';
    throw new CliError(`${target.name}: ${explainKmsError(err, { action: 'kms:Decrypt', keyId: target.key.keyId, parameterArn: target.arn })}`, mismatch ? 1 : 2);
  }
  const problem = utf8Problem(plaintext);
  plaintext.fill(0);
  if (problem !== undefined) {
    // made elsewhere (e.g. aws kms encrypt --plaintext fileb://…): the handler would write a changed value
    throw new CliError(`${target.name}: the ciphertext decrypts for this parameter, but its value ${problem}. Encrypt the value again as UTF-8 text`, 1);
  }
  return `the ciphertext belongs to ${target.name}: it decrypts under ${target.key.keyId} with ${ENCRYPTION_CONTEXT_KEY}=${target.arn}`;
}

/** Only a whole ciphertext reaches the file: a failed run leaves no empty file for the app to read. */
function writeCiphertextFile(file: string, ciphertext: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, `${ciphertext}\n`);
}

/** The same rule as SecureValue.fromCiphertext at synth time. */
function ciphertextBytes(ciphertext: string): Buffer {
  const text = ciphertext.trim();
  const problem = ciphertextProblem(text);
  if (problem !== undefined) {
    throw new CliError(`--check: ${problem}`);
  }
  return Buffer.from(text, 'base64');
}

/**
 * A ciphertext is read only by a `fromCiphertext` value; a placeholder (set by operators) may become one,
 * which is what this command is for. Any other source would never read it: say so, and what to do.
 */
function ciphertextSourceHint(parameter: AssemblyParameter): string {
  const type = parameter.source?.Type;
  if (type === SourceType.CIPHERTEXT) {
    return '';
  }
  if (type === SourceType.PLACEHOLDER) {
    return ' Its value is a placeholder today: change it to SecureValue.fromCiphertext(...) and deploy, and the handler writes this value over it.';
  }
  const replica = type === SourceType.REPLICA
    ? ` A replica copies its source's value from ${parameter.source.SourceRegion}: encrypt for the source parameter instead.`
    : '';
  throw new CliError(
    `${parameter.name} (${parameter.constructPath}) has a ${type} value, not SecureValue.fromCiphertext, so a ciphertext would never be read.${replica} ` +
      'Declare it with value: SecureValue.fromCiphertext(...) (or SecureValue.placeholder() until you have the ciphertext) and run `cdk synth` again',
  );
}

/** The handler would refuse the value at deploy time; say so now, without quoting it. */
function requireAllowedPattern(parameter: AssemblyParameter, plaintext: Buffer): void {
  if (parameter.allowedPattern !== undefined && !new RegExp(parameter.allowedPattern).test(plaintext.toString('utf8'))) {
    throw new CliError(`${parameter.name}: the value does not match its allowedPattern ${parameter.allowedPattern}; Parameter Store would refuse it at deploy`);
  }
}

/** The stack's account and region, or the options' for an environment-agnostic stack (never both, unless equal). */
function environmentOf(stack: AssemblyStack, options: EncryptOptions): ParameterEnvironment {
  const region = settled('region', stack.region, options.region, stack);
  const account = settled('account', stack.account, options.account, stack);
  return { partition: partitionOf(region), region, account };
}

function settled(what: 'region' | 'account', fromStack: string | undefined, fromOption: string | undefined, stack: AssemblyStack): string {
  if (fromStack !== undefined && fromOption !== undefined && fromStack !== fromOption) {
    throw new CliError(`stack ${stack.stackName} is in ${what} ${fromStack}; --${what} ${fromOption} names another, and the ciphertext is bound to one`);
  }
  const value = fromStack ?? fromOption;
  if (value === undefined) {
    throw new CliError(
      `stack ${stack.stackName} is environment-agnostic (no env), so the parameter's ARN needs its ${what}: pass --${what} <the ${what} you deploy it to>`,
    );
  }
  return value;
}

/** Region prefixes of the partitions other than `aws`, as the SDK's partition table has them. */
const PARTITION_PREFIXES: Array<[string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc'],
];

function partitionOf(region: string): string {
  return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}
