import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { SECURE_STRING_CHUNK_TYPE, SECURE_STRING_TYPE, TemplateResource } from './stack-template';
import { MemberDefaults, MemberEntry, memberObject, memberSource, memberValue } from '../../private/batch-protocol';

/** What the rules read of one SecureString, under the names of a SecureStringParameter's properties. */
export interface SecureStringProperties {
  /** The full name, for a member of a chunk (the granular finding names it); undefined for a SecureStringParameter. */
  readonly member?: string;
  /** The name of a SecureStringParameter (a chunk's members are named by `member`). */
  readonly Name?: unknown;
  readonly KeyId?: unknown;
  readonly Tier?: string;
  readonly Policies?: string;
  readonly ExpireAfterSeconds?: string;
  readonly Rotation?: unknown;
  readonly Source: { readonly Type?: string };
}

/**
 * The SecureStrings a resource writes: itself for a SecureStringParameter, every member for a chunk of a
 * batched hierarchy (with the chunk's defaults filled in, as the handler reads them: batch-request.ts), and
 * undefined for any other resource. Rules judge each member, so that a batched hierarchy is not clean by
 * being invisible to them.
 */
export function secureStringsOf(resource: TemplateResource | undefined): SecureStringProperties[] | undefined {
  if (resource?.type === SECURE_STRING_TYPE) {
    return [resource.properties as SecureStringProperties];
  }
  if (resource?.type !== SECURE_STRING_CHUNK_TYPE) {
    return undefined;
  }
  const { Path, KeyId, Defaults, Members } = resource.properties;
  const defaults: MemberDefaults = Defaults ?? {};
  return ((Members ?? []) as MemberEntry[]).map((entry) => ({
    member: `${Path}/${memberObject(entry).N}`,
    KeyId,
    Tier: memberValue(entry, defaults, 'Tier'),
    Policies: memberValue(entry, defaults, 'Policies'),
    ExpireAfterSeconds: memberValue(entry, defaults, 'ExpireAfterSeconds'),
    Rotation: memberValue(entry, defaults, 'Rotation'),
    Source: { Type: memberSource(entry).Type },
  }));
}

/**
 * A rule's result over the SecureStrings a resource writes, of those it `concerns`: not applicable when there
 * are none; for a SecureStringParameter, compliant or not; for a chunk, one granular finding per failing
 * member, `Member::<full name>`, which can be acknowledged on the hierarchy (an ancestor of every chunk,
 * whichever chunk the member lands in as members are added).
 */
export function judgeSecureStrings(
  resource: TemplateResource | undefined,
  fails: (secureString: SecureStringProperties) => boolean,
  concerns: (secureString: SecureStringProperties) => boolean = () => true,
): NagRuleResult {
  const judged = (secureStringsOf(resource) ?? []).filter(concerns);
  if (judged.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const failing = judged.filter(fails);
  if (resource!.type === SECURE_STRING_TYPE) {
    return failing.length > 0 ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
  }
  return failing.length > 0 ? failing.map((s) => `Member::${s.member}`) : NagRuleCompliance.COMPLIANT;
}
