import { canonicalParameterName, ownerTagValue } from '../../lib/private/handler-protocol';

describe('canonicalParameterName', () => {
  test.each([
    ['a', 'a'],
    ['/a', 'a'],
    ['/app/db', '/app/db'],
    ['/app/prod/db', '/app/prod/db'],
  ])('%s is %s', (name, canonical) => {
    expect(canonicalParameterName(name)).toBe(canonical);
  });
});

describe('ownerTagValue', () => {
  test('stack name and logical id when they fit in a tag value', () => {
    expect(ownerTagValue('my-stack', 'DbPasswordA1B2C3D4')).toBe('my-stack/DbPasswordA1B2C3D4');
  });

  test('cut to 256 characters with a hash that keeps two long logical ids apart', () => {
    const stack = 's'.repeat(128);
    const a = ownerTagValue(stack, `${'x'.repeat(200)}A`);
    const b = ownerTagValue(stack, `${'x'.repeat(200)}B`);
    expect(a).toHaveLength(256);
    expect(a.startsWith(`${stack}/xxx`)).toBe(true);
    expect(a).toMatch(/~[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});
