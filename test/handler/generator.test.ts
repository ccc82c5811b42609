import { generateValue } from '../../lib/handler/generator';
import { DEFAULT_GENERATOR_OPTIONS, GeneratorOptions } from '../../lib/private/handler-protocol';

const options = (overrides: Partial<GeneratorOptions>): GeneratorOptions => ({ ...DEFAULT_GENERATOR_OPTIONS, ...overrides });

describe('generateValue', () => {
  test('defaults: 32 characters with each class present', () => {
    for (let i = 0; i < 50; i++) {
      const value = generateValue(DEFAULT_GENERATOR_OPTIONS);
      expect(value).toHaveLength(32);
      expect(value).toMatch(/[a-z]/);
      expect(value).toMatch(/[A-Z]/);
      expect(value).toMatch(/[0-9]/);
      expect(value).toMatch(/[^a-zA-Z0-9]/);
      expect(value).not.toContain(' ');
    }
  });

  test.each([
    ['excludePunctuation', { excludePunctuation: true }, /^[a-zA-Z0-9]+$/],
    ['digits only', { excludeLowercase: true, excludeUppercase: true, excludePunctuation: true }, /^[0-9]+$/],
    ['excludeCharacters', { excludeCharacters: 'abcdefghijklmnopqrstuvwxyz0123456789', excludePunctuation: true }, /^[A-Z]+$/],
    ['includeSpace', { excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true, includeSpace: true }, /^ +$/],
  ])('%s', (_name, overrides, pattern) => {
    expect(generateValue(options({ length: 64, ...overrides }))).toMatch(pattern);
  });

  test('every included character appears over many draws (no class is starved)', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateValue(options({ length: 64 }))).join(''));
    expect(seen.size).toBe(26 + 26 + 10 + 32);
  });

  test('two values differ', () => {
    expect(generateValue(DEFAULT_GENERATOR_OPTIONS)).not.toBe(generateValue(DEFAULT_GENERATOR_OPTIONS));
  });

  test.each([
    ['nothing left to draw from', options({ excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true }), 'the generator options exclude every character'],
    ['too short for each class', options({ length: 2 }), 'a value of length 2 cannot include all 4 required character types'],
  ])('refuses %s', (_name, opts, message) => {
    expect(() => generateValue(opts)).toThrow(message);
  });
});
