#!/usr/bin/env node
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { USAGE, parseCommandLine } from './arguments';
import { CliError } from './cli-error';
import { AwsClients, CommandIo, encryptCommand } from './encrypt-command';

/** Clients with the SDK's default credentials chain and configuration (profile, environment, SSO). */
const DEFAULT_CLIENTS: AwsClients = {
  kms: (region) => new KMSClient({ region }),
  cloudformation: (region) => new CloudFormationClient({ region }),
};

/**
 * The `cdk-secure-parameters` command of the npm package, bundled with its SDK clients (see .projenrc.ts):
 * a library user who never runs it gets no runtime dependency from it. Exit codes: 0 done, 1 `--check`
 * found the ciphertext is not the parameter's, 2 anything the message asks to fix.
 */
export async function main(argv: string[], io: CommandIo, clients: AwsClients = DEFAULT_CLIENTS): Promise<number> {
  try {
    const options = parseCommandLine(argv);
    if (options === undefined) {
      io.stdout.write(USAGE);
      return 0;
    }
    await encryptCommand(options, io, clients);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`cdk-secure-parameters: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

if (require.main === module) {
  // the SDK's Node.js support notice (7 lines on stderr under Node 20) is not the user's concern here
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2), process).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cdk-secure-parameters: unexpected error: ${(err as Error).message ?? err}\n`);
      process.exitCode = 2;
    },
  );
}
