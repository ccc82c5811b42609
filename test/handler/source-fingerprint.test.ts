import { canonicalJson, canonicalSource, sameSource, sourceLabel } from '../../lib/handler/source-fingerprint';
import { SourceProperties } from '../../lib/private/handler-protocol';

const generated = (options?: string): SourceProperties => ({ Type: 'generated', Options: options });
const replica = (region: string, version: string | undefined, revision = 'r'): SourceProperties => ({ Type: 'replica', SourceRegion: region, SourceVersion: version, Revision: revision });

describe('sameSource', () => {
  test.each<[string, SourceProperties, SourceProperties]>([
    ['options in another order', generated('{"length":40,"excludePunctuation":true}'), generated('{"excludePunctuation":true,"length":40}')],
    ['defaults written out', generated(), generated('{"length":32,"excludeCharacters":"","generation":1,"includeSpace":false}')],
    ['ciphertext with other base64 line breaks', { Type: 'ciphertext', Ciphertext: 'AAEC\nAwQF' }, { Type: 'ciphertext', Ciphertext: 'AAECAwQF' }],
    ['a secret without a field, the field left out or undefined', { Type: 'secret', SecretArn: 'arn:s' }, { Type: 'secret', SecretArn: 'arn:s', JsonField: undefined }],
    // a replica's label names the source version it holds: a new Revision alone copies nothing again
    ['a replica of one source version under another revision', replica('eu-west-1', '7', 'r1'), replica('eu-west-1', '7', 'r2')],
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
    ['two secret fields', { Type: 'secret', SecretArn: 'arn:a', JsonField: 'password' }, { Type: 'secret', SecretArn: 'arn:a', JsonField: 'username' }],
    ['another text', { Type: 'plaintext', Text: 'a' }, { Type: 'plaintext', Text: 'b' }],
    ['placeholder and plain text with one text', { Type: 'placeholder', Text: 'a' }, { Type: 'plaintext', Text: 'a' }],
    ['a replica of another source version', replica('eu-west-1', '7'), replica('eu-west-1', '8')],
    ['a replica of another source region', replica('eu-west-1', '7'), replica('eu-central-1', '7')],
    ['a replica before the handler read its source', replica('eu-west-1', undefined), replica('eu-west-1', '1')],
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

describe('canonicalSource without the optional text', () => {
  test.each<[string, SourceProperties, SourceProperties]>([
    ['ciphertext', { Type: 'ciphertext' }, { Type: 'ciphertext', Ciphertext: '' }],
    ['placeholder', { Type: 'placeholder' }, { Type: 'placeholder', Text: '' }],
  ])('%s: the same as an empty one', (_name, absent, empty) => {
    expect(canonicalSource(absent)).toBe(canonicalSource(empty));
  });

  test('secret: its ARN and field as they are', () => {
    expect(canonicalSource({ Type: 'secret', SecretArn: 'arn:a', JsonField: 'password' })).toBe('{"jsonField":"password","secretArn":"arn:a","type":"secret"}');
  });
});

describe('canonicalJson', () => {
  test.each<[string, unknown, string]>([
    ['keys sorted at every level', { b: 1, a: { d: 2, c: 3 } }, '{"a":{"c":3,"d":2},"b":1}'],
    ['keys in reverse order', { e: 1, d: 2, c: 3, b: 4, a: 5 }, '{"a":5,"b":4,"c":3,"d":2,"e":1}'],
    ['arrays keep their order, their objects sorted', [{ b: 1, a: 2 }, [3, 1]], '[{"a":2,"b":1},[3,1]]'],
    ['undefined members left out', { a: undefined, b: null }, '{"b":null}'],
  ])('%s', (_name, value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });
});

describe('sourceLabel', () => {
  test('fits Parameter Store label rules: at most 100 letters, digits, . - _, not starting with a digit, aws or ssm', () => {
    const label = sourceLabel(generated());

    expect(label).toMatch(/^src-[0-9a-f]{40}$/);
    expect(label.length).toBeLessThanOrEqual(100);
  });
});
