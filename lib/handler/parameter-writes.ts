import { AddTagsToResourceCommand, GetParameterCommand, PutParameterCommand, PutParameterCommandOutput, RemoveTagsFromResourceCommand, Tag } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError } from './errors';
import { listTags } from './ownership';
import { LiveParameter, WrittenVersion } from './read-back';
import { ParameterSpec } from './request';
import { SendOptions, withRetries } from './retry';
import { labelVersion, makeRoomForWrite } from './source-labels';
import { WritePacer } from './write-pacer';

/** What a write needs besides the parameter. */
export interface WriteContext {
  readonly clients: Clients;
  readonly deadline: number;
  /** Every plaintext the handler touched, so the entry point can redact it from any message. */
  readonly secrets: Set<string>;
  /**
   * Set once this request made a parameter that did not exist (`Overwrite: false` succeeded): only then may
   * the Delete that follows a failed Create remove it. Mutable: the entry point reads it after a failure.
   */
  created?: boolean;
  /** Set for a batched chunk: every PutParameter and DeleteParameter attempt waits for its slot. */
  readonly pacer?: WritePacer;
}

/** Creates a new parameter (never touching one that exists) or overwrites ours (tags are set apart). */
export type WriteMode = { readonly Overwrite: false; readonly Tags: Tag[] } | { readonly Overwrite: true };

/**
 * Writes the value with every attribute as a new version, with `labels` (its source's fingerprint, and
 * `current` on a rotating parameter). Clears a description, pattern or policies the user removed.
 */
export async function writeVersion(
  spec: ParameterSpec,
  value: string,
  labels: readonly string[],
  live: LiveParameter | undefined,
  mode: WriteMode,
  ctx: WriteContext,
): Promise<WrittenVersion> {
  await makeRoomForWrite(spec.name, live, spec.rotation !== undefined, ctx);
  const put = putCommand(spec, value, live, mode);
  const result = await pacedWrite('ssm:PutParameter', (options) => ctx.clients.ssm.send(put, options), ctx);
  ctx.created ||= !mode.Overwrite;
  const written = writtenVersion(result);
  if (labels.length > 0) {
    await labelVersion(spec.name, written.version, labels, ctx);
  }
  return written;
}

/** The PutParameter of a version with every attribute; clears a description, pattern or policies the newest version has and `spec` has not. */
export function putCommand(spec: ParameterSpec, value: string, live: LiveParameter | undefined, mode: WriteMode): PutParameterCommand {
  const clearPolicies = spec.policies === undefined && (live?.policies.length ?? 0) > 0;
  return new PutParameterCommand({
    Name: spec.name,
    Value: value,
    Type: 'SecureString',
    KeyId: spec.keyId,
    Tier: spec.tier as PutParameterCommand['input']['Tier'],
    Description: spec.description ?? (live?.description ? '' : undefined),
    AllowedPattern: spec.allowedPattern ?? (live?.allowedPattern ? '' : undefined),
    Policies: clearPolicies ? '[{}]' : spec.policies,
    ...mode,
  });
}

/** The version and tier PutParameter answered. */
export function writtenVersion(result: PutParameterCommandOutput): WrittenVersion {
  if (result.Version === undefined) {
    throw new OperatorError('Parameter Store accepted the value but answered no version. Retry the deployment.');
  }
  return { version: result.Version, tier: result.Tier };
}

/**
 * A write call (PutParameter, DeleteParameter), each attempt in its slot when the context paces writes; a throttled
 * attempt tells the pacer (the rotator's slows down for the account's other writers).
 */
export function pacedWrite<T>(operation: string, send: (options: SendOptions) => Promise<T>, ctx: WriteContext): Promise<T> {
  return withRetries(operation, (options) => (ctx.pacer ? ctx.pacer.paced(() => send(options), options.abortSignal) : send(options)), ctx.deadline);
}

/** The newest value, decrypted through Parameter Store (so under the key it was written with). */
export async function currentValue(name: string, ctx: WriteContext): Promise<string> {
  return (await versionValue(name, undefined, ctx)).value;
}

/** A value and the version it is, decrypted through Parameter Store. */
export interface VersionValue {
  readonly value: string;
  readonly version: number;
}

/** The value of `version` (the newest when undefined), and which version that is. */
export async function versionValue(name: string, version: number | undefined, ctx: WriteContext): Promise<VersionValue> {
  const selector = version === undefined ? name : `${name}:${version}`;
  const result = await withRetries('ssm:GetParameter', (options) => ctx.clients.ssm.send(new GetParameterCommand({ Name: selector, WithDecryption: true }), options), ctx.deadline);
  const value = result.Parameter?.Value ?? '';
  ctx.secrets.add(value);
  return { value, version: result.Parameter?.Version ?? version ?? 0 };
}

/** Adds or updates the desired tags; removes only user tags that the previous template had set. */
export async function syncTags(name: string, desired: readonly Tag[], previous: readonly Tag[], ctx: WriteContext): Promise<void> {
  const current = await listTags(name, ctx);
  const toAdd = desired.filter((d) => !current.some((c) => c.Key === d.Key && c.Value === d.Value));
  const toRemove = previous.filter((p) => !desired.some((d) => d.Key === p.Key)).map((p) => p.Key!);
  if (toAdd.length > 0) {
    await withRetries(
      'ssm:AddTagsToResource',
      (options) => ctx.clients.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: toAdd }), options),
      ctx.deadline,
    );
  }
  if (toRemove.length > 0) {
    await withRetries(
      'ssm:RemoveTagsFromResource',
      (options) => ctx.clients.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: toRemove }), options),
      ctx.deadline,
    );
  }
}
