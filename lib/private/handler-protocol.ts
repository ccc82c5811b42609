/**
 * The contract between the SecureStringParameter construct (synth time) and the deploy-time handler.
 * No aws-cdk-lib import here: the handler bundle includes this file.
 *
 * CloudFormation delivers every custom resource property as a string, so every field is one.
 */
import { createHash } from 'crypto';
import type { RotationProperties } from './rotation-protocol';

/** Where the value comes from; the discriminator of {@link SourceProperties}: the public enum, under its protocol name. */
export { SecureValueSource as SourceType } from '../secure-value-source';

/** The value source as the handler receives it. Short keys keep each parameter's template small. */
export interface SourceProperties {
  readonly Type: string;
  /** generated: the generator options, JSON (see GeneratorOptions). */
  readonly Options?: string;
  /** ciphertext: base64 KMS ciphertext made under the parameter's key and encryption context. */
  readonly Ciphertext?: string;
  /** secret: ARN of the Secrets Manager secret. */
  readonly SecretArn?: string;
  /** secret: JSON field of the secret string to copy. */
  readonly JsonField?: string;
  /** placeholder and plaintext: the text to write. */
  readonly Text?: string;
  /** replica: the region of the parameter of the same name whose value, description, pattern and policies are copied. */
  readonly SourceRegion?: string;
  /**
   * replica: a digest of the source parameter's definition in the app: it changes, and the replica is copied
   * again, when the source's value source, tier or key changes.
   */
  readonly Revision?: string;
  /**
   * replica: the source version the handler read, set by the handler itself (never in a template), so that the
   * version label of a replica names the source version it holds.
   */
  readonly SourceVersion?: string;
}

/** The resource properties of one SecureString custom resource. */
export interface ParameterProperties {
  readonly Name: string;
  readonly KeyId: string;
  /** Absent for {@link DEFAULT_TIER}. */
  readonly Tier?: string;
  readonly Source: SourceProperties;
  readonly Description?: string;
  readonly AllowedPattern?: string;
  /** JSON array of the fixed parameter policies, exactly as PutParameter takes them. */
  readonly Policies?: string;
  /** A relative expiration (ParameterPolicy.expireAfter): seconds after each write of the value. */
  readonly ExpireAfterSeconds?: string;
  /** "true" to take over a parameter that exists and is not ours. */
  readonly Adopt?: string;
  /** Set when the stack's rotator replaces the value (generated values only). */
  readonly Rotation?: RotationProperties;
  readonly Tags?: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

/** Options of a generated value, serialized into {@link SourceProperties.Options}. */
export interface GeneratorOptions {
  readonly length: number;
  readonly excludeCharacters: string;
  readonly excludeLowercase: boolean;
  readonly excludeUppercase: boolean;
  readonly excludeNumbers: boolean;
  readonly excludePunctuation: boolean;
  readonly includeSpace: boolean;
  readonly requireEachIncludedType: boolean;
  /** Change it to ask for a new value; nothing else about the value changes. */
  readonly generation: number;
}

/** What a generated value uses for each option the app leaves out (the template carries only the rest). */
export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  length: 32,
  excludeCharacters: '',
  excludeLowercase: false,
  excludeUppercase: false,
  excludeNumbers: false,
  excludePunctuation: false,
  includeSpace: false,
  requireEachIncludedType: true,
  generation: 1,
};

/** The tag that records which stack and logical id own a parameter. */
export const OWNER_TAG_KEY = 'cdk-secure-parameters:owner';

/**
 * The tag that records that a parameter existed before its resource and was taken over with adoptExisting:
 * a Delete (a rollback included) gives such a parameter back instead of deleting it.
 */
export const ADOPTED_TAG_KEY = 'cdk-secure-parameters:adopted';

/**
 * The tag a batched chunk puts on a DESTROY member that left the app during an Update, instead of deleting
 * it then: the deploy may still roll back and need it. Its value is the chunk's new physical id; once the
 * deploy succeeded, CloudFormation deletes the chunk's previous id, and that Delete deletes the members
 * marked by the id that replaced it. Taking the member back (adding it again) removes the tag.
 */
export const REMOVED_TAG_KEY = 'cdk-secure-parameters:removed';

/** The CloudFormation type of each SecureStringParameter (a batched member is a line of a Custom::SecureStringBatch). */
export const PARAMETER_RESOURCE_TYPE = 'Custom::SecureStringParameter';

/** The encryption context key Parameter Store uses, and that committed ciphertext must carry. */
export const ENCRYPTION_CONTEXT_KEY = 'PARAMETER_ARN';

/** Attributes the custom resource returns (Fn::GetAtt). */
export const ATTRIBUTE_VERSION = 'Version';
/** The parameter's ARN, returned so that consumers referencing it deploy after the resource that writes it. */
export const ATTRIBUTE_ARN = 'Arn';

/**
 * How long CloudFormation waits for the handler's answer (the custom resource's `ServiceTimeout`, seconds):
 * the handler's 15-minute Lambda timeout plus a margin, instead of CloudFormation's default of one hour.
 */
export const SERVICE_TIMEOUT_SECONDS = 1200;

/** Tag values are at most 256 characters. */
export const MAX_TAG_VALUE_LENGTH = 256;

/** The tier of a parameter whose properties name none (the template omits the default). */
export const DEFAULT_TIER = 'Standard';

/** Value size limits in bytes per tier. */
export const MAX_VALUE_BYTES: Record<string, number> = {
  'Standard': 4096,
  'Advanced': 8192,
  'Intelligent-Tiering': 8192,
};

/** KMS Decrypt accepts at most this many ciphertext bytes (and Encrypt at most 4096 bytes of plaintext). */
export const MAX_CIPHERTEXT_BYTES = 6144;

/**
 * What is wrong with a committed ciphertext's text, if anything: the one rule of SecureValue.fromCiphertext at
 * synth time and of the command's `--check`.
 */
export function ciphertextProblem(ciphertext: string): string | undefined {
  if (ciphertext.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertext) || ciphertext.length % 4 !== 0) {
    return 'the ciphertext is empty or not base64; pass what `npx cdk-secure-parameters encrypt` prints (or `aws kms encrypt … --output text`)';
  }
  const bytes = Buffer.from(ciphertext, 'base64').length;
  return bytes > MAX_CIPHERTEXT_BYTES
    ? `the ciphertext is ${bytes} bytes; a KMS ciphertext is at most ${MAX_CIPHERTEXT_BYTES} bytes (4096 bytes of plaintext)`
    : undefined;
}

/** The Expiration policy JSON for a timestamp, exactly as Parameter Store documents it. */
export function expirationJson(timestamp: string): string {
  return JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: timestamp } });
}

/** The resource type of the policies of a plain String/StringList parameter that expire relative to each write. */
export const PLAIN_POLICIES_TYPE = 'Custom::PlainParameterPolicies';

/** The resource properties of a {@link PLAIN_POLICIES_TYPE} resource. */
export interface PlainPolicyProperties {
  readonly Name: string;
  /** `String` or `StringList`. */
  readonly ParameterType: string;
  /** The value, as the native parameter holds it (plain configuration): a change renews the expiration. */
  readonly Value: string;
  readonly ExpireAfterSeconds: string;
  /** The other (fixed) policies, as a JSON array. */
  readonly Policies?: string;
}

/**
 * `a` and `/a` are one parameter: the canonical form drops the leading `/` of a name with one level.
 * Names with more levels keep it (`/app/db`), as Parameter Store requires.
 */
export function canonicalParameterName(name: string): string {
  return /^\/[^/]+$/.test(name) ? name.slice(1) : name;
}

/**
 * The owner tag value of a resource: `<stack name>/<logical id>`, cut to the tag value limit with a hash of
 * the logical id so two long ids stay apart. The handler role's permissions match `<stack name>/*`.
 */
export function ownerTagValue(stackName: string, logicalId: string): string {
  const full = `${stackName}/${logicalId}`;
  if (full.length <= MAX_TAG_VALUE_LENGTH) {
    return full;
  }
  const suffix = `~${createHash('sha256').update(logicalId).digest('hex').slice(0, 8)}`;
  return `${full.slice(0, MAX_TAG_VALUE_LENGTH - suffix.length)}${suffix}`;
}
