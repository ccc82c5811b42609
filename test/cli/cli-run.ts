import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { App } from 'aws-cdk-lib';
import { main } from '../../lib/cli/cdk-secure-parameters';
import { AwsClients } from '../../lib/cli/encrypt-command';
import { Clients } from '../../lib/handler/clients';

/** What one run of the command printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Standard input (bytes as given); none is an empty stream. */
  readonly stdin?: string | Buffer;
  /** Standard input is a terminal. */
  readonly tty?: boolean;
}

/** Runs `cdk-secure-parameters <argv>` in this process, with these clients instead of the default chain's. */
export async function runCli(argv: string[], clients: AwsClients, options: RunOptions = {}): Promise<CliRun> {
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]), { isTTY: options.tty ?? false });
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  }, clients);
  return { code, stdout, stderr };
}

/** The command's clients from the handler-style clients of a principal (IAM-checked in the emulator). */
export function commandClients(clients: Clients): AwsClients {
  return { kms: () => clients.kms, cloudformation: () => clients.cloudformation };
}

/** Clients that fail the test if the command calls AWS at all. */
export const NO_AWS: AwsClients = {
  kms: () => {
    throw new Error('the command called KMS');
  },
  cloudformation: () => {
    throw new Error('the command called CloudFormation');
  },
};

/** A fresh App that synthesizes into its own temporary cloud assembly directory, with construct paths as `cdk synth` writes them. */
export function appWithOutdir(): App {
  return new App({ outdir: mkdtempSync(join(tmpdir(), 'cli-assembly-')), context: { 'aws:cdk:enable-path-metadata': true } });
}
