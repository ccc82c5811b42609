import { CliError } from './cli-error';

/** KMS Encrypt takes at most this many bytes of plaintext. */
export const MAX_PLAINTEXT_BYTES = 4096;

/** The value read, and whether a trailing line break was dropped from it (said on standard error). */
export interface Plaintext {
  readonly value: Buffer;
  readonly droppedLineBreak: boolean;
}

/** Standard input, as the command reads it. */
export interface InputStream extends AsyncIterable<Buffer | string> {
  readonly isTTY?: boolean;
}

/**
 * The value to encrypt, from standard input: never from an argument, which shell history and `ps` would
 * keep. One trailing line break (`\n` or `\r\n`) is dropped, since `echo`, a heredoc and most editors add
 * one that is not part of the secret; `keepTrailingNewline` keeps the bytes exactly as given.
 */
export async function readPlaintext(input: InputStream, keepTrailingNewline: boolean): Promise<Plaintext> {
  if (input.isTTY) {
    throw new CliError(
      'the value is read from standard input, not typed at a terminal (it would stay on screen): ' +
        "pipe it in, e.g. printf '%s' \"$VALUE\" | npx --no-install cdk-secure-parameters encrypt …, or < value-file",
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  const bytes = Buffer.concat(chunks);
  const value = keepTrailingNewline ? bytes : withoutTrailingLineBreak(bytes);
  if (value.length === 0) {
    throw new CliError('standard input is empty: Parameter Store cannot store an empty value. Pipe the value in');
  }
  if (value.length > MAX_PLAINTEXT_BYTES) {
    throw new CliError(`the value is ${value.length} bytes; KMS encrypts at most ${MAX_PLAINTEXT_BYTES} bytes. Store a larger value in Secrets Manager`);
  }
  return { value, droppedLineBreak: value.length !== bytes.length };
}

function withoutTrailingLineBreak(bytes: Buffer): Buffer {
  if (bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a) {
    return bytes.subarray(0, bytes.length - 2);
  }
  return bytes.length >= 1 && bytes[bytes.length - 1] === 0x0a ? bytes.subarray(0, bytes.length - 1) : bytes;
}
