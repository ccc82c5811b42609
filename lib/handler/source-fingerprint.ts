import { createHash } from 'crypto';
import { DEFAULT_GENERATOR_OPTIONS, GeneratorOptions, SourceProperties, SourceType } from '../private/handler-protocol';

/**
 * A value source in one canonical form, so that two templates asking for the same value compare equal:
 * generator options are merged with the defaults and sorted (options in another order, or defaults written
 * out, are the same source); texts and ciphertexts are reduced to a digest, so the form can be stored
 * on the parameter (as a version label) without carrying the value.
 */
export function canonicalSource(source: SourceProperties): string {
  return canonicalJson(canonicalFields(source));
}

/** Whether two sources ask for the same value (so an existing value must not be replaced). */
export function sameSource(a: SourceProperties | undefined, b: SourceProperties): boolean {
  return a !== undefined && canonicalSource(a) === canonicalSource(b);
}

/** Version labels the handler sets start with this; labels of operators are never touched. */
export const SOURCE_LABEL_PREFIX = 'src-';

/**
 * The label of the version written from `source`: `src-` and 40 hex digits of a SHA-256 of the canonical
 * source. Parameter Store labels are at most 100 characters of letters, digits, `.`, `-` and `_`, and
 * must not start with a digit, `aws` or `ssm` (LabelParameterVersion API reference): this one always fits.
 */
export function sourceLabel(source: SourceProperties): string {
  return `${SOURCE_LABEL_PREFIX}${sha256(canonicalSource(source)).slice(0, 40)}`;
}

function canonicalFields(source: SourceProperties): Record<string, unknown> {
  switch (source.Type) {
    case SourceType.GENERATED:
      return { type: source.Type, options: generatorOptions(source.Options) };
    case SourceType.CIPHERTEXT:
      // the bytes, not their text: base64 with other line breaks or padding is the same ciphertext
      return { type: source.Type, ciphertext: sha256(Buffer.from(source.Ciphertext ?? '', 'base64')) };
    case SourceType.SECRET:
      return { type: source.Type, secretArn: source.SecretArn, jsonField: source.JsonField ?? null };
    case SourceType.REPLICA:
      // the source version the replica holds (the handler sets it): not the Revision, which only makes
      // CloudFormation send an Update when the source's definition changes
      return { type: source.Type, region: source.SourceRegion, version: source.SourceVersion ?? null };
    default:
      // placeholder and plaintext: a digest of the text, never the text
      return { type: source.Type, text: sha256(source.Text ?? '') };
  }
}

/** The generator options of a source with every default filled in. */
export function generatorOptions(json: string | undefined): GeneratorOptions {
  return { ...DEFAULT_GENERATOR_OPTIONS, ...(JSON.parse(json ?? '{}') as Partial<GeneratorOptions>) };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // an object's keys are unique: two are never equal
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
