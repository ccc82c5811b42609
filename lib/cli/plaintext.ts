import { CliError } from './cli-error';
import { invalidUtf8Offset } from '../private/utf8';

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
  const problem = utf8Problem(value);
  if (problem !== undefined) {
    throw new CliError(`standard input ${problem}. Convert the value to UTF-8 (e.g. iconv -f <its encoding> -t UTF-8), or store binary data base64-encoded`);
  }
  return { value, droppedLineBreak: value.length !== bytes.length };
}

/**
 * Why `value` cannot be a SecureString's value, when it is not UTF-8: the handler decodes the decrypted
 * bytes as UTF-8, which would replace an ill-formed sequence and so change the secret without a word.
 * Says where, never what the bytes are.
 */
export function utf8Problem(value: Uint8Array): string | undefined {
  const offset = invalidUtf8Offset(value);
  return offset === undefined
    ? undefined
    : `is not valid UTF-8: the first ill-formed byte sequence starts at byte offset ${offset} (counting from 0). ` +
        'A SecureString holds UTF-8 text, so these bytes would not be stored unchanged';
}

function withoutTrailingLineBreak(bytes: Buffer): Buffer {
  if (bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a) {
    return bytes.subarray(0, bytes.length - 2);
  }
  return bytes.length >= 1 && bytes[bytes.length - 1] === 0x0a ? bytes.subarray(0, bytes.length - 1) : bytes;
}
