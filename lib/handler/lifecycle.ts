import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  ParameterHistory,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  Tag,
} from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError } from './errors';
import { LifecycleRequest, ParameterSpec, parameterArn } from './request';
import { withRetries } from './retry';
import { keepsWrittenValue, resolveValue, sameSource } from './value-source';
import { OWNER_TAG_KEY, expirationJson } from '../private/handler-protocol';

/** What the handler reports back to CloudFormation. Never a value. */
export interface LifecycleOutcome {
  readonly physicalId: string;
  readonly version?: number;
}

/** Everything a lifecycle step needs besides the request. */
export interface LifecycleContext {
  readonly clients: Clients;
  /** Epoch milliseconds after which no retry starts (the Lambda deadline minus a margin). */
  readonly deadline: number;
  /** Every plaintext the handler touched, so the entry point can redact it from any message. */
  readonly secrets: Set<string>;
}

/** The attributes of the newest version, as Parameter Store reports them. */
export interface LiveParameter {
  readonly type?: string;
  readonly keyId?: string;
  readonly tier?: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly policies: string[];
  readonly version?: number;
}

export async function runLifecycle(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  switch (request.requestType) {
    case 'Create':
      return create(request, request.spec, ctx);
    case 'Update':
      return update(request, ctx);
    case 'Delete':
      return remove(request, ctx);
  }
}

/**
 * Creates the parameter with `Overwrite: false`, so nothing that exists is touched by accident.
 * When the name exists, it is taken over only if our owner tag is on it (CloudFormation retried this
 * Create, or the stack was re-created) or the user asked to adopt it; a generated or placeholder value
 * that exists is kept.
 */
async function create(request: LifecycleRequest, spec: ParameterSpec, ctx: LifecycleContext, carriedValue?: string): Promise<LifecycleOutcome> {
  const value = carriedValue ?? (await newValue(request, spec, ctx));
  const tags = [{ Key: OWNER_TAG_KEY, Value: request.owner }, ...spec.tags];
  let written = withExpiration(spec, undefined);
  try {
    await put(written, value, undefined, ctx, { Overwrite: false, Tags: tags });
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ParameterAlreadyExists')) {
      throw err;
    }
    const live = await takeOver(request, spec, ctx);
    const keepsValue = carriedValue === undefined && keepsWrittenValue(spec.source);
    written = keepsValue ? withExpiration(spec, live) : written;
    await put(written, keepsValue ? await currentValue(spec.name, ctx) : value, live, ctx, { Overwrite: true });
    await syncTags(spec.name, tags, [], ctx);
  }
  return { physicalId: spec.name, version: await verify(written, ctx) };
}

/** A rename creates the new parameter first (CloudFormation then deletes the old one, unless retained). */
async function update(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  const { spec, oldSpec } = request;
  const name = request.physicalId ?? spec.name;
  if (name !== spec.name) {
    const carried = oldSpec && keepsWrittenValue(spec.source) && sameSource(oldSpec.source, spec.source) ? await currentValue(name, ctx) : undefined;
    return create(request, spec, ctx, carried);
  }
  const ownerTag = await ownerOf(name, ctx);
  if (ownerTag === null) {
    // deleted outside CloudFormation: bring it back rather than fail the stack
    return create(request, spec, ctx);
  }
  assertOwned(name, ownerTag, request.owner, spec.adopt);
  const live = await describe(name, ctx);
  assertNoDowngrade(spec, live);

  const valueChanged = spec.source.Type !== 'placeholder' && !sameSource(oldSpec?.source, spec.source);
  const sameExpiry = oldSpec?.expireAfterSeconds === spec.expireAfterSeconds;
  const target = withExpiration(spec, valueChanged || !sameExpiry ? undefined : live);
  if (valueChanged || attributesChanged(target, live)) {
    const value = valueChanged ? await newValue(request, spec, ctx) : await currentValue(name, ctx);
    await put(target, value, live, ctx, { Overwrite: true });
  }
  await syncTags(name, [{ Key: OWNER_TAG_KEY, Value: request.owner }, ...spec.tags], oldSpec?.tags ?? [], ctx);
  return { physicalId: name, version: await verify(target, ctx) };
}

/** Deletes only what this resource owns; a parameter that is already gone is success. */
async function remove(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  const name = request.physicalId ?? request.spec.name;
  const ownerTag = await ownerOf(name, ctx);
  if (ownerTag !== null && ownerTag === request.owner) {
    await ignoreNotFound(withRetries('ssm:DeleteParameter', () => ctx.clients.ssm.send(new DeleteParameterCommand({ Name: name })), ctx.deadline));
  }
  return { physicalId: name };
}

/**
 * The spec with its relative expiration (if any) turned into an Expiration policy: the timestamp the live
 * parameter already has when `keepFrom` is given and has one, else now plus the relative duration.
 */
function withExpiration(spec: ParameterSpec, keepFrom: LiveParameter | undefined): ParameterSpec {
  if (spec.expireAfterSeconds === undefined) {
    return spec;
  }
  return { ...spec, policies: policiesWithExpiration(spec.expireAfterSeconds, spec.policies, keepFrom) };
}

/**
 * The fixed policies (a JSON array) preceded by an Expiration: the timestamp the live parameter has when
 * `keepFrom` is given and has one, else now plus `expireAfterSeconds`.
 */
export function policiesWithExpiration(expireAfterSeconds: number, fixedPolicies: string | undefined, keepFrom: LiveParameter | undefined): string {
  const timestamp = (keepFrom && liveExpirationTimestamp(keepFrom)) ?? new Date(Date.now() + expireAfterSeconds * 1000).toISOString();
  const fixed = fixedPolicies ? (JSON.parse(fixedPolicies) as unknown[]).map((p) => JSON.stringify(p)) : [];
  return `[${[expirationJson(timestamp), ...fixed].join(',')}]`;
}

function liveExpirationTimestamp(live: LiveParameter): string | undefined {
  const expiration = live.policies.map((p) => JSON.parse(p)).find((p) => p.Type === 'Expiration');
  return expiration?.Attributes?.Timestamp;
}

async function newValue(request: LifecycleRequest, spec: ParameterSpec, ctx: LifecycleContext): Promise<string> {
  const target = { parameterArn: parameterArn(request.ssmArnPrefix, spec.name), keyId: spec.keyId, deadline: ctx.deadline };
  const value = await resolveValue(spec.source, target, ctx.clients);
  ctx.secrets.add(value);
  return value;
}

async function currentValue(name: string, ctx: LifecycleContext): Promise<string> {
  const result = await withRetries('ssm:GetParameter', () => ctx.clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })), ctx.deadline);
  const value = result.Parameter?.Value ?? '';
  ctx.secrets.add(value);
  return value;
}

async function takeOver(request: LifecycleRequest, spec: ParameterSpec, ctx: LifecycleContext): Promise<LiveParameter> {
  assertOwned(spec.name, await ownerOf(spec.name, ctx), request.owner, spec.adopt);
  const live = await describe(spec.name, ctx);
  assertNoDowngrade(spec, live);
  return live;
}

function assertOwned(name: string, ownerTag: string | null | undefined, owner: string, adopt: boolean): void {
  if (ownerTag === owner || adopt) {
    return;
  }
  const found = ownerTag ? `it is owned by ${ownerTag}` : `it has no ${OWNER_TAG_KEY} tag`;
  throw new OperatorError(
    `${name} already exists and is not managed by this resource (${owner}): ${found}. ` +
      'Choose another name, delete the existing parameter, or set adoptExisting: true to take it over.',
  );
}

function assertNoDowngrade(spec: ParameterSpec, live: LiveParameter): void {
  if (live.tier === 'Advanced' && spec.tier === 'Standard') {
    throw new OperatorError(
      `${spec.name} is an Advanced parameter and Parameter Store cannot move it back to Standard. ` +
        'Keep tier Advanced (or Intelligent-Tiering), or create a Standard parameter under a new name.',
    );
  }
}

/** `null` when the parameter does not exist, `undefined` when it exists without our tag. */
async function ownerOf(name: string, ctx: LifecycleContext): Promise<string | null | undefined> {
  try {
    const tags = await listTags(name, ctx);
    return tags.find((t) => t.Key === OWNER_TAG_KEY)?.Value;
  } catch (err) {
    if (err instanceof Error && (err.name === 'InvalidResourceId' || err.name === 'ParameterNotFound')) {
      return null;
    }
    throw err;
  }
}

async function listTags(name: string, ctx: LifecycleContext): Promise<Tag[]> {
  const result = await withRetries(
    'ssm:ListTagsForResource',
    () => ctx.clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name })),
    ctx.deadline,
  );
  return result.TagList ?? [];
}

/** Writes the value with every attribute. Clears a description, pattern or policies the user removed. */
async function put(
  spec: ParameterSpec,
  value: string,
  live: LiveParameter | undefined,
  ctx: LifecycleContext,
  mode: { Overwrite: boolean; Tags?: Tag[] },
): Promise<void> {
  const clearPolicies = spec.policies === undefined && (live?.policies.length ?? 0) > 0;
  await withRetries(
    'ssm:PutParameter',
    () =>
      ctx.clients.ssm.send(
        new PutParameterCommand({
          Name: spec.name,
          Value: value,
          Type: 'SecureString',
          KeyId: spec.keyId,
          Tier: spec.tier as PutParameterCommand['input']['Tier'],
          Description: spec.description ?? (live?.description ? '' : undefined),
          AllowedPattern: spec.allowedPattern ?? (live?.allowedPattern ? '' : undefined),
          Policies: clearPolicies ? '[{}]' : spec.policies,
          ...mode,
        }),
      ),
    ctx.deadline,
  );
}

function attributesChanged(spec: ParameterSpec, live: LiveParameter): boolean {
  return (
    !sameKey(spec.keyId, live.keyId) ||
    !tierMatches(spec.tier, live.tier) ||
    (spec.description ?? '') !== (live.description ?? '') ||
    (spec.allowedPattern ?? '') !== (live.allowedPattern ?? '') ||
    !samePolicies(spec.policies, live.policies)
  );
}

/** Adds or updates the desired tags; removes only user tags that the previous template had set. */
async function syncTags(name: string, desired: readonly Tag[], previous: readonly Tag[], ctx: LifecycleContext): Promise<void> {
  const current = await listTags(name, ctx);
  const toAdd = desired.filter((d) => !current.some((c) => c.Key === d.Key && c.Value === d.Value));
  const toRemove = previous.filter((p) => !desired.some((d) => d.Key === p.Key)).map((p) => p.Key!);
  if (toAdd.length > 0) {
    await withRetries(
      'ssm:AddTagsToResource',
      () => ctx.clients.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: toAdd })),
      ctx.deadline,
    );
  }
  if (toRemove.length > 0) {
    await withRetries(
      'ssm:RemoveTagsFromResource',
      () => ctx.clients.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: toRemove })),
      ctx.deadline,
    );
  }
}

/**
 * Reads the newest version back and fails on any difference from what was written: a concurrent
 * writer, or drift that Parameter Store accepted silently. Returns the version.
 */
async function verify(spec: ParameterSpec, ctx: LifecycleContext): Promise<number | undefined> {
  const live = await describe(spec.name, ctx);
  const mismatches = [
    live.type !== 'SecureString' && `type ${live.type} (expected SecureString)`,
    !sameKey(spec.keyId, live.keyId) && `key ${live.keyId} (expected ${spec.keyId})`,
    !tierMatches(spec.tier, live.tier) && `tier ${live.tier} (expected ${spec.tier})`,
    !samePolicies(spec.policies, live.policies) && `policies ${JSON.stringify(live.policies)} (expected ${spec.policies ?? '[]'})`,
  ].filter((m): m is string => typeof m === 'string');
  if (mismatches.length > 0) {
    throw new OperatorError(
      `${spec.name} was written, but reading it back found ${mismatches.join(', ')}. ` +
        'Another writer may be changing this parameter at the same time; stop it and retry the deployment.',
    );
  }
  return live.version;
}

/** The newest version's attributes, from the history (scoped to this parameter's ARN, unlike DescribeParameters). */
export async function describe(name: string, ctx: LifecycleContext): Promise<LiveParameter> {
  let newest: ParameterHistory | undefined;
  let nextToken: string | undefined;
  do {
    const page = await withRetries(
      'ssm:GetParameterHistory',
      () => ctx.clients.ssm.send(new GetParameterHistoryCommand({ Name: name, NextToken: nextToken, MaxResults: 50 })),
      ctx.deadline,
    );
    newest = page.Parameters?.at(-1) ?? newest;
    nextToken = page.NextToken;
  } while (nextToken);
  return {
    type: newest?.Type,
    keyId: newest?.KeyId,
    tier: newest?.Tier,
    description: newest?.Description,
    allowedPattern: newest?.AllowedPattern,
    policies: (newest?.Policies ?? []).map((p) => normalizePolicy(p.PolicyText)).filter((p) => p !== '{}'),
    version: newest?.Version,
  };
}

/** Parameter Store returns policy text as a string; some emulators return the object. */
function normalizePolicy(text: unknown): string {
  const parsed = typeof text === 'string' ? JSON.parse(text || '{}') : text ?? {};
  return canonicalJson(parsed);
}

export function samePolicies(expected: string | undefined, live: readonly string[]): boolean {
  const want = (expected ? (JSON.parse(expected) as unknown[]) : []).map(canonicalJson).filter((p) => p !== '{}').sort();
  return JSON.stringify(want) === JSON.stringify([...live].sort());
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Intelligent-Tiering picks Standard or Advanced by itself. */
function tierMatches(expected: string, live: string | undefined): boolean {
  return expected === 'Intelligent-Tiering' ? live === 'Standard' || live === 'Advanced' : expected === live;
}

/** Key ids may be given as ARN, id, alias name or alias ARN; compare on the part after `key/` or `alias/`. */
function sameKey(expected: string, live: string | undefined): boolean {
  if (live === undefined) return false;
  const tail = (id: string) => /(?:key|alias)\/.+$/.exec(id)?.[0] ?? id;
  return expected === live || tail(expected) === tail(live);
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ParameterNotFound')) {
      throw err;
    }
  }
}
