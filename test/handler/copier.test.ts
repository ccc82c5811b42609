import type { Context } from 'aws-lambda';
import { handler } from '../../lib/handler/copier.lambda';
import { copyChange } from '../../lib/handler/replica-copy';
import { sweepReplicas } from '../../lib/handler/replica-sweep';
import { REPLICATED_NAMES_ENV, REPLICA_STACK_ENV, SOURCE_REGION_ENV } from '../../lib/private/replica-protocol';

jest.mock('../../lib/handler/replica-copy');
jest.mock('../../lib/handler/replica-sweep', () => ({ ...jest.requireActual('../../lib/handler/replica-sweep'), sweepReplicas: jest.fn() }));
jest.mock('../../lib/handler/clients', () => ({ createClients: () => ({}) }));

/** The copier's entry point: its configuration, its log lines, and what it throws (Lambda then retries, then the DLQ). */
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
const event = { 'source': 'aws.ssm', 'detail-type': 'Parameter Store Change', 'detail': { name: '/app/prod/db', operation: 'Update', type: 'SecureString' } };
const copy = copyChange as jest.MockedFunction<typeof copyChange>;
const sweep = sweepReplicas as jest.MockedFunction<typeof sweepReplicas>;
let logged: string[];

beforeEach(() => {
  process.env[SOURCE_REGION_ENV] = 'eu-west-1';
  process.env[REPLICATED_NAMES_ENV] = '["/app/prod/"]';
  process.env[REPLICA_STACK_ENV] = 'ReplicaStack';
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  jest.spyOn(console, 'error').mockImplementation((line: string) => void logged.push(line));
  copy.mockReset();
  sweep.mockReset();
});

afterEach(() => jest.restoreAllMocks());

test('passes its source region and names, and logs the outcome', async () => {
  copy.mockResolvedValue({ name: '/app/prod/db', copied: true, version: 7 });
  await handler(event, context);
  expect(copy.mock.calls[0][1]).toEqual({ sourceRegion: 'eu-west-1', names: ['/app/prod/'], stackName: 'ReplicaStack' });
  expect(sweep).not.toHaveBeenCalled();
  expect(logged).toEqual(['/app/prod/db: copied from eu-west-1 as version 7']);
});

test('a failure is thrown and logged with every value it touched redacted', async () => {
  copy.mockImplementation(async (_event, _config, ctx) => {
    ctx.secrets.add('the-secret-value');
    throw Object.assign(new Error('Value the-secret-value does not match the pattern'), { name: 'ParameterPatternMismatchException' });
  });
  const error = await handler(event, context).catch((err: Error) => err);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toContain('/app/prod/db: the handler failed');
  expect([(error as Error).message, ...logged].join('\n')).not.toContain('the-secret-value');
  expect(logged[0]).toMatch(/^\/app\/prod\/db: FAILED: /);
});

test('without its configuration it says to deploy again', async () => {
  delete process.env[SOURCE_REGION_ENV];
  await expect(handler(event, context)).rejects.toThrow('the copier has no SOURCE_REGION, REPLICA_STACK_NAME or REPLICATED_NAMES environment variable: deploy the stack again');
  expect(copy).not.toHaveBeenCalled();
});

describe('its schedule: the sweep', () => {
  const sweepEvent = { Sweep: 'replicas' as const, IntervalSeconds: 900 };

  test('compares every replica with its source, paced, and ends before the next sweep starts', async () => {
    sweep.mockResolvedValue({ compared: 40, copied: 1, skipped: 0, failures: [], notReached: 2 });
    const started = Date.now();
    await handler(sweepEvent, { getRemainingTimeInMillis: () => 3_600_000 } as Context);
    const [config, ctx] = sweep.mock.calls[0];
    expect(config).toEqual({ sourceRegion: 'eu-west-1', names: ['/app/prod/'], stackName: 'ReplicaStack' });
    expect(ctx.pacer).toBeDefined();
    expect(ctx.deadline).toBeGreaterThanOrEqual(started + 900_000);
    expect(ctx.deadline).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(copy).not.toHaveBeenCalled();
    // what was not reached waits for the next sweep: no failure
    expect(logged).toEqual(['sweep: 40 replicas compared with their sources in eu-west-1, 1 copied, 0 skipped, 0 failed, 2 left for the next sweep']);
  });

  test('within the Lambda deadline when that comes first', async () => {
    sweep.mockResolvedValue({ compared: 0, copied: 0, skipped: 0, failures: [], notReached: 0 });
    await handler(sweepEvent, context);
    expect(sweep.mock.calls[0][1].deadline).toBeLessThanOrEqual(Date.now() + 60_000 - 5_000);
  });

  test('a replica it could not bring in step fails the invocation: Lambda retries, then the dead-letter queue\'s alarm', async () => {
    sweep.mockResolvedValue({ compared: 3, copied: 1, skipped: 0, failures: ['/app/prod/db: IAM refused the copier'], notReached: 0 });
    await expect(handler(sweepEvent, context)).rejects.toThrow(
      'Sweep incomplete (1 copied): 1 replica(s) could not be brought in step with their source: /app/prod/db: IAM refused the copier',
    );
  });

  test.each([{ Sweep: 'replicas' }, { Sweep: 'everything', IntervalSeconds: 60 }, { Sweep: 'replicas', IntervalSeconds: 0 }])('%j is no sweep', async (input) => {
    copy.mockResolvedValue({ name: '-', copied: false, skipped: 'not a Parameter Store Change event (undefined)' });
    await handler(input as any, context);
    expect(sweep).not.toHaveBeenCalled();
    expect(copy).toHaveBeenCalled();
  });
});
