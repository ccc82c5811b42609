import { coveringPatterns } from '../../lib/private/parameter-prefixes';

describe('coveringPatterns', () => {
  test.each([
    ['one parameter', ['/app/prod/db'], ['app/prod/*']],
    ['siblings share their parent', ['/app/prod/db', '/app/prod/api'], ['app/prod/*']],
    ['a parent covers its descendants', ['/app/prod/db', '/app/prod/db/replica/password', '/app/x'], ['app/*']],
    ['names without a parent are exact', ['flat', '/rooted'], ['flat', 'rooted']],
    ['a look-alike path is not merged into a prefix without its slash', ['/app/prod/a', '/app/production/b'], ['app/prod/*', 'app/production/*']],
  ])('%s', (_name, names, expected) => {
    expect(coveringPatterns(names)).toEqual(expected);
  });

  test('many parents are merged up until they fit, never beyond the top level', () => {
    const names = Array.from({ length: 30 }, (_, i) => `/team${i % 3}/service${i}/secret`);

    expect(coveringPatterns(names, 10)).toEqual(['team0/*', 'team1/*', 'team2/*']);
  });

  test('the result is bounded whatever the number of parameters under one path', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `/app/prod/service${i % 50}/secret${i}`);

    expect(coveringPatterns(names, 10)).toEqual(['app/prod/*']);
  });

  test('every pattern with a wildcard ends in "/*"', () => {
    const names = ['/a/b/c', '/a/bc/d', 'x', '/y/z'];
    for (const pattern of coveringPatterns(names)) {
      expect(pattern.endsWith('/*') || !pattern.includes('*')).toBe(true);
    }
  });
});
