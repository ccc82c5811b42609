/**
 * What one API call asks IAM: an action on a resource with the request context AWS supplies. A call can
 * ask several (PutParameter of a SecureString also asks KMS, through Parameter Store, for the key).
 */
export interface AccessCheck {
  readonly action: string;
  readonly resource: string;
  /** Request context keys besides the principal's (which the layer adds to every check). */
  readonly context: Readonly<Record<string, string | string[]>>;
  /** Set when the resource is a KMS key: its key policy takes part in the decision. */
  readonly keyArn?: string;
}

/** The account, region and partition the emulator stands for (moto runs with MOTO_ACCOUNT_ID = account). */
export interface Environment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** The DNS suffix of AWS service endpoints in a partition, as `kms:ViaService` values carry it. */
export function urlSuffix(env: Environment): string {
  return env.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** A check of a KMS action that another service makes with the caller's credentials (`kms:ViaService`). */
export function kmsViaService(
  service: string,
  action: string,
  keyArn: string,
  encryptionContext: Readonly<Record<string, string>>,
  env: Environment,
): AccessCheck {
  return {
    action,
    resource: keyArn,
    keyArn,
    context: {
      'kms:ViaService': `${service}.${env.region}.${urlSuffix(env)}`,
      'kms:CallerAccount': env.account,
      ...encryptionContextKeys(encryptionContext),
    },
  };
}

/** `kms:EncryptionContext:<key>` for each pair, and `kms:EncryptionContextKeys`. */
export function encryptionContextKeys(encryptionContext: Readonly<Record<string, string>>): Record<string, string | string[]> {
  const keys = Object.keys(encryptionContext);
  if (keys.length === 0) {
    return {};
  }
  return {
    ...Object.fromEntries(keys.map((k) => [`kms:EncryptionContext:${k}`, encryptionContext[k]])),
    'kms:EncryptionContextKeys': keys,
  };
}

/** `aws:RequestTag/<key>` for each tag and `aws:TagKeys`, as a request that sets tags carries them. */
export function requestTagKeys(tags: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? ''])),
    'aws:TagKeys': tags.map((t) => t.Key!),
  };
}

/** `aws:ResourceTag/<key>` for each tag the resource has now. */
export function resourceTagKeys(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}
