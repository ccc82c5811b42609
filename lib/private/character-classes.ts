/**
 * Character classes of generated values, the same as Secrets Manager's GetRandomPassword uses.
 * Shared by synth-time validation and the deploy-time generator.
 */
import { GeneratorOptions } from './handler-protocol';

export const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const NUMBERS = '0123456789';
export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** The non-empty character classes the options allow, each without the excluded characters. */
export function includedClasses(options: GeneratorOptions): string[] {
  const classes = [
    options.excludeLowercase ? '' : LOWERCASE,
    options.excludeUppercase ? '' : UPPERCASE,
    options.excludeNumbers ? '' : NUMBERS,
    options.excludePunctuation ? '' : PUNCTUATION,
    options.includeSpace ? ' ' : '',
  ];
  const excluded = new Set(options.excludeCharacters);
  return classes
    .map((chars) => [...chars].filter((c) => !excluded.has(c)).join(''))
    .filter((chars) => chars.length > 0);
}
