import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { createEvent, deleteEvent, properties, updateEvent } from './events';
import { FakeParameterStore, useFakeParameterStore } from './fake-parameter-store';
import { HTTPS_TRANSPORT, RESPONSE_ATTEMPTS, ResponseTransport, buildResponse, sendResponse } from '../../lib/handler/cfn-response';
import { SDK_RETRY, SDK_TIMEOUTS, SSM_RETRY_STRATEGY, createClients } from '../../lib/handler/clients';
import { handleEvent, handler } from '../../lib/handler/secure-string.lambda';

let store: FakeParameterStore;

const currentStore = useFakeParameterStore();
beforeEach(() => {
  store = currentStore();
});

function run(event: any) {
  return handleEvent(event, store.clients, Date.now() + 60_000);
}

describe('a malformed event still gets a FAILED answer', () => {
  test.each<[string, (e: any) => void, string]>([
    ['no Name', (e) => delete e.ResourceProperties.Name, 'ResourceProperties.Name is missing or of the wrong type'],
    ['no KeyId', (e) => delete e.ResourceProperties.KeyId, 'ResourceProperties.KeyId is missing or of the wrong type'],
    ['no source', (e) => delete e.ResourceProperties.Source, 'ResourceProperties.Source.Type is missing or of the wrong type'],
    ['no ResourceProperties', (e) => delete e.ResourceProperties, 'ResourceProperties.Name is missing or of the wrong type'],
    ['a StackId that is no stack ARN', (e) => (e.StackId = 'not-an-arn'), 'its StackId is not a CloudFormation stack ARN'],
    ['an unknown request type', (e) => (e.RequestType = 'Upsert'), 'unknown RequestType "Upsert"'],
  ])('Create with %s', async (_name, damage, message) => {
    const event: any = createEvent(properties({ Source: { Type: 'plaintext', Text: 'do-not-echo' } }));
    damage(event);

    const response = await run(event);

    expect(response).toMatchObject({ Status: 'FAILED', RequestId: 'request-1', LogicalResourceId: 'DbPassword' });
    expect(response.Reason).toContain(`the request is malformed: ${message}`);
    expect(response.Reason).not.toContain('do-not-echo');
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('a malformed Create answers an id that names no parameter, built from its name or else its logical id', async () => {
    const noKey: any = createEvent();
    delete noKey.ResourceProperties.KeyId;
    const noName: any = createEvent();
    delete noName.ResourceProperties.Name;

    expect((await run(noKey)).PhysicalResourceId).toBe('/app/prod/db/password#not-created');
    expect((await run(noName)).PhysicalResourceId).toBe('DbPassword#not-created');
  });

  test('the rollback of a malformed Update (malformed old properties) converges to the new ones', async () => {
    await run(createEvent(properties({ Source: { Type: 'plaintext', Text: 'v1' } })));
    const malformed: any = properties({ Source: { Type: 'plaintext', Text: 'v2' } });
    delete malformed.KeyId;
    expect((await run(updateEvent(malformed, properties({ Source: { Type: 'plaintext', Text: 'v1' } })))).Status).toBe('FAILED');

    const rollback = await run(updateEvent(properties({ Source: { Type: 'plaintext', Text: 'v1' } }), malformed));

    expect(rollback.Status).toBe('SUCCESS');
    expect(store.parameters.get('/app/prod/db/password')).toMatchObject({ value: 'v1', version: 1 });
  });

  test("a Delete needs only its physical id: malformed properties never block the stack's rollback", async () => {
    await run(createEvent());
    const event: any = deleteEvent();
    delete event.ResourceProperties.KeyId;
    delete event.ResourceProperties.Source;

    expect((await run(event)).Status).toBe('SUCCESS');
    expect(store.parameters.has('/app/prod/db/password')).toBe(false);
  });
});

describe('sendResponse', () => {
  const response = buildResponse(createEvent(), { status: 'SUCCESS', physicalId: 'p' });

  function transport(failures: number) {
    const sleeps: number[] = [];
    const attempts: Array<[string, number]> = [];
    const t: ResponseTransport = {
      put: async (url, _body, timeoutMs) => {
        attempts.push([url, timeoutMs]);
        if (attempts.length <= failures) throw new Error('socket hang up');
      },
      sleep: async (ms) => void sleeps.push(ms),
    };
    return { t, sleeps, attempts };
  }

  test('retries a failed send with exponential backoff, each attempt bounded by a timeout', async () => {
    const { t, sleeps, attempts } = transport(2);

    await sendResponse('https://x/response', response, t);

    expect(attempts).toEqual([['https://x/response', 3000], ['https://x/response', 3000], ['https://x/response', 3000]]);
    expect(sleeps).toEqual([500, 1000]);
  });

  test('throws after the last attempt, so that Lambda runs the event again', async () => {
    const { t, sleeps } = transport(RESPONSE_ATTEMPTS);

    await expect(sendResponse('https://x/response', response, t)).rejects.toThrow('could not send the response to CloudFormation after 4 attempts: socket hang up');
    expect(sleeps).toEqual([500, 1000, 2000]);
  });

  describe('over HTTP', () => {
    let server: Server;
    let url: string;
    const received: Array<{ method?: string; contentType?: string; body: string }> = [];
    let statuses: number[] = [];

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          received.push({ method: req.method, contentType: req.headers['content-type'], body });
          res.statusCode = statuses.shift() ?? 200;
          res.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?signature=x`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    beforeEach(() => {
      received.length = 0;
    });

    test('PUTs the JSON body with an empty content type; a 5xx answer is retried', async () => {
      statuses = [503];
      const fast: ResponseTransport = { put: HTTPS_TRANSPORT.put, sleep: async () => undefined };

      await sendResponse(url, response, fast);

      expect(received).toHaveLength(2);
      expect(received[1]).toEqual({ method: 'PUT', contentType: '', body: JSON.stringify(response) });
    });

    test('the Lambda entry point throws when every send fails', async () => {
      statuses = [500, 500, 500, 500];
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const event: any = { ...createEvent(), ResponseURL: url, StackId: 'malformed' };
      const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

      const invocation = handler(event, context);
      const failure = expect(invocation).rejects.toThrow('could not send the response to CloudFormation after 4 attempts: CloudFormation response URL answered 500');
      for (let i = 0; i < 3; i++) {
        await waitFor(() => received.length === i + 1);
        await jest.advanceTimersByTimeAsync(2_000);
      }
      await failure;
      jest.useRealTimers();

      expect(JSON.parse(received[0].body)).toMatchObject({ Status: 'FAILED', StackId: 'malformed' });
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('SDK clients', () => {
  test('bound each attempt with connection and request timeouts; KMS and Secrets Manager retry adaptively, SSM leaves throttling to withRetries', async () => {
    const clients = createClients();
    const handlerConfig = await (clients.ssm.config.requestHandler as any).configProvider;

    expect(SDK_RETRY).toEqual({ retryMode: 'adaptive', maxAttempts: 6 });
    expect(SDK_TIMEOUTS.requestHandler).toEqual({ connectionTimeout: 3000, requestTimeout: 20000, throwOnRequestTimeout: true });
    expect(handlerConfig).toMatchObject({ connectionTimeout: 3000, requestTimeout: 20000, throwOnRequestTimeout: true });
    expect(await clients.kms.config.maxAttempts()).toBe(6);
    expect(await clients.kms.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    expect(await clients.secrets.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    expect(await clients.ssm.config.retryStrategy()).toBe(SSM_RETRY_STRATEGY);
  });
});
