import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';

/** The SDK clients the handler uses; tests pass mocked or emulator-bound ones. */
export interface Clients {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  readonly secrets: SecretsManagerClient;
  /** Only a batched chunk's Delete asks it (batch-removals.ts): created, and its module loaded, on first use. */
  readonly cloudformation: CloudFormationClient;
  /** Parameter Store of another region: where a replica's source parameters are read. One client per region. */
  ssmIn(region: string): SSMClient;
}

/**
 * KMS and Secrets Manager: the SDK's adaptive retry mode paces each client by the throttling it meets (token
 * bucket plus jittered exponential backoff); `retry.ts` keeps going until the Lambda deadline after that.
 */
export const SDK_RETRY = { retryMode: 'adaptive', maxAttempts: 6 } as const;

/** The SDK's own retry strategy interface (`RetryStrategyV2` of @smithy/types), taken from the client's config. */
type RetryStrategyV2 = Extract<NonNullable<SSMClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/** Attempts per SSM call for timeouts, dropped connections and 502/503/504 answers, as `SDK_RETRY` allows. */
export const SSM_TRANSIENT_ATTEMPTS = 6;

/**
 * Parameter Store: the SDK retries only transient failures (timeouts, dropped connections, 500/502/503/504),
 * with full-jitter backoff from 100 ms, and leaves throttling to `withRetries`, which paces PutParameter for
 * the account's quota (retry.ts). The SDK's own throttling retries make each paced attempt up to six
 * requests within seconds (measured with the paced schedule: 9.1 throttled requests per parameter for 300
 * creates at once, against 2.3 without them); its adaptive rate limiter is per client, so per Lambda
 * environment, and cannot see the other writers. Stateless, so one object serves every client.
 */
export const SSM_RETRY_STRATEGY: RetryStrategyV2 = {
  acquireInitialRetryToken: async () => retryToken(0, 0),
  refreshRetryTokenForRetry: async (token, errorInfo) => {
    const retries = token.getRetryCount() + 1;
    if (errorInfo.errorType !== 'TRANSIENT' || retries >= SSM_TRANSIENT_ATTEMPTS) {
      // the SDK's retry middleware then throws the call's own error
      throw new Error('not retried by the SDK');
    }
    return retryToken(retries, Math.random() * Math.min(20_000, 100 * 2 ** retries));
  },
  recordSuccess: () => undefined,
};

function retryToken(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

/**
 * Each attempt is bounded, so a lost connection becomes a retried error instead of a Lambda that hangs
 * until its timeout without answering CloudFormation. The handler options are given as an object (the
 * SDK builds its Node.js handler from it; no @smithy package is bundled); `throwOnRequestTimeout` makes
 * the request timeout an error in @smithy/node-http-handler 4.4 and later, which otherwise only warn.
 */
export const SDK_TIMEOUTS = {
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 20_000, throwOnRequestTimeout: true },
} as const;

/** Where and as whom the clients call AWS; the Lambda environment's defaults unless given (the bench, tests). */
export interface ClientTarget {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function createClients(target: ClientTarget = {}): Clients {
  const common = { ...target, ...SDK_TIMEOUTS };
  let cloudformation: CloudFormationClient | undefined;
  const ssmByRegion = new Map<string, SSMClient>();
  const ssmClient = (region?: string) =>
    new SSMClient({ ...common, region: region ?? common.region, retryStrategy: SSM_RETRY_STRATEGY, maxAttempts: SSM_TRANSIENT_ATTEMPTS });
  return {
    ssm: ssmClient(),
    ssmIn(region: string) {
      if (!ssmByRegion.has(region)) ssmByRegion.set(region, ssmClient(region));
      return ssmByRegion.get(region)!;
    },
    kms: new KMSClient({ ...common, ...SDK_RETRY }),
    secrets: new SecretsManagerClient({ ...common, ...SDK_RETRY }),
    get cloudformation() {
      // every cold start of every stack's handler would otherwise load a client that only batched Deletes use
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cloudformation ??= new (require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation')).CloudFormationClient({
        ...common,
        ...SDK_RETRY,
      });
      return cloudformation;
    },
  };
}
