import type { Context } from 'aws-lambda';
import { handler } from '../../lib/handler/copier.lambda';
import { copyChange } from '../../lib/handler/replica-copy';
import { REPLICATED_NAMES_ENV, SOURCE_REGION_ENV } from '../../lib/private/replica-protocol';

jest.mock('../../lib/handler/replica-copy');
jest.mock('../../lib/handler/clients', () => ({ createClients: () => ({}) }));

/** The copier's entry point: its configuration, its log lines, and what it throws (Lambda then retries, then the DLQ). */
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
const event = { 'source': 'aws.ssm', 'detail-type': 'Parameter Store Change', 'detail': { name: '/app/prod/db', operation: 'Update', type: 'SecureString' } };
const copy = copyChange as jest.MockedFunction<typeof copyChange>;
let logged: string[];

beforeEach(() => {
  process.env[SOURCE_REGION_ENV] = 'eu-west-1';
  process.env[REPLICATED_NAMES_ENV] = '["/app/prod/"]';
  logged = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  jest.spyOn(console, 'error').mockImplementation((line: string) => void logged.push(line));
  copy.mockReset();
});

afterEach(() => jest.restoreAllMocks());

test('passes its source region and names, and logs the outcome', async () => {
  copy.mockResolvedValue({ name: '/app/prod/db', copied: true, version: 7 });
  await handler(event, context);
  expect(copy.mock.calls[0][1]).toEqual({ sourceRegion: 'eu-west-1', names: ['/app/prod/'] });
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
  await expect(handler(event, context)).rejects.toThrow('the copier has no SOURCE_REGION or REPLICATED_NAMES environment variable: deploy the stack again');
  expect(copy).not.toHaveBeenCalled();
});
