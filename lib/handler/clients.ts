import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

/** The SDK clients the handler uses; tests pass mocked or emulator-bound ones. */
export interface Clients {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  readonly secrets: SecretsManagerClient;
}

/**
 * The SDK's adaptive retry mode paces each client by the throttling it meets (token bucket plus
 * jittered exponential backoff); `retry.ts` keeps going until the Lambda deadline after that.
 */
export const SDK_RETRY = { retryMode: 'adaptive', maxAttempts: 6 } as const;

/**
 * Each attempt is bounded, so a lost connection becomes a retried error instead of a Lambda that hangs
 * until its timeout without answering CloudFormation. The handler options are given as an object (the
 * SDK builds its Node.js handler from it; no @smithy package is bundled); `throwOnRequestTimeout` makes
 * the request timeout an error in @smithy/node-http-handler 4.4 and later, which otherwise only warn.
 */
export const SDK_TIMEOUTS = {
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 20_000, throwOnRequestTimeout: true },
} as const;

const SDK_CONFIG = { ...SDK_RETRY, ...SDK_TIMEOUTS };

export function createClients(): Clients {
  return {
    ssm: new SSMClient(SDK_CONFIG),
    kms: new KMSClient(SDK_CONFIG),
    secrets: new SecretsManagerClient(SDK_CONFIG),
  };
}
