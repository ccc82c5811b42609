import { App, Lazy, Stack } from 'aws-cdk-lib';
import { MAX_HIERARCHY_LEVELS, parameterArnFor, parameterNameProblems } from '../../lib/private/parameter-name';

function newStack(env = { account: '111111111111', region: 'eu-west-1' }): Stack {
  return new Stack(new App(), 'Stack', { env });
}

const DOT_LEVEL = "no level can be '.' or '..' (names are not file paths: nothing resolves them, and /app/prod/../x is not /app/x)";

const levels = (n: number) => `/${Array.from({ length: n }, (_, i) => `l${i}`).join('/')}`;

describe('parameterNameProblems', () => {
  test.each([
    ['a simple name', 'token'],
    ['a path', '/app/prod/db'],
    ['aws in the middle', 'myaws'],
    ['ssm as a later level', '/app/ssm/x'],
    ['aws as a later level', '/app/aws'],
    [`${MAX_HIERARCHY_LEVELS} levels`, levels(MAX_HIERARCHY_LEVELS)],
    ['one level without a leading slash', 'l0'],
    ['every allowed character', '/a-Z_0.9/x'],
    // Parameter Store allows '.': only a level that is exactly '.' or '..' is refused
    ['a dot inside a level', '/app/v1.2/x'],
    ['a level that starts with a dot', '/app/.env'],
    ['a level of two dots and more', '/app/..x/x../...'],
    ['a simple name that starts with dots', '..x'],
  ])('accepts %s', (_name, name) => {
    expect(parameterNameProblems(newStack(), name)).toEqual([]);
  });

  test.each([
    ['the aws prefix', 'awsthing', ["it cannot start with 'aws' or 'ssm' (any case, with or without a leading '/')"]],
    ['the ssm prefix after a slash', '/SSM/x', ["it cannot start with 'aws' or 'ssm' (any case, with or without a leading '/')"]],
    ['a trailing slash', '/app/', ["it cannot have an empty level ('//', or a trailing '/')"]],
    ['a slash alone', '/', ["it cannot have an empty level ('//', or a trailing '/')"]],
    ['an empty level', '/app//x', ["it cannot have an empty level ('//', or a trailing '/')"]],
    ['a slash without a leading one', 'app/x', ["a name with '/' must start with '/'"]],
    ['a space', 'a b', ["it may contain only a-z, A-Z, 0-9, '_', '.', '-' and '/'"]],
    [`${MAX_HIERARCHY_LEVELS + 1} levels`, levels(MAX_HIERARCHY_LEVELS + 1), [`it has ${MAX_HIERARCHY_LEVELS + 1} levels; Parameter Store allows at most ${MAX_HIERARCHY_LEVELS}`]],
    // only a leading slash is not a level: every other one separates two
    [`${MAX_HIERARCHY_LEVELS + 1} levels without a leading slash`, levels(MAX_HIERARCHY_LEVELS + 1).slice(1), [
      "a name with '/' must start with '/'",
      `it has ${MAX_HIERARCHY_LEVELS + 1} levels; Parameter Store allows at most ${MAX_HIERARCHY_LEVELS}`,
    ]],
    ['an empty name', '', ['a parameter name cannot be empty']],
    ['a . level', '/app/./x', [DOT_LEVEL]],
    ['a .. level', '/app/prod/../other/secret', [DOT_LEVEL]],
    ['a .. level at the end', '/app/..', [DOT_LEVEL]],
    ['a . level first', '/./app', [DOT_LEVEL]],
    ['. alone', '.', [DOT_LEVEL]],
    ['.. alone', '..', [DOT_LEVEL]],
    ['a .. level without a leading slash', '../x', ["a name with '/' must start with '/'", DOT_LEVEL]],
    ['a token', Lazy.string({ produce: () => '/app/x' }), ['it must be a concrete string, not a token: grants and the encryption context are derived from it at synth time']],
  ])('refuses %s', (_name, name, problems) => {
    expect(parameterNameProblems(newStack(), name)).toEqual(problems);
  });

  test('the ARN limit counts the longest partition, region and account when they are tokens', () => {
    // arn:aws-us-gov:ssm:ap-southeast-5:123456789012:parameter/ is 57 characters
    const agnostic = new Stack(new App(), 'Stack');

    expect(parameterNameProblems(agnostic, `/${'a'.repeat(1011 - 57)}`)).toEqual([]);
    expect(parameterNameProblems(agnostic, `/${'a'.repeat(1012 - 57)}`)).toEqual(['its ARN would be 1012 characters; Parameter Store allows at most 1011']);
  });

  test('the ARN limit drops only the leading slash: a later one is a character of the ARN', () => {
    const agnostic = new Stack(new App(), 'Stack');

    expect(parameterNameProblems(agnostic, `a/${'a'.repeat(1012 - 57 - 2)}`)).toEqual([
      "a name with '/' must start with '/'",
      'its ARN would be 1012 characters; Parameter Store allows at most 1011',
    ]);
  });
});

describe('parameterArnFor', () => {
  test.each([
    ['a', 'parameter/a'],
    ['/a', 'parameter/a'],
    ['/app/db', 'parameter/app/db'],
    ['app/db', 'parameter/app/db'],
  ])('%s: Parameter Store drops the leading slash, and only that one (a and /a are one parameter)', (name, suffix) => {
    const stack = newStack();

    expect(stack.resolve(parameterArnFor(stack, name))).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111111111111:${suffix}`]] });
  });
});
