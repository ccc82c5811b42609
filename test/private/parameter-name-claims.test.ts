import { App, Stack } from 'aws-cdk-lib';
import { ParameterHierarchy, SecureStringParameter, SecureValue } from '../../lib';

function newStack(app = new App(), id = 'Stack'): Stack {
  return new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });
}

function secure(stack: Stack, id: string, parameterName: string): SecureStringParameter {
  return new SecureStringParameter(stack, id, { parameterName, value: SecureValue.generated() });
}

describe('one writer per parameter name in a stack (a and /a are one parameter)', () => {
  test.each([
    ['a, then /a', 'a', '/a'],
    ['/a, then a', '/a', 'a'],
    ['the same path twice', '/app/x', '/app/x'],
  ])('two SecureStrings: %s', (_name, first, second) => {
    const stack = newStack();
    secure(stack, 'First', first);

    expect(() => secure(stack, 'Second', second)).toThrow(
      `Stack/Second: parameterName '${second}' is the parameter that Stack/First already writes ('a' and '/a' are one parameter in Parameter Store); ` +
        'two resources would overwrite each other. Keep one of them, or give this one another name',
    );
  });

  test('a SecureString and a hierarchy member of the same full name', () => {
    const stack = newStack();
    secure(stack, 'Loose', '/app/prod/db');
    const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });

    expect(() => hierarchy.addSecureString('Db', { name: 'db', value: SecureValue.generated() })).toThrow(
      "Stack/Prod/Db: parameterName '/app/prod/db' is the parameter that Stack/Loose already writes",
    );
  });

  test('a hierarchy\'s plain String and a SecureString of the same full name', () => {
    const stack = newStack();
    new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' }).addString('Url', { name: 'url', stringValue: 'https://x' });

    expect(() => secure(stack, 'Loose', '/app/prod/url')).toThrow("Stack/Loose: parameterName '/app/prod/url' is the parameter that Stack/Prod/Url already writes");
  });

  test('a parent and a child hierarchy adding the same full name', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });

    expect(() => prod.child('db').addSecureString('Password', { name: 'password', value: SecureValue.generated() })).toThrow(
      "Stack/Prod/db/Password: parameterName '/app/prod/db/password' is the parameter that Stack/Prod/Password already writes",
    );
  });

  test('the same name in two stacks is two resources of two stacks (the owner tag decides at deploy time)', () => {
    const app = new App();
    secure(newStack(app, 'One'), 'P', '/app/x');

    expect(() => secure(newStack(app, 'Two'), 'P', '/app/x')).not.toThrow();
  });
});
