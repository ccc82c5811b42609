import { SimulationResult, simulateRotation } from './rotation-simulation';
import { ROTATIONS_PER_INVOCATION, ROTATOR_WRITES_PER_SECOND, dueAgeSeconds, tickSeconds } from '../../lib/private/rotation-protocol';

/**
 * The rotator's schedule at the size the library allows (a batched hierarchy holds 8,000 members), on a simulated
 * clock: ticks, the rotator's invocations with their 15 minutes, its pacer, and PutParameter behind a token bucket.
 */
const N = 8_000;
const DAY = 86_400;
const TICK = tickSeconds(DAY, N);
const DUE_AGE = dueAgeSeconds(DAY, N, TICK);
/** The rotator's pace: the time N writes take at it. */
const IDEAL = N / ROTATOR_WRITES_PER_SECOND;

/** A deterministic shuffle of 0..n-1: the members' ages are not in their names' (nor the listing's) order. */
const shuffled = (i: number, n: number) => (i * 7919) % n;

beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

/** The writes of each member, in order. */
function writesByName(result: SimulationResult): Map<string, number[]> {
  const byName = new Map<string, number[]>();
  for (const w of result.writes) byName.set(w.name, [...(byName.get(w.name) ?? []), w.at]);
  return byName;
}

describe(`${N.toLocaleString('en-US')} members on a daily schedule, all due at once just after a tick (a deploy wrote them together a day ago)`, () => {
  let result: SimulationResult;
  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    // all due within 40 s after the first tick: the backlog the lead must cover, the tick that has just passed included
    result = await simulateRotation({
      members: N,
      intervalSeconds: DAY,
      ageAtStart: (i) => DUE_AGE - 60 + shuffled(i, N) * 0.005,
      // two days' ticks: every member's first rotation, and its second
      durationSeconds: DAY + 2 * 3600,
    });
  }, 120_000);
  const firstCycle = () => result.writes.filter((w) => w.at < DAY / 2);
  const rotatingTicks = () => result.ticks.filter((t) => t.summary.rotated > 0 && t.at < DAY / 2);

  test('the schedule ticks every 15 minutes, back to back, and a value is due 1 hour 45 minutes before its day ends', () => {
    expect(result.tickSeconds).toBe(900);
    expect(DAY - result.dueAgeSeconds).toBe(6 * 900 + 900);
  });

  test('a tick rotates fewer than all of them (about 1,750 of 8,000), yet none starves: every member rotates once, over five ticks', () => {
    const ticks = rotatingTicks();
    expect(ticks.length).toBe(5);
    for (const t of ticks.slice(0, -1)) {
      expect(t.summary.rotated).toBeGreaterThanOrEqual(ROTATIONS_PER_INVOCATION);
      expect(t.summary.rotated).toBeLessThan(N);
    }
    const names = firstCycle().map((w) => w.name);
    expect(new Set(names).size).toBe(N);
    expect(names).toHaveLength(N);
  });

  test('the oldest first: each write replaces a value at least as old, at the start, as the next write\'s', () => {
    const agesAtStart = firstCycle().map((w) => w.age - w.at);
    for (let k = 1; k < agesAtStart.length; k++) {
      expect(agesAtStart[k]).toBeLessThanOrEqual(agesAtStart[k - 1]);
    }
  });

  test('every value rotates before it is a day old, with no failure, no overdue value and no throttled write', () => {
    expect(Math.max(...result.writes.map((w) => w.age))).toBeLessThan(DAY);
    expect(result.ticks.flatMap((t) => t.summary.failures)).toEqual([]);
    expect(result.ticks.map((t) => t.summary.overdue).reduce((a, b) => a + b)).toBe(0);
    expect(result.throttled).toBe(0);
  });

  test(`at the rotator's pace: the invocations write for at most 1.1 × N / ${ROTATOR_WRITES_PER_SECOND} writes per second (${IDEAL} s), and finish within that from the first due tick`, () => {
    const ticks = rotatingTicks();
    const busy = ticks.reduce((sum, t) => sum + (t.endedAt - t.at), 0);
    const elapsed = Math.max(...firstCycle().map((w) => w.at)) - ticks[0].at;
    expect(busy).toBeLessThanOrEqual(1.1 * IDEAL);
    expect(elapsed).toBeLessThanOrEqual(1.1 * IDEAL);
  });

  test('the next day, each member rotates again, never twice within its interval less the lead', () => {
    for (const [, at] of writesByName(result)) {
      expect(at).toHaveLength(2);
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(DUE_AGE);
    }
  });
});

describe('another writer takes 2 of the account\'s 3 PutParameter calls per second for the first hour', () => {
  const COMPETED = 3600;
  let result: SimulationResult;
  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    // the retries of throttled writes wait in real time: a few milliseconds
    jest.spyOn(Math, 'random').mockReturnValue(0.001);
    result = await simulateRotation({
      members: N,
      intervalSeconds: DAY,
      ageAtStart: (i) => DUE_AGE - 60 + shuffled(i, N) * 0.005,
      durationSeconds: 12 * TICK,
      putTps: (at) => (at < COMPETED ? 1 : 3),
    });
  }, 120_000);
  const competedTicks = () => result.ticks.filter((t) => t.at > 0 && t.at < COMPETED);

  test('the rotator yields: it writes within what the other writer leaves, and few of its writes are throttled', () => {
    const writes = result.writes.filter((w) => w.at < COMPETED).length;
    for (const t of competedTicks()) {
      // at most the 1 call per second left in the invocation's 15 minutes, at least half of it
      expect(t.summary.rotated).toBeLessThanOrEqual(900);
      expect(t.summary.rotated).toBeGreaterThanOrEqual(450);
    }
    expect(result.throttled).toBeLessThan(0.15 * writes);
  });

  test('then it goes back to its pace, and every member rotates once, with no failure, at most minutes past its interval', () => {
    expect(result.ticks.find((t) => t.at === COMPETED)?.summary.rotated).toBeGreaterThanOrEqual(ROTATIONS_PER_INVOCATION);
    expect(result.ticks.flatMap((t) => t.summary.failures)).toEqual([]);
    expect([...writesByName(result).values()].map((at) => at.length)).toEqual(Array(N).fill(1));
    expect(Math.max(...result.writes.map((w) => w.age))).toBeLessThan(DAY + 15 * 60);
  });
});
