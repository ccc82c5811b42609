/**
 * The smallest set of resource patterns that covers a set of parameter names, bounded in size so
 * a policy stays the same size whether a stack holds 10 or 450 parameters.
 *
 * Each name is covered by its parent path with the trailing slash (`/app/prod/db` → `app/prod/*`);
 * a name without a parent (`db`, `/db`) is listed exactly. When there are more than `maxPatterns`
 * parents, the deepest ones are merged into their own parents until they fit. A prefix never lacks
 * its trailing `/`, so `/app/prod/*` can never match `/app/production`.
 */
export function coveringPatterns(names: Iterable<string>, maxPatterns = 10): string[] {
  const exact = new Set<string>();
  let parents = new Set<string>();
  for (const name of names) {
    const levels = name.replace(/^\//, '').split('/');
    if (levels.length === 1) {
      exact.add(levels[0]);
    } else {
      parents.add(levels.slice(0, -1).join('/'));
    }
  }
  parents = withoutCovered(parents);
  while (parents.size + exact.size > maxPatterns && [...parents].some((p) => p.includes('/'))) {
    parents = withoutCovered(mergeDeepest(parents));
  }
  return [...[...parents].map((p) => `${p}/*`), ...exact].sort();
}

/** Drops every path that another path in the set already covers. */
function withoutCovered(paths: Set<string>): Set<string> {
  return new Set([...paths].filter((p) => ![...paths].some((q) => q !== p && p.startsWith(`${q}/`))));
}

/** Replaces the deepest paths by their parents. */
function mergeDeepest(paths: Set<string>): Set<string> {
  const depth = (p: string) => p.split('/').length;
  const deepest = Math.max(...[...paths].map(depth));
  return new Set([...paths].map((p) => (depth(p) === deepest && deepest > 1 ? p.split('/').slice(0, -1).join('/') : p)));
}

/** The every-name pattern: statements that use it are scoped by the owner tag of the stack. */
export const EVERY_NAME = '*';

/**
 * The finest patterns for `names` whose size, as `length` counts it, is at most `maxLength`: the exact names (if
 * `exactFirst`), else their covering paths (at most ten), else their top levels, else {@link EVERY_NAME}. Only for
 * statements whose owner-tag condition keeps every other stack's parameters out whatever the pattern: the size of a
 * policy then stays bounded whatever the number and the length of the names.
 */
export function patternsWithin(names: Iterable<string>, maxLength: number, length: (patterns: string[]) => number, exactFirst = true): string[] {
  const exact = [...new Set([...names].map((name) => name.replace(/^\//, '')))].sort();
  const candidates = [...(exactFirst ? [exact] : []), coveringPatterns(exact), coveringPatterns(exact, 1)];
  return candidates.find((patterns) => length(patterns) <= maxLength) ?? [EVERY_NAME];
}

/** Whether `name` is matched by one of `patterns` (exact names, `<path>/*`, or {@link EVERY_NAME}). */
export function isCoveredBy(name: string, patterns: readonly string[]): boolean {
  const bare = name.replace(/^\//, '');
  return patterns.some((p) => p === EVERY_NAME || (p.endsWith('/*') ? bare.startsWith(p.slice(0, -1)) : bare === p));
}
