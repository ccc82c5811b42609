import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { BenchResult } from './bench-result';
import { parameterName } from './stacks';
import { ThrottlingProxy } from './throttling-proxy';
import { SDK_RETRY } from '../lib/handler/clients';
import { handleEvent } from '../lib/handler/secure-string.lambda';
import { createEvent, properties } from '../test/handler/events';
import { MotoServer } from '../test/helpers/moto-server';

const N = 300;
const PUT_TPS = 3;
/** The Lambda timeout of the handler, minus the margin it keeps to respond. */
const DEADLINE_MS = 15 * 60_000 - 15_000;

/**
 * CloudFormation creating N SecureStrings at once: N handler invocations in parallel, each with its own
 * SDK clients (as separate Lambda environments have), against moto_server behind a proxy that throttles
 * PutParameter to 3 TPS and GetParameter* to 40 TPS, like an account's defaults.
 */
export async function deploySimulationBench(): Promise<BenchResult[]> {
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
      Array.from({ length: N }, (_, i) => {
        const config = { ...moto.clientConfig(), endpoint: proxy.endpoint, ...SDK_RETRY };
        const clients = { ssm: new SSMClient(config), kms: new KMSClient(config), secrets: new SecretsManagerClient(config) };
        return handleEvent(createEvent(properties({ Name: parameterName(i), KeyId: keyArn })), clients, Date.now() + DEADLINE_MS);
      }),
    );
    const makespan = (Date.now() - start) / 1000;
    const failed = responses.filter((r) => r.Status !== 'SUCCESS').length;
    const ideal = N / PUT_TPS;
    return [
      {
        name: `simulated deploy: ${N} concurrent creates, PutParameter throttled to ${PUT_TPS} TPS`,
        unit: 's',
        ours: Math.round(makespan * 10) / 10,
        baseline: ideal,
        baselineName: 'N / TPS, the fastest possible',
        goal: '0 failures, ≤ 1.25×',
        met: failed === 0 && makespan <= 1.25 * ideal,
        note: `${failed} failed, ${proxy.throttled} requests throttled`,
      },
    ];
  } finally {
    console.log = log;
    console.error = error;
    await proxy.stop();
    await moto.stop();
  }
}
