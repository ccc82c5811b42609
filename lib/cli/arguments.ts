import { parseArgs } from 'util';
import { CliError } from './cli-error';
import { EncryptOptions } from './encrypt-command';

export const USAGE = `Usage: cdk-secure-parameters encrypt --parameter <name> [options] < value
       cdk-secure-parameters encrypt --parameter <name> --check <ciphertext> [options]

Encrypts the value on standard input for one SecureString of a synthesized app (KMS Encrypt under the
parameter's key, encryption context PARAMETER_ARN=<its ARN>) and prints only the base64 ciphertext, for
SecureValue.fromCiphertext(...). One trailing line break of the input is dropped.

Options:
  --parameter <name>        the parameter's full name, e.g. /myapp/prod/payments/api-key (required)
  --app <dir>               the cloud assembly (default: cdk.out)
  --stack <name>            the stack, when several write the name
  --key <key>               the key ARN, key id or alias (default: the key's alias in the template,
                            else the key ARN the template writes, else the deployed stack's key)
  --region <region>         the region of an environment-agnostic stack
  --account <account>       the account of an environment-agnostic stack
  --out <file>              write the ciphertext to this file (made only on success) instead of stdout
  --check <ciphertext>      tell whether this ciphertext belongs to the parameter; prints no value
  --keep-trailing-newline   encrypt the input exactly, trailing line break included
  --help                    this text
`;

/** The command line, parsed; `undefined` when help was asked. */
export function parseCommandLine(argv: string[]): EncryptOptions | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return undefined;
  }
  if (positionals[0] !== 'encrypt') {
    // only the first word: a mistaken argument after it may be the secret itself
    throw new CliError(`unknown command '${positionals[0] ?? ''}': the command is \`encrypt\`\n\n${USAGE}`);
  }
  if (positionals.length > 1) {
    // not echoed: it may be the value, which the command takes only from standard input
    throw new CliError(`encrypt takes options only, and ${positionals.length - 1} other argument(s) were given; the value comes from standard input\n\n${USAGE}`);
  }
  if (values.parameter === undefined) {
    throw new CliError(`--parameter <name> is required\n\n${USAGE}`);
  }
  return {
    parameter: values.parameter,
    app: values.app ?? 'cdk.out',
    stack: values.stack,
    key: values.key,
    region: values.region,
    account: values.account,
    check: values.check,
    out: values.out,
    keepTrailingNewline: values['keep-trailing-newline'] ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'parameter': { type: 'string' },
      'app': { type: 'string' },
      'stack': { type: 'string' },
      'key': { type: 'string' },
      'region': { type: 'string' },
      'account': { type: 'string' },
      'check': { type: 'string' },
      'out': { type: 'string' },
      'keep-trailing-newline': { type: 'boolean' },
      'help': { type: 'boolean', short: 'h' },
    },
  });
}
