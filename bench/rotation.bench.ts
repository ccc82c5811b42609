import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BenchResult } from './bench-result';
import { withThrottledMoto } from './throttled-moto';
import { HierarchyDeployment, ParameterHierarchy, ParameterRotation, SecureValue } from '../lib';
import { createClients } from '../lib/handler/clients';
import { RotationSummary, runRotation } from '../lib/handler/rotation-run';
import { WritePacer } from '../lib/handler/write-pacer';
import { OWNER_TAG_KEY } from '../lib/private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY, dueAgeSeconds, tickSeconds } from '../lib/private/rotation-protocol';
import { SimulationResult, simulateRotation } from '../test/handler/rotation-simulation';
import { MotoServer } from '../test/helpers/moto-server';
import { STACK_RECORDS } from '../test/helpers/stack-records';

const N = 1_000;
/**
 * The most members a batched hierarchy holds, on one schedule: 4,000 s of writes at the rotator's pace, more than an
 * hour in real time, so it runs on a simulated clock (rotationSimulationBench).
 */
const SIMULATED_N = 8_000;
const DAY = 86_400;
const PUT_TPS = 3;
/** The rotator's pace (rotator.lambda.ts). */
const WRITES_PER_SECOND = 2;
/** The rotator's Lambda timeout, minus the margin it keeps to finish (rotator.lambda.ts). */
const DEADLINE_MS = 15 * 60_000 - 20_000;
const STACK = 'RotationBench';
const STACK_ID = `arn:aws:cloudformation:eu-west-1:111111111111:stack/${STACK}/00000000-0000-0000-0000-000000000000`;
const PATH = '/bench/rotation';
/** The resource whose owner tag the parameters carry: a chunk of a batched hierarchy. */
const OWNER_LOGICAL_ID = 'HierarchyBatchChunk0';
const ENV = { account: '111111111111', region: 'eu-west-1' };

interface Rotation {
  readonly seconds: number;
  readonly summary: RotationSummary;
  readonly puts: number;
  readonly throttledPuts: number;
  readonly labels: number;
}

/**
 * One scheduled rotation of `n` parameters, as the rotator runs it: runRotation with the rotator's pacer and
 * deadline and real SDK clients, against moto_server behind a proxy that throttles PutParameter to 3 TPS and
 * GetParameter* to 40 TPS, like an account's defaults. The parameters are seeded as the handler leaves them
 * (owner, rotation and options tags) two days before the rotation's clock.
 */
export async function rotationBench(n = N): Promise<BenchResult[]> {
  return withThrottledMoto(ENV.account, PUT_TPS, async (moto, proxy) => {
    await seed(moto, n);
    const clients = createClients({ ...moto.clientConfig(ENV.region), endpoint: proxy.endpoint });
    // CloudFormation's record of the parameters' resource (the stack is not in moto): answered without a network call
    STACK_RECORDS.record(STACK_ID, OWNER_LOGICAL_ID, `${PATH}#chunk-0`);
    STACK_RECORDS.answerFor(clients.cloudformation);
    const now = Date.now() + 2 * 86_400_000;
    const start = Date.now();
    const summary = await runRotation(
      { Trigger: 'every-86400' },
      {
        clients,
        stackName: STACK,
        stackId: STACK_ID,
        deadline: start + DEADLINE_MS,
        now: () => now,
        secrets: new Set(),
        pacer: new WritePacer(WRITES_PER_SECOND),
      },
    );
    const rotation: Rotation = {
      seconds: Math.round((Date.now() - start) / 100) / 10,
      summary,
      puts: proxy.requests.get('PutParameter') ?? 0,
      throttledPuts: proxy.throttledBy.get('PutParameter') ?? 0,
      labels: proxy.requests.get('LabelParameterVersion') ?? 0,
    };
    return [...rows(n, rotation), resourcesRow()];
  });
}

/** `n` generated SecureStrings under one key, tagged for the rotator of STACK, written directly into moto. */
async function seed(moto: MotoServer, n: number): Promise<void> {
  const ssm = new SSMClient(moto.clientConfig(ENV.region));
  const key = await new KMSClient(moto.clientConfig(ENV.region)).send(new CreateKeyCommand({}));
  for (let i = 0; i < n; i++) {
    await ssm.send(
      new PutParameterCommand({
        Name: `${PATH}/p${i}`,
        Value: `initial-${i}`,
        Type: 'SecureString',
        KeyId: key.KeyMetadata!.Arn,
        Tags: [
          { Key: OWNER_TAG_KEY, Value: `${STACK}/${OWNER_LOGICAL_ID}` },
          { Key: ROTATION_TAG_KEY, Value: `${STACK}/every-86400` },
          { Key: ROTATION_OPTIONS_TAG_KEY, Value: 'previous=keep length=32 classes=lunp each=1' },
        ],
      }),
    );
  }
}

function rows(n: number, r: Rotation): BenchResult[] {
  const ideal = n / WRITES_PER_SECOND;
  const { rotated, failures, notReached } = r.summary;
  return [
    {
      name: `rotation: ${n} parameters on one schedule, PutParameter throttled to ${PUT_TPS} TPS`,
      unit: 's',
      ours: r.seconds,
      baseline: ideal,
      baselineName: `N / the rotator's ${WRITES_PER_SECOND} writes per second`,
      goal: 'all rotated in one invocation (< 880 s), ≤ 1.1×',
      met: rotated === n && failures.length === 0 && notReached === 0 && r.seconds <= 1.1 * ideal,
      note: `${rotated} rotated, ${failures.length} failed, ${notReached} left for a retry; ${r.throttledPuts} throttled PutParameter requests`,
    },
    {
      name: `rotation: PutParameter and LabelParameterVersion calls per parameter (${n} parameters)`,
      unit: 'calls',
      ours: Math.round(((r.puts - r.throttledPuts + r.labels) / n) * 100) / 100,
      baseline: 3,
      baselineName: 'one write and two label calls',
      goal: '≤ 3 (1 write, ≤ 2 labels)',
      met: r.puts - r.throttledPuts <= n && r.labels <= 2 * n,
      note: `${r.puts - r.throttledPuts} writes, ${r.labels} label calls`,
    },
  ];
}

/** The resources rotation adds to a stack: for 10 rotating members and for 1,000. */
function resourcesRow(): BenchResult {
  const added = (members: number) => {
    const without = Object.keys(Template.fromStack(hierarchyStack(members, false)).toJSON().Resources).length;
    return Object.keys(Template.fromStack(hierarchyStack(members, true)).toJSON().Resources).length - without;
  };
  const few = added(10);
  const many = added(1_000);
  return {
    name: 'rotation: resources it adds to a stack, 1,000 rotating members (batched hierarchy)',
    unit: 'resources',
    ours: many,
    baseline: few,
    baselineName: 'with 10 rotating members',
    goal: 'constant',
    met: many === few,
    note: 'function, role, policy, log group, dead-letter queue and its policy, alarm, async-invoke config, the schedule and its permission',
  };
}

function hierarchyStack(members: number, rotating: boolean): Stack {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const hierarchy = new ParameterHierarchy(stack, 'H', {
    path: PATH,
    deployment: HierarchyDeployment.batched(),
    rotation: rotating ? ParameterRotation.every(Duration.days(30)) : undefined,
  });
  for (let i = 0; i < members; i++) hierarchy.addSecureString(`P${i}`, { name: `p${i}`, value: SecureValue.generated() });
  return stack;
}

/**
 * The rotator at the size the library allows, on a simulated clock (test/handler/rotation-simulation.ts): `n` members
 * of a batched hierarchy on a daily schedule, all due at once just after a tick (a deploy wrote them together a day
 * before), the schedule's rule ticking as the synth sets it, each tick one invocation of runRotation with the rotator's
 * pacer and a Lambda's 15 minutes, PutParameter behind a 3 TPS token bucket on the same clock; two days of ticks, so
 * that every member rotates twice. The real-time bench above covers the SDK and moto for 1,000 in one invocation.
 */
export async function rotationSimulationBench(n = SIMULATED_N): Promise<BenchResult[]> {
  const tick = tickSeconds(DAY, n);
  const dueAge = dueAgeSeconds(DAY, n, tick);
  const log = console.log;
  console.log = () => undefined;
  try {
    const result = await simulateRotation({
      members: n,
      intervalSeconds: DAY,
      // due within 40 s after the first tick, in an order that is not the listing's
      ageAtStart: (i) => dueAge - 60 + ((i * 7919) % n) * 0.005,
      durationSeconds: DAY + 2 * 3600,
      putTps: () => PUT_TPS,
    });
    return [simulatedRow(n, result)];
  } finally {
    console.log = log;
  }
}

function simulatedRow(n: number, r: SimulationResult): BenchResult {
  const ideal = n / WRITES_PER_SECOND;
  const first = r.writes.filter((w) => w.at < DAY / 2);
  const ticks = r.ticks.filter((t) => t.summary.rotated > 0 && t.at < DAY / 2);
  const elapsed = Math.max(...first.map((w) => w.at)) - ticks[0].at;
  const busy = ticks.reduce((sum, t) => sum + (t.endedAt - t.at), 0);
  const counts = new Map<string, number[]>();
  for (const w of r.writes) counts.set(w.name, [...(counts.get(w.name) ?? []), w.at]);
  const rotatedOnce = new Set(first.map((w) => w.name)).size;
  const twice = first.length - rotatedOnce;
  const shortestGap = Math.min(...[...counts.values()].map((at) => (at.length > 1 ? at[1] - at[0] : Infinity)));
  const oldest = Math.max(...r.writes.map((w) => w.age));
  const failed = r.ticks.reduce((sum, t) => sum + t.summary.failures.length + t.summary.overdue, 0);
  return {
    name: `rotation: ${n} members of a batched hierarchy on one daily schedule, all due at once, PutParameter throttled to ${PUT_TPS} TPS (simulated clock)`,
    unit: 's',
    ours: Math.round(elapsed),
    baseline: ideal,
    baselineName: `N / the rotator's ${WRITES_PER_SECOND} writes per second`,
    goal: 'all rotated before they are a day old, 0 twice, ≤ 1.1×',
    met: rotatedOnce === n && twice === 0 && failed === 0 && oldest < DAY && elapsed <= 1.1 * ideal,
    note:
      `${rotatedOnce} rotated over ${ticks.length} ticks of ${r.tickSeconds / 60} minutes (at most ${Math.max(...ticks.map((t) => t.summary.rotated))} per tick), ` +
      `${twice} twice, ${failed} failed or overdue, ${r.throttled} throttled; invocations busy ${Math.round(busy)} s; oldest value at rotation ` +
      `${(oldest / 3600).toFixed(2)} h; the next day each rotated again, at least ${(shortestGap / 3600).toFixed(2)} h after its first rotation`,
  };
}
