import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { BenchResult } from './bench-result';
import { parameterName } from './stacks';
import { ThrottlingProxy } from './throttling-proxy';
import { createClients } from '../lib/handler/clients';
import { handleEvent } from '../lib/handler/secure-string.lambda';
import { createEvent, properties } from '../test/handler/events';
import { MotoServer } from '../test/helpers/moto-server';

const N = 300;
const PUT_TPS = 3;
/** Throttled requests per parameter allowed: the handler must not hammer a quota the whole account shares. */
const MAX_THROTTLED_PER_PARAMETER = 3;
/** The Lambda timeout of the handler, minus the margin it keeps to respond. */
const DEADLINE_MS = 15 * 60_000 - 15_000;

/**
 * CloudFormation creating N SecureStrings at once: N handler invocations in parallel, each with its own
 * SDK clients configured as the handler's (as separate Lambda environments have), against moto_server behind
 * a proxy that throttles PutParameter to 3 TPS and GetParameter* to 40 TPS, like an account's defaults.
 * Two figures: the makespan against N / TPS, and the throttled requests per parameter.
 */
export async function deploySimulationBench(n = N): Promise<BenchResult[]> {
  const moto = await MotoServer.start();
  const proxy = await ThrottlingProxy.start(Number(new URL(moto.endpoint).port), { 'PutParameter': PUT_TPS, 'GetParameter*': 40 });
  const log = console.log;
  const error = console.error;
  console.log = () => undefined;
  console.error = () => undefined;
  try {
    const keyArn = (await new KMSClient(moto.clientConfig()).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const start = Date.now();
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const clients = createClients({ ...moto.clientConfig(), endpoint: proxy.endpoint });
        return handleEvent(createEvent(properties({ Name: parameterName(i), KeyId: keyArn })), clients, Date.now() + DEADLINE_MS);
      }),
    );
    const makespan = (Date.now() - start) / 1000;
    const failed = responses.filter((r) => r.Status !== 'SUCCESS').length;
    const ideal = n / PUT_TPS;
    const perParameter = proxy.throttled / n;
    const throttled = [...proxy.throttledBy].map(([group, count]) => `${count} ${group}`).join(', ') || 'none';
    return [
      {
        name: `simulated deploy: ${n} concurrent creates, PutParameter throttled to ${PUT_TPS} TPS`,
        unit: 's',
        ours: Math.round(makespan * 10) / 10,
        baseline: ideal,
        baselineName: 'N / TPS, the fastest possible',
        goal: '0 failures, ≤ 1.25×',
        met: failed === 0 && makespan <= 1.25 * ideal,
        note: `${failed} failed`,
      },
      {
        name: `simulated deploy: throttled requests per parameter (same ${n} creates)`,
        unit: 'requests',
        ours: Math.round(perParameter * 100) / 100,
        baseline: 0,
        baselineName: 'none, the fewest possible',
        goal: `≤ ${MAX_THROTTLED_PER_PARAMETER}, 0 failures`,
        met: failed === 0 && perParameter <= MAX_THROTTLED_PER_PARAMETER,
        note: `${proxy.throttled} throttled (${throttled})`,
      },
    ];
  } finally {
    console.log = log;
    console.error = error;
    await proxy.stop();
    await moto.stop();
  }
}
