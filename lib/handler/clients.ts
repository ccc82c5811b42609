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

export function createClients(): Clients {
  return {
    ssm: new SSMClient(SDK_RETRY),
    kms: new KMSClient(SDK_RETRY),
    secrets: new SecretsManagerClient(SDK_RETRY),
  };
}
