import { randomInt } from 'crypto';
import { includedClasses } from '../private/character-classes';
import { GeneratorOptions } from '../private/handler-protocol';

/**
 * A random value drawn with the platform CSPRNG (`crypto.randomInt`, uniform, no modulo bias).
 * With `requireEachIncludedType`, one character of each included class is placed first and the
 * whole value is then shuffled, so no position is predictable.
 */
export function generateValue(options: GeneratorOptions): string {
  const classes = includedClasses(options);
  const pool = classes.join('');
  if (pool.length === 0) {
    throw new Error('the generator options exclude every character');
  }
  const required = options.requireEachIncludedType ? classes.map(pick) : [];
  if (required.length > options.length) {
    throw new Error(`a value of length ${options.length} cannot include all ${required.length} required character types`);
  }
  const chars = [...required];
  while (chars.length < options.length) {
    chars.push(pick(pool));
  }
  return shuffle(chars).join('');
}

function pick(chars: string): string {
  return chars[randomInt(chars.length)];
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
