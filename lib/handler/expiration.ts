import { LiveParameter } from './read-back';
import { ParameterSpec } from './request';
import { expirationJson } from '../private/handler-protocol';

/**
 * The spec with its relative expiration (if any) turned into an Expiration policy: the timestamp the live
 * parameter already has when `keepFrom` is given and has one, else now plus the relative duration.
 */
export function withExpiration(spec: ParameterSpec, keepFrom: LiveParameter | undefined): ParameterSpec {
  if (spec.expireAfterSeconds === undefined) {
    return spec;
  }
  return { ...spec, policies: policiesWithExpiration(spec.expireAfterSeconds, spec.policies, keepFrom) };
}

/**
 * The fixed policies (a JSON array) preceded by an Expiration: the timestamp the live parameter has when
 * `keepFrom` is given and has one, else now plus `expireAfterSeconds`.
 */
export function policiesWithExpiration(
  expireAfterSeconds: number,
  fixedPolicies: string | undefined,
  keepFrom: LiveParameter | undefined,
  now: number = Date.now(),
): string {
  const timestamp = (keepFrom && liveExpirationTimestamp(keepFrom)) ?? new Date(now + expireAfterSeconds * 1000).toISOString();
  const fixed = fixedPolicies ? (JSON.parse(fixedPolicies) as unknown[]).map((p) => JSON.stringify(p)) : [];
  return `[${[expirationJson(timestamp), ...fixed].join(',')}]`;
}

function liveExpirationTimestamp(live: LiveParameter): string | undefined {
  const expiration = live.policies.map((p) => JSON.parse(p)).find((p) => p.Type === 'Expiration');
  return expiration?.Attributes?.Timestamp;
}
