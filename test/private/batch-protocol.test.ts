import { chunkOf, decodeNameSet, encodeNameSet, nameHash } from '../../lib/private/batch-protocol';

/** Names shaped like a hierarchy's members: what the hash sees in a real batch. */
const names = (count: number) => Array.from({ length: count }, (_, i) => `/app/prod/svc${i % 7}/param-${i}`);

/** How far a count may stray from its expectation: three standard deviations of the binomial. */
const threeSigma = (trials: number, p: number) => 3 * Math.sqrt(trials * p * (1 - p));

describe('chunkOf', () => {
  test('is stable: the same name, the same chunk, call after call', () => {
    for (const name of names(200)) {
      expect(chunkOf(name, 7)).toBe(chunkOf(name, 7));
    }
    // pinned, so that a change of hash (which would move every member of every deployed batch) cannot pass unseen
    expect([1, 2, 3, 5, 8].map((n) => chunkOf('/app/prod/db/password', n))).toEqual([0, 1, 1, 1, 5]);
  });

  test('one chunk holds everything', () => {
    expect(new Set(names(500).map((n) => chunkOf(n, 1)))).toEqual(new Set([0]));
  });

  test.each([2, 3, 10, 64])('every result is a chunk: 0 to %i - 1, each of them used', (chunks) => {
    const results = names(2_000).map((n) => chunkOf(n, chunks));
    expect(results.every((c) => Number.isInteger(c) && c >= 0 && c < chunks)).toBe(true);
    expect(new Set(results).size).toBe(chunks);
  });

  test('going from n to n + 1 chunks moves only members into the new chunk n, about 1 / (n + 1) of them', () => {
    const all = names(2_000);
    for (let n = 1; n <= 12; n++) {
      const moved = all.filter((name) => chunkOf(name, n + 1) !== chunkOf(name, n));
      expect({ n, movedElsewhere: moved.filter((name) => chunkOf(name, n + 1) !== n) }).toEqual({ n, movedElsewhere: [] });
      const expected = all.length / (n + 1);
      expect(Math.abs(moved.length - expected)).toBeLessThanOrEqual(threeSigma(all.length, 1 / (n + 1)));
    }
  });

  test.each([
    [5, 4],
    [5, 1],
    [12, 7],
    [3, 2],
  ])('going down from %i to %i chunks moves only the members of the removed chunks', (from, to) => {
    const all = names(2_000);
    const stayed = all.filter((name) => chunkOf(name, from) < to);
    expect(stayed.filter((name) => chunkOf(name, to) !== chunkOf(name, from))).toEqual([]);
    // and the members of removed chunks all land in a remaining one
    expect(all.every((name) => chunkOf(name, to) < to)).toBe(true);
  });

  test('spreads 5,000 names over 5 chunks within 5% of 1,000 each', () => {
    const counts = [0, 0, 0, 0, 0];
    for (const name of names(5_000)) counts[chunkOf(name, 5)]++;
    for (const count of counts) {
      expect(Math.abs(count - 1_000)).toBeLessThanOrEqual(50);
    }
  });

  test('`a` and `/a` are one parameter: one chunk, one hash', () => {
    for (const name of ['a', 'token', 'db-password']) {
      for (const chunks of [2, 5, 11]) {
        expect(chunkOf(`/${name}`, chunks)).toBe(chunkOf(name, chunks));
      }
      expect(nameHash(`/${name}`)).toBe(nameHash(name));
    }
    // a name with more levels keeps its leading slash, so only one-level names are folded
    expect(nameHash('/app/a')).not.toBe(nameHash('app/a'));
  });
});

describe('encodeNameSet / decodeNameSet', () => {
  test('round trip: the decoded set holds the hash of every name, and nothing else', () => {
    const all = names(300);
    const decoded = decodeNameSet(encodeNameSet(all));

    expect(decoded).toEqual(new Set(all.map(nameHash)));
    expect(decoded.has(nameHash('/app/prod/not-a-member'))).toBe(false);
  });

  test('4 bytes per distinct name: duplicates, and `a` with `/a`, collapse', () => {
    const encoded = encodeNameSet(['a', '/a', 'b', 'b', '/app/c']);

    expect(Buffer.from(encoded, 'base64')).toHaveLength(12);
    expect(decodeNameSet(encoded)).toEqual(new Set([nameHash('a'), nameHash('b'), nameHash('/app/c')]));
  });

  test('the order of the names does not change the encoding (a template stays the same)', () => {
    const all = names(50);

    expect(encodeNameSet([...all].reverse())).toBe(encodeNameSet(all));
  });

  test('the empty set is the empty string, and decodes to an empty set', () => {
    expect(encodeNameSet([])).toBe('');
    expect(decodeNameSet('')).toEqual(new Set());
  });
});
