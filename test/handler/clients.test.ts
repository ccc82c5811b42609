import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { SSM_RETRY_STRATEGY, SSM_TRANSIENT_ATTEMPTS, createClients } from '../../lib/handler/clients';

type ErrorInfo = Parameters<typeof SSM_RETRY_STRATEGY.refreshRetryTokenForRetry>[1];

afterEach(() => jest.restoreAllMocks());

describe('the SSM client leaves throttling to withRetries', () => {
  test.each<ErrorInfo['errorType']>(['THROTTLING', 'CLIENT_ERROR', 'SERVER_ERROR'])('does not retry %s', async (errorType) => {
    const first = await SSM_RETRY_STRATEGY.acquireInitialRetryToken('');

    await expect(SSM_RETRY_STRATEGY.refreshRetryTokenForRetry(first, { errorType })).rejects.toThrow();
  });

  test('retries transient failures with full-jitter backoff from 100 ms, six attempts in all', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(1);
    let token = await SSM_RETRY_STRATEGY.acquireInitialRetryToken('');
    const delays: number[] = [];

    for (let retry = 1; retry < SSM_TRANSIENT_ATTEMPTS; retry++) {
      token = await SSM_RETRY_STRATEGY.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
      expect(token.getRetryCount()).toBe(retry);
      delays.push(token.getRetryDelay());
    }

    expect(SSM_TRANSIENT_ATTEMPTS).toBe(6);
    expect(delays).toEqual([200, 400, 800, 1600, 3200]);
    await expect(SSM_RETRY_STRATEGY.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' })).rejects.toThrow();
  });

  describe('as the SDK runs it', () => {
    let server: Server;
    let answers: Array<[number, Record<string, unknown>]>;
    let requests: number;

    beforeEach(async () => {
      requests = 0;
      server = createServer((req, res) => {
        requests++;
        req.resume();
        const [status, body] = answers.shift() ?? [200, { Parameter: { Name: 'p', Value: 'v' } }];
        const errorType = typeof body.__type === 'string' ? { 'x-amzn-errortype': body.__type } : {};
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...errorType });
        res.end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      // no waits between the SDK's attempts
      jest.spyOn(Math, 'random').mockReturnValue(0);
    });

    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    function ssm() {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return createClients({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }).ssm;
    }

    test('a throttled request is sent once: withRetries paces the next one', async () => {
      answers = [[400, { __type: 'ThrottlingException', message: 'Rate exceeded' }]];

      await expect(ssm().send(new GetParameterCommand({ Name: 'p' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect(requests).toBe(1);
    });

    test('a 503 answer is retried by the SDK', async () => {
      answers = [
        [503, { __type: 'ServiceUnavailable', message: 'try again' }],
        [503, { __type: 'ServiceUnavailable', message: 'try again' }],
      ];

      const result = await ssm().send(new GetParameterCommand({ Name: 'p' }));

      expect(result.Parameter?.Value).toBe('v');
      expect(requests).toBe(3);
    });
  });
});
