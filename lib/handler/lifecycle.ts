import { DeleteParameterCommand, Tag } from '@aws-sdk/client-ssm';
import { DeployWrite, DeployWriteContext, DeployWriter } from './deploy-write';
import { OperatorError, unlessParameterNotFound } from './errors';
import { withExpiration } from './expiration';
import { Ownership, TakeOver, assertMayTakeOver, ownershipTags, readOwnership, release, staleTags } from './ownership';
import { WriteMode, currentValue, pacedWrite, syncTags } from './parameter-writes';
import { LiveParameter, attributesChanged, readHistory, verifyLive } from './read-back';
import { currentSourceVersion, isReplica, withSourceAttributes } from './replica-source';
import { LifecycleRequest, ParameterSpec, isNotCreatedPhysicalId, parameterArn } from './request';
import { stopRotation } from './rotation-tags';
import { sameSource, sourceLabel } from './source-fingerprint';
import { labelledValue } from './source-labels';
import { keepsWrittenValue, resolveValue } from './value-source';
import { OWNER_TAG_KEY, SourceType, canonicalParameterName } from '../private/handler-protocol';
import { CURRENT_LABEL, ROTATION_TAG_KEY } from '../private/rotation-protocol';

/** What the handler reports back to CloudFormation. Never a value. */
export interface LifecycleOutcome {
  readonly physicalId: string;
  readonly version?: number;
  readonly arn?: string;
}

/** Everything a lifecycle step needs besides the request (a batched chunk's deferred read-back included). */
export type LifecycleContext = DeployWriteContext;

export async function runLifecycle(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  return request.requestType !== 'Delete' && isReplica(request.spec) ? copyReplica(request, ctx) : dispatch(request, ctx);
}

/** Reads of the source and writes of its replica before a replica gives up following a source that keeps moving. */
const REPLICA_ATTEMPTS = 3;

/**
 * A replica converges to its source as it is now: its value, description, pattern and policies. A source that
 * moved while it was copied (an operator, the source's rotator, the copier of `follow` writing the same replica)
 * is copied again, so the replica never ends on an older source version than the one current after its write.
 */
async function copyReplica(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  for (let attempt = 1; ; attempt++) {
    const spec = await withSourceAttributes(request.spec, ctx.clients, ctx.deadline);
    const copied = await dispatch({ ...request, spec }, ctx);
    const now = await currentSourceVersion(spec.name, spec.source.SourceRegion!, ctx.clients, ctx.deadline);
    if (String(now) === spec.source.SourceVersion || attempt === REPLICA_ATTEMPTS) {
      return copied;
    }
  }
}

async function dispatch(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  switch (request.requestType) {
    case 'Create':
      return create(request, request.spec, ctx, { mode: request.spec.adopt ? TakeOver.ADOPT_UNOWNED : TakeOver.OWNED_ONLY, exists: request.exists });
    case 'Update':
      return update(request, ctx);
    case 'Delete':
      return remove(request, ctx);
  }
}

/**
 * Where the value of a write comes from: the value the parameter holds, an earlier version written from
 * the same source (found by its label), or the source itself (or a value carried over by a rename).
 */
type ValuePlan =
  | { readonly kind: 'current' }
  | { readonly kind: 'restore'; readonly label: string }
  | { readonly kind: 'new'; readonly value?: string };

interface CreateOptions {
  readonly mode: TakeOver;
  /** The value of the parameter a rename comes from, when the source keeps its written value. */
  readonly carried?: string;
  /** Known to exist (a batched chunk checks ten names per read): go straight to the takeover, without a write. */
  readonly exists?: boolean;
}

/**
 * Creates the parameter with `Overwrite: false`, so nothing that exists is touched by accident. When the
 * name exists, it is taken over only if our owner tag is on it (a redelivered Create, a re-created stack,
 * a rename back) or, on a Create with adoptExisting, if no stack owns it.
 */
async function create(request: LifecycleRequest, spec: ParameterSpec, ctx: LifecycleContext, options: CreateOptions): Promise<LifecycleOutcome> {
  if (options.exists) {
    return takeOver(request, spec, ctx, options, () => newValue(request, spec, ctx));
  }
  const value = options.carried ?? (await newValue(request, spec, ctx));
  const mode: WriteMode = { Overwrite: false, Tags: [...ownershipTags(request.owner, false), ...spec.tags] };
  try {
    const writer = new DeployWriter(deployWrite(spec, value, { keepExpiry: false, rotatorMayWrite: spec.rotation !== undefined }), ctx);
    await writer.writeFirst(undefined, mode);
    return outcome(request, spec, await writer.readBack());
  } catch (err) {
    if (err instanceof Error && err.name === 'AccessDeniedException') {
      await refuseIfAnotherOwner(request, spec, options, err, ctx);
    }
    if (!(err instanceof Error && err.name === 'ParameterAlreadyExists')) {
      throw err;
    }
  }
  return takeOver(request, spec, ctx, options, async () => value);
}

/**
 * The handler role may not write a name another stack's owner tag is on, even under the template's paths:
 * IAM answers AccessDenied before Parameter Store could say the name exists. Say whose it is instead.
 */
async function refuseIfAnotherOwner(
  request: LifecycleRequest,
  spec: ParameterSpec,
  options: CreateOptions,
  denied: Error,
  ctx: LifecycleContext,
): Promise<void> {
  const ownership = await readOwnership(spec.name, ctx);
  if (ownership?.owner !== undefined) {
    assertMayTakeOver(spec.name, ownership, request.owner, options.mode);
  }
  throw denied;
}

/** The name exists: converge it to the template if we may, keeping or restoring the value it should hold. */
async function takeOver(
  request: LifecycleRequest,
  spec: ParameterSpec,
  ctx: LifecycleContext,
  options: CreateOptions,
  value: () => Promise<string>,
): Promise<LifecycleOutcome> {
  const ownership = await existingOwnership(spec.name, ctx);
  const adopting = assertMayTakeOver(spec.name, ownership, request.owner, options.mode);
  const live = await readHistory(spec.name, ctx);
  assertNoDowngrade(spec, live);
  // Only "the newest version is this source's" counts here (a redelivered Create): an older labelled version
  // was overwritten since (say, by an operator while the stack was gone), and a takeover never reverts that.
  const labelled = labelPlan(spec, live);
  const plan: ValuePlan =
    labelled?.kind === 'current' ? labelled
      : options.carried !== undefined ? { kind: 'new', value: options.carried }
        : keepsWrittenValue(spec.source) ? { kind: 'current' } : { kind: 'new', value: await value() };
  const tags = [...ownershipTags(request.owner, adopting || ownership.adopted), ...spec.tags];
  const rotatorMayWrite = ownership.rotating || spec.rotation !== undefined;
  return converge(request, spec, live, plan, ctx, { keepExpiry: true, tags, previousTags: staleTags(ownership), rotatorMayWrite });
}

async function existingOwnership(name: string, ctx: LifecycleContext): Promise<Ownership> {
  const ownership = await readOwnership(name, ctx);
  if (ownership === undefined) {
    throw new OperatorError(`${name} existed when the handler created it, and was deleted right after. Another writer is changing this name; stop it and retry.`);
  }
  return ownership;
}

/**
 * A rename creates the new parameter first (CloudFormation then deletes the old one, unless retained).
 * `a` and `/a` are one parameter: that is no rename, and the physical id CloudFormation knows is answered
 * unchanged, so that it sends no cleanup Delete for the old name.
 */
async function update(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  const { oldSpec } = request;
  const physicalId = request.physicalId ?? request.spec.name;
  if (canonicalParameterName(physicalId) !== canonicalParameterName(request.spec.name)) {
    const keeps = oldSpec !== undefined && keepsWrittenValue(request.spec.source) && sameSource(oldSpec.source, request.spec.source);
    return create(request, request.spec, ctx, { mode: TakeOver.OWNED_ONLY, carried: keeps ? await valueIfExists(physicalId, ctx) : undefined });
  }
  const spec: ParameterSpec = { ...request.spec, name: physicalId };
  const ownership = await readOwnership(physicalId, ctx);
  if (ownership === undefined) {
    // deleted outside CloudFormation: bring it back rather than fail the stack
    return create(request, spec, ctx, { mode: TakeOver.OWNED_ONLY });
  }
  // an Update never adopts: adoptExisting applies when the resource is created
  assertMayTakeOver(physicalId, ownership, request.owner, TakeOver.OWNED_ONLY);
  if (ownership.rotating && !spec.rotation) {
    await stopRotation(physicalId, ctx);
  }
  const live = await readHistory(physicalId, ctx);
  assertNoDowngrade(spec, live);
  const unchanged = spec.source.Type === SourceType.PLACEHOLDER || sameSource(oldSpec?.source, spec.source);
  const plan: ValuePlan = unchanged ? { kind: 'current' } : labelPlan(spec, live) ?? { kind: 'new' };
  const tags = [...ownershipTags(request.owner, ownership.adopted), ...spec.tags];
  const keepExpiry = oldSpec?.expireAfterSeconds === spec.expireAfterSeconds;
  // a parameter taken off rotation keeps its rotation tag, stopped (rotation-tags.ts): only the options tag goes
  const previousTags = [...(oldSpec?.tags ?? []), ...staleTags(ownership)].filter((t) => spec.rotation || t.Key !== ROTATION_TAG_KEY);
  const rotatorMayWrite = ownership.rotating || spec.rotation !== undefined;
  return converge(request, spec, live, plan, ctx, { keepExpiry, tags, previousTags, oldKeyId: oldSpec?.keyId, rotatorMayWrite });
}

/** The value under `name`, or nothing when the parameter is gone (deleted outside CloudFormation). */
function valueIfExists(name: string, ctx: LifecycleContext): Promise<string | undefined> {
  return unlessParameterNotFound(() => currentValue(name, ctx));
}

/**
 * The version labelled with this source's fingerprint: nothing to do for the value when it is the newest
 * (a redelivered event), its value made current again when older (a rollback, or an Update back to a
 * source written before). Placeholders are never restored: operators own their value.
 */
function labelPlan(spec: ParameterSpec, live: LiveParameter): ValuePlan | undefined {
  if (spec.source.Type === SourceType.PLACEHOLDER) {
    return undefined;
  }
  const label = sourceLabel(spec.source);
  const version = live.sourceLabels.get(label);
  if (version === undefined) {
    return undefined;
  }
  return version === live.version ? { kind: 'current' } : { kind: 'restore', label };
}

interface ConvergeOptions {
  /** Keep the live Expiration timestamp when the value stays. */
  readonly keepExpiry: boolean;
  readonly tags: readonly Tag[];
  readonly previousTags: readonly Tag[];
  /** The key of the previous template, to decide a change the live key cannot tell (an alias). */
  readonly oldKeyId?: string;
  /** The stack's rotator may write the parameter meanwhile (deploy-write.ts). */
  readonly rotatorMayWrite: boolean;
}

/** Writes a version when the value or an attribute must change, syncs the tags, and reads back. */
async function converge(
  request: LifecycleRequest,
  spec: ParameterSpec,
  live: LiveParameter,
  plan: ValuePlan,
  ctx: LifecycleContext,
  options: ConvergeOptions,
): Promise<LifecycleOutcome> {
  const target = withExpiration(spec, plan.kind !== 'current' || !options.keepExpiry ? undefined : live);
  if (plan.kind === 'current' && !attributesChanged(target, live, options.oldKeyId)) {
    await syncTags(spec.name, options.tags, options.previousTags, ctx);
    return outcome(request, spec, verifyLive(target, live));
  }
  // a kept value is read through Parameter Store (under the key it was written with) and written under the new one
  const value = plan.kind === 'current' ? undefined : await planValue(request, spec, plan, ctx);
  const writer = new DeployWriter(deployWrite(spec, value, options), ctx);
  await writer.writeFirst(live, { Overwrite: true });
  await syncTags(spec.name, options.tags, options.previousTags, ctx);
  return outcome(request, spec, await writer.readBack());
}

/** What the deploy writes: a new value labels the one it replaces `previous` on a rotating parameter that keeps it. */
function deployWrite(spec: ParameterSpec, value: string | undefined, options: Pick<ConvergeOptions, 'keepExpiry' | 'rotatorMayWrite'>): DeployWrite {
  return {
    spec,
    labels: versionLabels(spec),
    value,
    keepExpiry: options.keepExpiry,
    labelPrevious: value !== undefined && spec.rotation?.keepPrevious === true,
    rotatorMayWrite: options.rotatorMayWrite,
  };
}

async function planValue(request: LifecycleRequest, spec: ParameterSpec, plan: Exclude<ValuePlan, { kind: 'current' }>, ctx: LifecycleContext): Promise<string> {
  return plan.kind === 'restore' ? remember(await labelledValue(spec.name, plan.label, ctx), ctx) : plan.value ?? newValue(request, spec, ctx);
}

/**
 * Deletes only what this resource owns; a parameter that is already gone is success. An adopted parameter
 * is given back (our tags removed) instead: it existed before the stack, so no Delete removes it, a
 * rollback's included.
 */
async function remove(request: LifecycleRequest, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  const name = request.physicalId ?? request.spec.name;
  if (isNotCreatedPhysicalId(name)) {
    console.log(`Delete ${name}: nothing to delete, the Create failed before it made a parameter`);
    return { physicalId: name };
  }
  const ownership = await readOwnership(name, ctx);
  if (ownership === undefined) {
    return { physicalId: name };
  }
  if (ownership.owner !== request.owner) {
    const whose = ownership.owner === undefined ? `it has no ${OWNER_TAG_KEY} tag` : `it is owned by ${ownership.owner}`;
    console.log(`Delete ${name}: left in place, ${whose}, not by ${request.owner}`);
    return { physicalId: name };
  }
  if (ownership.rotating) {
    // before the delete: a rotation under way then stops, or its write is refused
    await stopRotation(name, ctx);
  }
  if (ownership.adopted) {
    await release(name, ctx);
    console.log(`Delete ${name}: released, not deleted: it existed before this stack adopted it`);
    return { physicalId: name };
  }
  await unlessParameterNotFound(() => pacedWrite('ssm:DeleteParameter', (options) => ctx.clients.ssm.send(new DeleteParameterCommand({ Name: name }), options), ctx));
  return { physicalId: name };
}

/**
 * The labels of a version the handler writes: its source's fingerprint, and `current` on a rotating
 * parameter that keeps the previous value readable (the newest version is the current value, whoever wrote it).
 */
function versionLabels(spec: ParameterSpec): string[] {
  return [sourceLabel(spec.source), ...(spec.rotation?.keepPrevious ? [CURRENT_LABEL] : [])];
}

function outcome(request: LifecycleRequest, spec: ParameterSpec, version: number | undefined): LifecycleOutcome {
  return { physicalId: spec.name, version, arn: parameterArn(request.ssmArnPrefix, canonicalParameterName(spec.name)) };
}

function assertNoDowngrade(spec: ParameterSpec, live: LiveParameter): void {
  if (live.tier === 'Advanced' && spec.tier === 'Standard') {
    throw new OperatorError(
      `${spec.name} is an Advanced parameter and Parameter Store cannot move it back to Standard. ` +
        'Keep tier Advanced (or Intelligent-Tiering), or create a Standard parameter under a new name.',
    );
  }
}

async function newValue(request: LifecycleRequest, spec: ParameterSpec, ctx: LifecycleContext): Promise<string> {
  const target = { name: spec.name, parameterArn: parameterArn(request.ssmArnPrefix, spec.name), keyId: spec.keyId, deadline: ctx.deadline };
  return remember(await resolveValue(spec.source, target, ctx.clients), ctx);
}

function remember(value: string, ctx: LifecycleContext): string {
  ctx.secrets.add(value);
  return value;
}
