import { canonicalSource, sameSource, sourceLabel } from '../../lib/handler/source-fingerprint';
import { SourceProperties } from '../../lib/private/handler-protocol';

const generated = (options?: string): SourceProperties => ({ Type: 'generated', Options: options });

describe('sameSource', () => {
  test.each<[string, SourceProperties, SourceProperties]>([
    ['options in another order', generated('{"length":40,"excludePunctuation":true}'), generated('{"excludePunctuation":true,"length":40}')],
    ['defaults written out', generated(), generated('{"length":32,"excludeCharacters":"","generation":1,"includeSpace":false}')],
    ['ciphertext with other base64 line breaks', { Type: 'ciphertext', Ciphertext: 'AAEC\nAwQF' }, { Type: 'ciphertext', Ciphertext: 'AAECAwQF' }],
    ['a secret without a field, the field left out or undefined', { Type: 'secret', SecretArn: 'arn:s' }, { Type: 'secret', SecretArn: 'arn:s', JsonField: undefined }],
  ])('the same: %s', (_name, a, b) => {
    expect(sameSource(a, b)).toBe(true);
    expect(sourceLabel(a)).toBe(sourceLabel(b));
  });

  test.each<[string, SourceProperties, SourceProperties]>([
    ['another generation', generated('{"generation":2}'), generated()],
    ['another length', generated('{"length":33}'), generated()],
    ['another ciphertext', { Type: 'ciphertext', Ciphertext: 'AAEC' }, { Type: 'ciphertext', Ciphertext: 'AAED' }],
    ['another secret', { Type: 'secret', SecretArn: 'arn:a' }, { Type: 'secret', SecretArn: 'arn:b' }],
    ['another secret field', { Type: 'secret', SecretArn: 'arn:a', JsonField: 'password' }, { Type: 'secret', SecretArn: 'arn:a' }],
    ['another text', { Type: 'plaintext', Text: 'a' }, { Type: 'plaintext', Text: 'b' }],
    ['placeholder and plain text with one text', { Type: 'placeholder', Text: 'a' }, { Type: 'plaintext', Text: 'a' }],
  ])('different: %s', (_name, a, b) => {
    expect(sameSource(a, b)).toBe(false);
    expect(sourceLabel(a)).not.toBe(sourceLabel(b));
  });

  test('no previous source is never the same', () => {
    expect(sameSource(undefined, generated())).toBe(false);
  });
});

describe('canonicalSource', () => {
  test('generated: every option with its default, keys sorted', () => {
    expect(canonicalSource(generated('{"length":12,"generation":3}'))).toBe(
      '{"options":{"excludeCharacters":"","excludeLowercase":false,"excludeNumbers":false,"excludePunctuation":false,' +
        '"excludeUppercase":false,"generation":3,"includeSpace":false,"length":12,"requireEachIncludedType":true},"type":"generated"}',
    );
  });

  test.each([
    ['plaintext', 'Tr0ub4dor&3'],
    ['placeholder', 'set me please'],
  ])('%s: a digest of the text, never the text', (type, text) => {
    const canonical = canonicalSource({ Type: type, Text: text });

    expect(canonical).not.toContain(text);
    expect(canonical).toMatch(new RegExp(`^\\{"text":"[0-9a-f]{64}","type":"${type}"\\}$`));
  });
});

describe('sourceLabel', () => {
  test('fits Parameter Store label rules: at most 100 letters, digits, . - _, not starting with a digit, aws or ssm', () => {
    const label = sourceLabel(generated());

    expect(label).toMatch(/^src-[0-9a-f]{40}$/);
    expect(label.length).toBeLessThanOrEqual(100);
  });
});
