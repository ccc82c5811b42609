/**
 * EventBridge pattern matching for the operators this library emits: exact values, `prefix` and
 * `equals-ignore-case`. Anything else throws, so a pattern we cannot judge is never judged by accident.
 * (moto_server answers TestEventPattern with an empty body, and no maintained matcher is on npm.)
 */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = event[field];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return actual !== undefined && expected.some((matcher) => values.some((value) => matchesValue(matcher, value)));
    }
    if (expected && typeof expected === 'object') {
      return actual !== null && typeof actual === 'object' && matchesPattern(expected as Record<string, unknown>, actual as Record<string, unknown>);
    }
    throw new Error(`pattern field ${field} must be an array or an object`);
  });
}

function matchesValue(matcher: unknown, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') {
    return matcher === value;
  }
  const [[operator, operand], ...rest] = Object.entries(matcher as Record<string, unknown>);
  if (rest.length > 0) throw new Error('one operator per matcher');
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(String(operand));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(operand).toLowerCase();
    default:
      throw new Error(`the matcher does not implement ${operator}`);
  }
}
