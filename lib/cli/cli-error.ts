/**
 * An error the command explains to its user: the message says what was wrong and what to do, and never
 * carries the plaintext. `exitCode` 2 is a usage or setup problem; 1 is a negative answer of `--check`.
 */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number = 2) {
    super(message);
    this.name = 'CliError';
  }
}
