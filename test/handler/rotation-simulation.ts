import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, STACK_ID, awsError } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { RotationSummary, runRotation } from '../../lib/handler/rotation-run';
import { PacerClock, WritePacer } from '../../lib/handler/write-pacer';
import { OWNER_TAG_KEY, canonicalParameterName } from '../../lib/private/handler-protocol';
import {
  ROTATION_OPTIONS_TAG_KEY,
  ROTATION_TAG_KEY,
  ROTATOR_WRITES_PER_SECOND,
  dueAgeSeconds,
  everyTrigger,
  tickSeconds,
} from '../../lib/private/rotation-protocol';

/** The rotator's floor when other writers throttle it (rotator.lambda.ts). */
const MIN_WRITES_PER_SECOND = 0.25;
/** The Lambda's remaining time at the start of an invocation, less the rotator's end margin (rotator.lambda.ts). */
const LAMBDA_WORK_MS = 880_000;
const STACK = 'AppStack';
const OWNER_LOGICAL_ID = 'HierarchyBatchChunk0';
const SOURCE_LABEL = 'src-0123456789abcdef0123456789abcdef01234567';

/** A rotating schedule of one stack, on a simulated clock. */
export interface RotationSimulation {
  /** Parameters on the schedule (the members of a batched hierarchy). */
  readonly members: number;
  readonly intervalSeconds: number;
  /** Each member's age at the simulation's start, in seconds, by its index. */
  readonly ageAtStart: (index: number) => number;
  /** How long to simulate, in seconds: a tick at the start and every tick after it. */
  readonly durationSeconds: number;
  /** PutParameter calls per second the account has left for the rotator at a time (seconds from the start); 3 by default. */
  readonly putTps?: (atSeconds: number) => number;
}

/** One PutParameter the store accepted. */
export interface SimulatedWrite {
  readonly name: string;
  /** Seconds from the start. */
  readonly at: number;
  /** The replaced value's age, in seconds. */
  readonly age: number;
}

/** One tick's invocation. */
export interface SimulatedTick {
  /** Seconds from the start. */
  readonly at: number;
  /** When its invocation returned, in seconds from the start. */
  readonly endedAt: number;
  readonly summary: RotationSummary;
}

export interface SimulationResult {
  readonly tickSeconds: number;
  readonly dueAgeSeconds: number;
  readonly writes: readonly SimulatedWrite[];
  readonly ticks: readonly SimulatedTick[];
  /** PutParameter calls the token bucket refused. */
  readonly throttled: number;
  /** Each member's name, by its index. */
  readonly names: readonly string[];
}

/**
 * The rotator as deployed, on a simulated clock: the members as a batched hierarchy leaves them (owner, rotation and
 * options tags) in a FakeParameterStore (answering directly, without the mocks' call history), the schedule's rule ticking at the period the synth gives them, each tick one
 * invocation of runRotation with the tick's input, the rotator's yielding pacer and a Lambda's 15 minutes, and
 * PutParameter behind a token bucket (1 s of burst, like bench/throttling-proxy.ts) on the same clock. Nothing waits in
 * real time: the pacer's waits move the clock. Throttled writes are retried by the real retry loop: keep Math.random
 * small in tests, its waits are real.
 */
export async function simulateRotation(sim: RotationSimulation): Promise<SimulationResult> {
  const clock = new SimulatedClock();
  const store = new FakeParameterStore({ now: () => new Date(clock.time) });
  try {
    const names = seed(store, sim, clock.time);
    const writes: SimulatedWrite[] = [];
    const bucket = new TokenBucket(sim.putTps ?? (() => 3), clock.start);
    let throttled = 0;
    const clients = store.directClients(new Map([[PutParameterCommand, (input: any) => {
      if (!bucket.take(clock.time)) {
        throttled++;
        throw awsError('ThrottlingException', 'Rate exceeded');
      }
      const lastModified = store.parameters.get(canonicalParameterName(input.Name))!.lastModified!;
      writes.push({ name: input.Name, at: clock.seconds(), age: (clock.time - lastModified.getTime()) / 1000 });
      return store.putParameter(input);
    }]]));
    const trigger = everyTrigger(sim.intervalSeconds);
    const tick = tickSeconds(sim.intervalSeconds, sim.members);
    const ticks: SimulatedTick[] = [];
    for (let at = 0; at < sim.durationSeconds; at += tick) {
      clock.time = Math.max(clock.time, clock.start + at * 1000);
      const summary = await runRotation({ Trigger: trigger, TickSeconds: tick, Time: new Date(clock.start + at * 1000).toISOString() }, {
        clients,
        stackName: STACK,
        stackId: STACK_ID,
        deadline: Date.now() + LAMBDA_WORK_MS,
        now: clock.now,
        secrets: new Set(),
        pacer: new WritePacer(ROTATOR_WRITES_PER_SECOND, clock, { minWritesPerSecond: MIN_WRITES_PER_SECOND }),
      });
      ticks.push({ at, endedAt: clock.seconds(), summary });
    }
    return { tickSeconds: tick, dueAgeSeconds: dueAgeSeconds(sim.intervalSeconds, sim.members, tick), writes, ticks, throttled, names };
  } finally {
    store.restore();
  }
}

/** Members named as users name them (50–70 characters, many paths), each last written `ageAtStart` before the start. */
function seed(store: FakeParameterStore, sim: RotationSimulation, start: number): string[] {
  store.stackRecords.set(OWNER_LOGICAL_ID, '/platform#chunk-0');
  return Array.from({ length: sim.members }, (_, i) => {
    const name = `/platform-team-${i % 7}/service-${i % 53}/production/database-credentials-${i}`;
    store.seed(name, {
      value: `initial-${i}`,
      keyId: KEY_ARN,
      version: 1,
      labels: [SOURCE_LABEL, 'current'],
      lastModified: new Date(start - sim.ageAtStart(i) * 1000),
      tags: [
        { Key: OWNER_TAG_KEY, Value: `${STACK}/${OWNER_LOGICAL_ID}` },
        { Key: ROTATION_TAG_KEY, Value: `${STACK}/${everyTrigger(sim.intervalSeconds)}` },
        { Key: ROTATION_OPTIONS_TAG_KEY, Value: 'previous=keep length=32 classes=lunp each=1' },
      ],
    });
    return name;
  });
}

/**
 * The simulated time, as the rotator's due checks and the pacer take it. A wait ends when everything else waits
 * too (the event loop has nothing but timers left): the clock then moves to the earliest wake-up, and only that
 * sleeper goes on, so concurrent writes reach the store in their slots' order and at their slots' times.
 */
class SimulatedClock implements PacerClock {
  public readonly start = Date.parse('2027-01-04T00:00:00.000Z');
  public time = this.start;
  private sleepers: Array<{ readonly at: number; readonly wake: () => void }> = [];
  private waking = false;

  public readonly now = () => this.time;

  public readonly sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.sleepers.push({ at: this.time + ms, wake });
      this.wakeWhenIdle();
    });

  public seconds(): number {
    return (this.time - this.start) / 1000;
  }

  private wakeWhenIdle(): void {
    if (this.waking) {
      return;
    }
    this.waking = true;
    setImmediate(() => {
      this.waking = false;
      const next = this.sleepers.reduce((a, b) => (b.at < a.at ? b : a));
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.time = Math.max(this.time, next.at);
      next.wake();
      if (this.sleepers.length > 0) {
        this.wakeWhenIdle();
      }
    });
  }
}

/** The account's PutParameter quota left for the rotator: a token bucket holding one second of tokens. */
class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly tps: (atSeconds: number) => number, private readonly start: number) {
    this.tokens = tps(0);
    this.at = start;
  }

  public take(now: number): boolean {
    const rate = this.tps((now - this.start) / 1000);
    this.tokens = Math.min(rate, this.tokens + ((now - this.at) / 1000) * rate);
    this.at = now;
    if (this.tokens < 1) {
      return false;
    }
    this.tokens -= 1;
    return true;
  }
}
