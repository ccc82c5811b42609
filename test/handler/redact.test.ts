import { redact } from '../../lib/handler/redact';

describe('redact', () => {
  const secret = 'p@ss word/"quoted"';

  test.each([
    ['the secret itself', `value ${secret} here`],
    ['its base64', `value ${Buffer.from(secret).toString('base64')} here`],
    ['its URL encoding', `value ${encodeURIComponent(secret)} here`],
    ['its JSON escaping', `value ${JSON.stringify(secret)} here`],
  ])('removes %s', (_name, text) => {
    const out = redact(text, [secret]);

    expect(out).toContain('***');
    expect(out).not.toContain('p@ss');
    expect(out).not.toContain(Buffer.from(secret).toString('base64'));
  });

  test('leaves text without secrets alone and ignores empty secrets', () => {
    expect(redact('nothing to hide', ['', 'absent'])).toBe('nothing to hide');
  });
});
