import { GetParameterHistoryCommand, ParameterHistory, ParameterInlinePolicy, SSMClient } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError } from './errors';
import { ParameterSpec } from './request';
import { withRetries } from './retry';
import { SOURCE_LABEL_PREFIX, canonicalJson } from './source-fingerprint';

/** One kept version as the history reports it: its number, write time, labels and attributes, never its value. */
export interface VersionFacts {
  readonly type?: string;
  readonly keyId?: string;
  readonly tier?: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly policies: string[];
  readonly version?: number;
  /** When the version was written. */
  readonly lastModified?: Date;
  readonly labels?: readonly string[];
}

/** What the handler needs from a parameter's history: the newest version's facts, our labels, and every version. */
export interface LiveParameter extends VersionFacts {
  /** The versions Parameter Store keeps (at most 100). */
  readonly versionCount: number;
  /** The oldest kept version and its labels: a write at 100 versions drops it, and fails if it is labelled. */
  readonly oldest?: { readonly version: number; readonly labels: readonly string[] };
  /** Each source label the handler set, and the version it names. */
  readonly sourceLabels: ReadonlyMap<string, number>;
  /** Every kept version, oldest first: a writer tells from them whether another one wrote since it read. */
  readonly versions: readonly VersionFacts[];
}

/** What PutParameter answered. */
export interface WrittenVersion {
  readonly version: number;
  readonly tier?: string;
}

interface HistoryContext {
  readonly clients: Clients;
  readonly deadline: number;
}

/**
 * Every kept version of the parameter, oldest first. Parameter Store keeps at most 100 versions and pages
 * GetParameterHistory by at most 50, so this is one or two calls; unlike DescribeParameters (which only
 * works on `*`) it is authorized against this parameter's ARN.
 */
export async function readHistory(name: string, ctx: HistoryContext): Promise<LiveParameter> {
  return readHistoryIn(ctx.clients.ssm, name, ctx.deadline);
}

/** {@link readHistory} through a given Parameter Store client (a replica's source region). */
export async function readHistoryIn(ssm: SSMClient, name: string, deadline: number): Promise<LiveParameter> {
  const versions: ParameterHistory[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetries(
      'ssm:GetParameterHistory',
      (options) => ssm.send(new GetParameterHistoryCommand({ Name: name, NextToken: nextToken, MaxResults: 50 }), options),
      deadline,
    );
    versions.push(...(page.Parameters ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return liveParameter(versions);
}

function liveParameter(history: readonly ParameterHistory[]): LiveParameter {
  const versions = history.map(versionFacts);
  const oldest = versions[0];
  const sourceLabels = new Map<string, number>();
  for (const v of versions) {
    for (const label of v.labels ?? []) {
      if (label.startsWith(SOURCE_LABEL_PREFIX) && v.version !== undefined) sourceLabels.set(label, v.version);
    }
  }
  return {
    ...(versions.at(-1) ?? { policies: [] }),
    versionCount: versions.length,
    oldest: oldest?.version === undefined ? undefined : { version: oldest.version, labels: oldest.labels ?? [] },
    sourceLabels,
    versions,
  };
}

function versionFacts(v: ParameterHistory): VersionFacts {
  return {
    type: v.Type,
    keyId: v.KeyId,
    tier: v.Tier,
    description: v.Description,
    allowedPattern: v.AllowedPattern,
    policies: normalizedPolicies(v.Policies),
    version: v.Version,
    lastModified: v.LastModifiedDate,
    labels: v.Labels,
  };
}

/** The kept version `version`, or undefined when the history no longer has it. */
export function versionOf(live: LiveParameter, version: number): VersionFacts | undefined {
  return live.versions.find((v) => v.version === version);
}

/** The parameter as it was when `version` was its newest (its attributes, for a write that keeps them). */
export function liveAt(live: LiveParameter, version: number): LiveParameter {
  return { ...live, ...versionOf(live, version) };
}

/**
 * Whether two reads name the same write: the same version number written at the same time. A parameter deleted and
 * created again starts its versions at 1 again, so the number alone does not tell.
 */
export function sameWrite(a: VersionFacts | undefined, b: VersionFacts | undefined): boolean {
  return a !== undefined && b !== undefined && a.version === b.version && a.lastModified?.getTime() === b.lastModified?.getTime();
}

/**
 * What reading back a version just written finds different from what was written: drift that Parameter Store
 * accepted silently. The tier comes from PutParameter's answer; the key, type, pattern and policies only the history
 * reports.
 */
export function writeMismatches(spec: ParameterSpec, written: WrittenVersion, facts: VersionFacts): Array<string | false> {
  return [tierMismatch(spec, written), ...attributeMismatches(spec, facts)];
}

/** A tier PutParameter answered that the template did not ask for. */
export function tierMismatch(spec: ParameterSpec, written: WrittenVersion): string | false {
  return written.tier !== undefined && !tierMatches(spec.tier, written.tier) && `tier ${written.tier} (expected ${spec.tier})`;
}

/** Checks the newest version when nothing was written (it must still be what the template asks for). */
export function verifyLive(spec: ParameterSpec, live: LiveParameter): number | undefined {
  assertNoMismatch(spec.name, attributeMismatches(spec, live));
  return live.version;
}

export function attributeMismatches(spec: ParameterSpec, live: VersionFacts): Array<string | false> {
  return [
    live.type !== 'SecureString' && `type ${live.type} (expected SecureString)`,
    sameKey(spec.keyId, live.keyId) === false && `key ${live.keyId} (expected ${spec.keyId})`,
    !tierMatches(spec.tier, live.tier) && `tier ${live.tier} (expected ${spec.tier})`,
    (spec.allowedPattern ?? '') !== (live.allowedPattern ?? '') && `allowed pattern ${live.allowedPattern ?? '(none)'} (expected ${spec.allowedPattern ?? '(none)'})`,
    !samePolicies(spec.policies, live.policies) && `policies ${JSON.stringify(live.policies)} (expected ${spec.policies ?? '[]'})`,
  ];
}

export function assertNoMismatch(name: string, mismatches: ReadonlyArray<string | false>): void {
  const found = mismatches.filter((m): m is string => typeof m === 'string');
  if (found.length > 0) {
    throw new OperatorError(
      `${name} was written, but reading it back found ${found.join(', ')}. ` +
        'Another writer may be changing this parameter at the same time; stop it and retry the deployment.',
    );
  }
}

/** Whether the key, tier, description, pattern or policies of the template differ from the live ones. */
export function attributesChanged(spec: ParameterSpec, live: LiveParameter, oldKeyId: string | undefined): boolean {
  const keyMatch = sameKey(spec.keyId, live.keyId);
  return (
    // an alias against a key ARN cannot be compared without KMS: the template's own change decides
    (keyMatch === undefined ? oldKeyId !== spec.keyId : !keyMatch) ||
    !tierMatches(spec.tier, live.tier) ||
    (spec.description ?? '') !== (live.description ?? '') ||
    (spec.allowedPattern ?? '') !== (live.allowedPattern ?? '') ||
    !samePolicies(spec.policies, live.policies)
  );
}

/** A version's policies as the handler compares them: canonical JSON each, without the `{}` that clears them. */
export function normalizedPolicies(policies: readonly ParameterInlinePolicy[] | undefined): string[] {
  return (policies ?? []).map((p) => normalizePolicy(p.PolicyText)).filter((p) => p !== '{}');
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

/**
 * Intelligent-Tiering picks Standard or Advanced by itself; emulators (moto) report the requested
 * `Intelligent-Tiering` instead.
 */
export function tierMatches(expected: string, live: string | undefined): boolean {
  return expected === 'Intelligent-Tiering' ? live === 'Standard' || live === 'Advanced' || live === expected : expected === live;
}

/**
 * Whether the template's key is the live one. Keys may be given as key ARN, key id, alias name or alias
 * ARN: a key id matches the key ARN that ends with it, an alias matches the same alias. An alias against a
 * key ARN (or the reverse) cannot be decided without KMS (`undefined`), except the AWS managed `aws/ssm`
 * key that Parameter Store uses when a writer names none: it is never the template's key unless named.
 */
export function sameKey(expected: string, live: string | undefined): boolean | undefined {
  if (live === undefined) return false;
  if ([expected, live].some((k) => k.endsWith(AWS_MANAGED_KEY))) return expected.endsWith(AWS_MANAGED_KEY) && live.endsWith(AWS_MANAGED_KEY);
  const a = keyReference(expected);
  const b = keyReference(live);
  if (a.kind !== b.kind) return undefined;
  return a.id === b.id && (a.arnPrefix === undefined || b.arnPrefix === undefined || a.arnPrefix === b.arnPrefix);
}

const AWS_MANAGED_KEY = 'alias/aws/ssm';

function keyReference(keyId: string): { kind: 'key' | 'alias'; id: string; arnPrefix?: string } {
  const arn = /^(arn:[^:]+:kms:[^:]*:[^:]*):(key|alias)\/(.+)$/.exec(keyId);
  if (arn) return { kind: arn[2] as 'key' | 'alias', id: arn[3], arnPrefix: arn[1] };
  return keyId.startsWith('alias/') ? { kind: 'alias', id: keyId.slice('alias/'.length) } : { kind: 'key', id: keyId };
}
