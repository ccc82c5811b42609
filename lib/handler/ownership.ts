import { ListTagsForResourceCommand, RemoveTagsFromResourceCommand, Tag } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError } from './errors';
import { withRetries } from './retry';
import { ADOPTED_TAG_KEY, OWNER_TAG_KEY, REMOVED_TAG_KEY } from '../private/handler-protocol';
import { ROTATION_STOPPED_TAG_VALUE, ROTATION_TAG_KEY } from '../private/rotation-protocol';

interface TagContext {
  readonly clients: Clients;
  readonly deadline: number;
}

/** Who owns an existing parameter, as its tags say. */
export interface Ownership {
  /** The value of our owner tag; absent when the parameter does not carry it. */
  readonly owner?: string;
  /** The parameter existed before its resource and was taken over with adoptExisting. */
  readonly adopted: boolean;
  /**
   * A batched member that left the app carries {@link REMOVED_TAG_KEY}: its value is the physical id of the
   * chunk generation that removed it. A takeover removes it.
   */
  readonly removedBy?: string;
  /** It carries a rotation tag that no deploy stopped: the stack's rotator may write it. */
  readonly rotating: boolean;
}

/**
 * The ownership of a parameter, or `undefined` when it does not exist. Only InvalidResourceId and
 * ParameterNotFound mean "gone": the handler role may list the tags of any parameter (so AccessDenied is a
 * real IAM problem and fails the request instead of passing for a deleted parameter).
 */
export async function readOwnership(name: string, ctx: TagContext): Promise<Ownership | undefined> {
  const tags = await tagsIfExists(name, ctx);
  // our tag key only, wherever it is in the list
  return tags === undefined
    ? undefined
    : {
      owner: tags.find((t) => t.Key === OWNER_TAG_KEY)?.Value,
      adopted: tags.some((t) => t.Key === ADOPTED_TAG_KEY),
      removedBy: tags.find((t) => t.Key === REMOVED_TAG_KEY)?.Value,
      rotating: rotates(tags.find((t) => t.Key === ROTATION_TAG_KEY)?.Value),
    };
}

function rotates(rotationTag: string | undefined): boolean {
  return rotationTag !== undefined && rotationTag !== ROTATION_STOPPED_TAG_VALUE;
}

/** The parameter's tags, or `undefined` when it does not exist (see {@link readOwnership}). */
export async function tagsIfExists(name: string, ctx: TagContext): Promise<Tag[] | undefined> {
  try {
    return await listTags(name, ctx);
  } catch (err) {
    if (err instanceof Error && (err.name === 'InvalidResourceId' || err.name === 'ParameterNotFound')) {
      return undefined;
    }
    throw err;
  }
}

export async function listTags(name: string, ctx: TagContext): Promise<Tag[]> {
  const result = await withRetries(
    'ssm:ListTagsForResource',
    (options) => ctx.clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }), options),
    ctx.deadline,
  );
  return result.TagList ?? [];
}

/** Where a request may take over an existing parameter. */
export enum TakeOver {
  /** Only what this resource already owns (an Update, or a Create without adoptExisting). */
  OWNED_ONLY,
  /** Also a parameter that no stack owns (a Create with adoptExisting). */
  ADOPT_UNOWNED,
}

/**
 * Refuses a parameter this resource does not own. Another owner's parameter is refused even with
 * adoptExisting: adoption is for parameters made outside CloudFormation, never for another stack's.
 * Returns whether the parameter is being adopted now.
 */
export function assertMayTakeOver(name: string, ownership: Ownership, owner: string, mode: TakeOver): boolean {
  if (sameStack(ownership.owner, owner)) {
    return false;
  }
  if (ownership.owner === undefined && mode === TakeOver.ADOPT_UNOWNED) {
    return true;
  }
  const intro = `${name} already exists and is not managed by this resource (${owner})`;
  if (ownership.owner !== undefined) {
    const advice = mode === TakeOver.ADOPT_UNOWNED
      ? 'adoptExisting never takes a parameter from another stack or resource. Choose another name, or remove the parameter from its owner first.'
      : 'Choose another name, or remove the parameter from its owner first.';
    throw new OperatorError(`${intro}: it is owned by ${ownership.owner}. ${advice}`);
  }
  throw new OperatorError(
    `${intro}: it has no ${OWNER_TAG_KEY} tag. ` +
      'Choose another name, delete the existing parameter, or set adoptExisting: true to take it over (adoption happens only when the resource is created).',
  );
}

/**
 * This resource, or another resource of this stack: its logical id changed (a construct moved, a
 * refactoring) while the name stayed. The new resource takes the parameter over and re-tags it; the old
 * one's cleanup Delete then finds another owner and leaves it. Stack names cannot contain `/`, so the
 * prefix is exact.
 */
function sameStack(tagOwner: string | undefined, owner: string): boolean {
  const stackOf = (value: string) => value.slice(0, value.indexOf('/') + 1);
  return tagOwner !== undefined && stackOf(tagOwner) === stackOf(owner);
}

/** The tags that make a parameter ours; an adopted one also records the adoption. */
export function ownershipTags(owner: string, adopted: boolean): Tag[] {
  return [{ Key: OWNER_TAG_KEY, Value: owner }, ...(adopted ? [{ Key: ADOPTED_TAG_KEY, Value: 'true' }] : [])];
}

/** The tags a takeover removes: the removal mark of a batched member that comes back. */
export function staleTags(ownership: Ownership): Tag[] {
  return ownership.removedBy !== undefined ? [{ Key: REMOVED_TAG_KEY, Value: '' }] : [];
}

/** Gives an adopted parameter back: our tags go, the parameter and its value stay. */
export async function release(name: string, ctx: TagContext): Promise<void> {
  await withRetries(
    'ssm:RemoveTagsFromResource',
    (options) => ctx.clients.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: [OWNER_TAG_KEY, ADOPTED_TAG_KEY] }), options),
    ctx.deadline,
  );
}
