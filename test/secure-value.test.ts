import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SecureStringParameter, SecureValue, SecureValueSource } from '../lib';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-credentials-AbCdEf';

function sourceProperties(value: SecureValue): unknown {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  new SecureStringParameter(stack, 'P', { parameterName: '/app/x', value });
  const [resource] = Object.values(Template.fromStack(stack).findResources('Custom::SecureStringParameter')) as any[];
  return resource.Properties.Source;
}

describe('SecureValue.generated writes its options canonically', () => {
  test.each([
    ['another order', { length: 40, excludePunctuation: true }, { excludePunctuation: true, length: 40 }],
    ['defaults written out', { length: 40, excludePunctuation: true }, { excludeNumbers: false, length: 40, requireEachIncludedType: true, excludePunctuation: true, generation: 1 }],
    ['undefined options', { length: 40, excludePunctuation: true }, { excludePunctuation: true, excludeCharacters: undefined, length: 40 }],
  ])('%s: the same properties, so CloudFormation sees no change', (_name, first, second) => {
    expect(sourceProperties(SecureValue.generated(second))).toEqual(sourceProperties(SecureValue.generated(first)));
    expect(sourceProperties(SecureValue.generated(first))).toEqual({ Type: 'generated', Options: '{"excludePunctuation":true,"length":40}' });
  });

  test('keys sorted, defaults omitted', () => {
    const value = SecureValue.generated({ requireEachIncludedType: false, generation: 3, excludeCharacters: '"@/\\', length: 20, includeSpace: false });

    expect(value._properties).toEqual({
      Type: 'generated',
      Options: JSON.stringify({ excludeCharacters: '"@/\\', generation: 3, length: 20, requireEachIncludedType: false }),
    });
  });

  test('only defaults: no Options at all', () => {
    expect(SecureValue.generated({ length: 32, generation: 1 })._properties).toEqual({ Type: 'generated' });
  });
});

describe('SecureValue.sourceType is the exported enum', () => {
  test.each([
    ['generated', () => SecureValue.generated(), SecureValueSource.GENERATED],
    ['fromCiphertext', () => SecureValue.fromCiphertext('AQID'), SecureValueSource.CIPHERTEXT],
    ['fromSecret', () => SecureValue.fromSecret(secretsmanager.Secret.fromSecretCompleteArn(new Stack(), 'S', SECRET_ARN)), SecureValueSource.SECRET],
    ['placeholder', () => SecureValue.placeholder(), SecureValueSource.PLACEHOLDER],
    ['unsafePlainText', () => SecureValue.unsafePlainText('x'), SecureValueSource.PLAINTEXT],
  ])('%s', (_name, make, source) => {
    const value = make();

    expect(value.sourceType).toBe(source);
    // the handler protocol's type is the enum's value
    expect(value._properties.Type).toBe(source);
  });

  test('its values are the handler protocol\'s source types', () => {
    expect(Object.values(SecureValueSource)).toEqual(['generated', 'ciphertext', 'secret', 'placeholder', 'plaintext', 'replica']);
  });
});
