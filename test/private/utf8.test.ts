import { invalidUtf8Offset } from '../../lib/private/utf8';

const fatal = new TextDecoder('utf-8', { fatal: true });

function decodes(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('invalidUtf8Offset', () => {
  test.each([
    ['ASCII', [0x61, 0x62], undefined],
    ['nothing', [], undefined],
    ['a two-byte character (ä)', [0xc3, 0xa4], undefined],
    ['a three-byte character (€)', [0xe2, 0x82, 0xac], undefined],
    ['a four-byte character (𝄞)', [0xf0, 0x9d, 0x84, 0x9e], undefined],
    ['the last code point, U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf], undefined],
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['a multibyte sequence cut off at the end', [0x61, 0xe2, 0x82], 1],
    ['a lead byte followed by ASCII', [0xc3, 0x61], 0],
    ['a three-byte sequence whose third byte is ASCII', [0xe2, 0x82, 0x61], 0],
    ['an overlong two-byte form (0xC0 0xAF)', [0xc0, 0xaf], 0],
    ['an overlong three-byte form (0xE0 0x80 0xAF)', [0xe0, 0x80, 0xaf], 0],
    ['an overlong four-byte form (0xF0 0x80 0x80 0xAF)', [0xf0, 0x80, 0x80, 0xaf], 0],
    ['a UTF-16 surrogate (0xED 0xA0 0x80)', [0x61, 0x62, 0xed, 0xa0, 0x80], 2],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a byte that never occurs (0xFF)', [0xc3, 0xa4, 0xff], 2],
  ])('%s', (_case, bytes, offset) => {
    expect(invalidUtf8Offset(Uint8Array.from(bytes))).toBe(offset);
  });

  // the second byte is where the forms differ (overlongs, surrogates, the top of Unicode); later bytes are
  // continuation bytes or not: every pair, alone and followed by either, covers every rule
  test('the same verdict as TextDecoder with fatal: true, and well-formed bytes before the offset', () => {
    const disagreements: string[] = [];
    for (let first = 0; first < 256; first++) {
      for (let second = 0; second < 256; second++) {
        for (const tail of [[], [0x80], [0x80, 0x80], [0x41], [0x80, 0x41]]) {
          const bytes = Uint8Array.from([first, second, ...tail]);
          const offset = invalidUtf8Offset(bytes);
          if ((offset === undefined) !== decodes(bytes) || (offset !== undefined && !decodes(bytes.subarray(0, offset)))) {
            disagreements.push(Buffer.from(bytes).toString('hex'));
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});
