/**
 * The well-formed UTF-8 byte sequences (The Unicode Standard, Table 3-7), by lead byte: the range of the
 * second byte, and how many bytes the sequence has. Every later byte is a continuation byte 0x80-0xBF.
 * The narrowed second-byte ranges refuse overlong forms (0xE0, 0xF0), UTF-16 surrogates (0xED) and code
 * points above U+10FFFF (0xF4); 0x80-0xC1 and 0xF5-0xFF never lead.
 */
const MULTIBYTE_SEQUENCES: ReadonlyArray<{ lead: [number, number]; second: [number, number]; length: number }> = [
  { lead: [0xc2, 0xdf], second: [0x80, 0xbf], length: 2 },
  { lead: [0xe0, 0xe0], second: [0xa0, 0xbf], length: 3 },
  { lead: [0xe1, 0xec], second: [0x80, 0xbf], length: 3 },
  { lead: [0xed, 0xed], second: [0x80, 0x9f], length: 3 },
  { lead: [0xee, 0xef], second: [0x80, 0xbf], length: 3 },
  { lead: [0xf0, 0xf0], second: [0x90, 0xbf], length: 4 },
  { lead: [0xf1, 0xf3], second: [0x80, 0xbf], length: 4 },
  { lead: [0xf4, 0xf4], second: [0x80, 0x8f], length: 4 },
];

/**
 * The offset of the first byte where `bytes` stop being well-formed UTF-8 (the start of the first
 * ill-formed sequence), or `undefined` when they are UTF-8 throughout. The same verdict as
 * `new TextDecoder('utf-8', { fatal: true })`, which does not say where; and no part of a secret is
 * copied into a string, which could not be overwritten afterwards.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  for (let offset = 0; offset < bytes.length;) {
    const length = sequenceLengthAt(bytes, offset);
    if (length === 0) {
      return offset;
    }
    offset += length;
  }
  return undefined;
}

/** The length of the well-formed sequence that starts at `offset`, or 0 when none does. */
function sequenceLengthAt(bytes: Uint8Array, offset: number): number {
  const lead = bytes[offset];
  if (lead < 0x80) {
    return 1;
  }
  const form = MULTIBYTE_SEQUENCES.find((f) => within(lead, f.lead));
  if (form === undefined || offset + form.length > bytes.length || !within(bytes[offset + 1], form.second)) {
    return 0;
  }
  for (let i = 2; i < form.length; i++) {
    if (!within(bytes[offset + i], [0x80, 0xbf])) {
      return 0;
    }
  }
  return form.length;
}

function within(byte: number, [low, high]: [number, number]): boolean {
  return byte >= low && byte <= high;
}
