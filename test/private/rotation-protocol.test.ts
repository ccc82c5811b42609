import { includedClasses } from '../../lib/private/character-classes';
import { DEFAULT_GENERATOR_OPTIONS, GeneratorOptions } from '../../lib/private/handler-protocol';
import {
  MIN_NOTIFICATION_LEAD_HOURS,
  ROTATIONS_PER_INVOCATION,
  dueAgeSeconds,
  dueLeadSeconds,
  parseRotationOptions,
  recentWriteSeconds,
  rotationOptionsTagValue,
  sweepPeriodHours,
  tickSeconds,
  triggerInterval,
} from '../../lib/private/rotation-protocol';

/** What AWS allows in a tag value: letters, digits, spaces and _ . : / = + - @, at most 256 characters. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const generator = (options: Partial<GeneratorOptions>): GeneratorOptions => ({ ...DEFAULT_GENERATOR_OPTIONS, ...options });

describe('the rotation options tag', () => {
  test.each<[string, Partial<GeneratorOptions>, string]>([
    ['the defaults', {}, 'previous=keep length=32 classes=lunp each=1'],
    ['digits only', { excludeLowercase: true, excludeUppercase: true, excludePunctuation: true, length: 6 }, 'previous=keep length=6 classes=n each=1'],
    ['a space and no required types', { includeSpace: true, requireEachIncludedType: false }, 'previous=keep length=32 classes=lunps each=0'],
    ['excluded characters, deduplicated and sorted', { excludeCharacters: '"/"@' }, `previous=keep length=32 classes=lunp each=1 exclude=${Buffer.from('"/@').toString('base64')}`],
  ])('%s', (_name, options, expected) => {
    expect(rotationOptionsTagValue({ keepPrevious: true, generator: generator(options) })).toBe(expected);
  });

  test('characters the generator never picks are left out: excluding them changes nothing', () => {
    expect(rotationOptionsTagValue({ keepPrevious: false, generator: generator({ excludeCharacters: 'é€\n' }) })).toBe('previous=drop length=32 classes=lunp each=1');
  });

  test('the longest value fits a tag: every option set, every character excluded', () => {
    const options = generator({
      length: 8192,
      excludeCharacters: Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''),
      excludeLowercase: true,
      includeSpace: true,
      requireEachIncludedType: false,
    });
    const value = rotationOptionsTagValue({ keepPrevious: false, generator: options, expireAfterSeconds: 31_536_000 });

    expect(value).toMatch(TAG_VALUE);
    expect(value.length).toBeLessThan(200);
  });

  test.each<Partial<GeneratorOptions>>([
    {},
    { length: 64, excludePunctuation: true },
    { excludeCharacters: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ Il1O0', includeSpace: true },
    { excludeUppercase: true, excludeNumbers: true, requireEachIncludedType: false },
  ])('round-trips %j: the same characters to draw from (the generation aside, which a rotation does not need)', (options) => {
    const written = { keepPrevious: false, generator: generator(options), expireAfterSeconds: 7_776_000 };

    const read = parseRotationOptions(rotationOptionsTagValue(written));

    expect(includedClasses(read.generator)).toEqual(includedClasses(written.generator));
    expect({ ...read, generator: { ...read.generator, excludeCharacters: '' } }).toEqual({ ...written, generator: { ...written.generator, excludeCharacters: '' } });
  });

  test.each(['', 'previous=keep', 'previous=keep length=0 classes=l each=1', 'previous=sometimes length=8 classes=l each=1', 'previous=keep length=8 classes=x each=1'])(
    'a malformed value %j is refused, naming the tag',
    (value) => {
      expect(() => parseRotationOptions(value)).toThrow('the cdk-secure-parameters:rotation-options tag is malformed');
    },
  );
});

describe('triggers', () => {
  test.each([
    ['every-86400', 86400],
    ['before-expiration', undefined],
    ['every-', undefined],
  ])('%s has the interval %s', (trigger, seconds) => {
    expect(triggerInterval(trigger)).toBe(seconds);
  });

  test.each([
    [3600, 1800],
    [7200, 3600],
    [2_592_000, 3600],
  ])('a schedule of %i s: a value the rotator falls behind on rotates at the next tick, at most %i s late', (interval, late) => {
    expect(recentWriteSeconds(interval)).toBe(late);
    // the next tick, and its invocation's 15 minutes
    expect(tickSeconds(interval, 1) + 900).toBeLessThanOrEqual(late);
  });

  test.each([
    // [interval, members, tick, lead]: a quarter of the interval, at most 45 minutes; 15 minutes past one invocation's 1,560
    [3600, 1, 900, 1800],
    [3600, 1_560, 900, 1800],
    [7200, 1_561, 900, 2700],
    [7200, 1_560, 1800, 3600],
    [86_400, 1, 2700, 5400],
    [86_400, 8_000, 900, 6300],
    [2_592_000, 8_000, 900, 6300],
  ])('a schedule of %i s with %i parameters ticks every %i s, and a value is due %i s before its interval ends', (interval, members, tick, lead) => {
    expect(ROTATIONS_PER_INVOCATION).toBe(1_560);
    expect(tickSeconds(interval, members)).toBe(tick);
    expect(dueLeadSeconds(members, tick)).toBe(lead);
    expect(dueAgeSeconds(interval, members, tick)).toBe(interval - lead);
  });

  test('a value is never due before it is half its interval old, however large the lead', () => {
    expect(dueAgeSeconds(3600, 8_000, 900)).toBe(1800);
  });

  test.each([
    [MIN_NOTIFICATION_LEAD_HOURS, 1],
    [3, 1],
    [5, 2],
    [12, 6],
    [47, 23],
    [48, 24],
    [14 * 24, 24],
  ])('the shortest lead %i h: the sweep runs every %i h, twice within it', (lead, period) => {
    expect(sweepPeriodHours(lead)).toBe(period);
    expect(2 * period).toBeLessThanOrEqual(lead);
  });
});
