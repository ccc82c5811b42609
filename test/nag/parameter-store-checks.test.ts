import { App, CfnResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { findings, lambdaRole, newStack, ENV } from './pack-findings';
import { HierarchyDeployment, ParameterHierarchy, ParameterPolicy, ParameterRotation, ParameterStoreChecks, SecureStringParameter, SecureValue } from '../../lib';

describe('ParameterStoreChecks', () => {
  test('this library used as intended is clean: keys, hierarchy, grants, policies, notifications', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    prod.addSecureString('Token', {
      name: 'ci/token',
      value: SecureValue.generated(),
      policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(7))],
      rotation: ParameterRotation.beforeExpiration(),
    });
    prod.addString('Url', { name: 'api/url', stringValue: 'https://x' });
    new SecureStringParameter(stack, 'Loose', { parameterName: '/other/thing', value: SecureValue.fromCiphertext('AQID') });
    const reader = lambdaRole(stack, 'Reader');
    prod.grantRead(reader);
    prod.grantWrite(reader, 'ci');

    expect(findings(stack)).toEqual([]);
  });

  describe('a batched hierarchy: each chunk is judged by every member it writes', () => {
    function batched(stack: Stack, encryptionKey?: kms.IKey): ParameterHierarchy {
      const deployment = HierarchyDeployment.batched();
      const hierarchy = new ParameterHierarchy(stack, 'Batch', { path: '/app/batch', deployment, encryptionKey });
      hierarchy.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });
      return hierarchy;
    }

    test('clean when used as intended, with a path grant', () => {
      const stack = newStack();
      const hierarchy = batched(stack);
      hierarchy.addSecureString('Expiring', {
        name: 'expiring',
        value: SecureValue.generated(),
        policies: [ParameterPolicy.expireAfter(Duration.days(30))],
        rotation: ParameterRotation.every(Duration.days(7)),
      });
      hierarchy.grantRead(lambdaRole(stack, 'Reader'));

      expect(findings(stack)).toEqual([]);
    });

    test.each([
      [
        'a plain-text member',
        (h: ParameterHierarchy) => h.addSecureString('Plain', { name: 'plain', value: SecureValue.unsafePlainText('visible') }),
        'SecureStringNoPlainText[Member::/app/batch/plain] (error)',
      ],
      [
        'an Advanced member that never expires',
        (h: ParameterHierarchy) => h.addSecureString('Advanced', { name: 'advanced', value: SecureValue.generated(), tier: ssm.ParameterTier.ADVANCED }),
        'AdvancedSecureStringExpiration[Member::/app/batch/advanced] (warning)',
      ],
    ])('%s is found on its chunk', (_, add, rule) => {
      const stack = newStack();
      const hierarchy = batched(stack);
      add(hierarchy);

      expect(findings(stack)).toEqual([`ParameterStore-${rule} @ Stack/Batch/Batch/Chunk0`]);
    });

    test("the AWS-managed key is found on the chunk; a chunk's key without rotation is found on the key", () => {
      const stack = newStack();
      batched(stack, kms.Alias.fromAliasName(stack, 'AwsSsm', 'alias/aws/ssm'));
      const other = newStack();
      batched(other, new kms.Key(other, 'NoRotation'));

      expect(findings(stack)).toEqual(['ParameterStore-SecureStringCustomerManagedKey (error) @ Stack/Batch/Batch/Chunk0']);
      expect(findings(other)).toContain('ParameterStore-ParameterKeyRotation (error) @ Stack/NoRotation/Resource');
    });
  });

  describe('cost linear in the app', () => {
    function appWith(stacks: number, parameters: number): App {
      const app = new App();
      for (let s = 0; s < stacks; s++) {
        const stack = new Stack(app, `Stack${s}`, { env: ENV });
        const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/app/prod' });
        for (let i = 0; i < parameters; i++) {
          hierarchy.addSecureString(`P${i}`, { name: `p${i}`, value: SecureValue.generated() });
        }
        hierarchy.grantRead(lambdaRole(stack, 'Reader'));
      }
      return app;
    }

    function resolveCalls(scope: App): number {
      const resolve = jest.spyOn(Stack.prototype, 'resolve');
      try {
        new ParameterStoreChecks().validateScope(scope);
        return resolve.mock.calls.length;
      } finally {
        resolve.mockRestore();
      }
    }

    test.each([
      [1, 5],
      [1, 60],
      [3, 20],
    ])('%i stack(s) of %i SecureStrings: each stack is resolved once, whatever the resources and rules', (stacks, parameters) => {
      expect(resolveCalls(appWith(stacks, parameters))).toBe(stacks);
    });

    test('each run reads the tree afresh', () => {
      const stack = newStack();
      const checks = new ParameterStoreChecks();
      new SecureStringParameter(stack, 'Generated', { parameterName: '/generated', value: SecureValue.generated() });
      expect(checks.validateScope(stack).violations).toEqual([]);

      new SecureStringParameter(stack, 'Plain', { parameterName: '/plain', value: SecureValue.unsafePlainText('visible') });

      expect(checks.validateScope(stack).violations.map((v) => v.ruleName)).toEqual(['ParameterStore-SecureStringNoPlainText']);
    });

    test('a resource that cannot be resolved gets the error; the rest of its stack is still judged', () => {
      const stack = newStack();
      new CfnResource(stack, 'Broken', {
        type: 'AWS::IAM::ManagedPolicy',
        properties: { PolicyDocument: Lazy.any({ produce: () => { throw new Error('cannot resolve'); } }) },
      });
      new SecureStringParameter(stack, 'Plain', { parameterName: '/plain', value: SecureValue.unsafePlainText('visible') });

      const all = findings(stack);

      expect(all.filter((f) => !f.endsWith('@ Stack/Broken'))).toEqual(['ParameterStore-SecureStringNoPlainText (error) @ Stack/Plain/Resource']);
      // cdk-nag reports each rule that threw on the resource
      expect(all.filter((f) => f.endsWith('@ Stack/Broken'))).toHaveLength(8);
    });
  });

  describe('SecureStringCustomerManagedKey', () => {
    test('flags a SecureString on the aws/ssm key', () => {
      const stack = newStack();
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: kms.Alias.fromAliasName(stack, 'Aws', 'alias/aws/ssm') });

      expect(findings(stack)).toEqual(['ParameterStore-SecureStringCustomerManagedKey (error) @ Stack/P/Resource']);
    });

    test('an imported customer-managed key passes', () => {
      const stack = newStack();
      const key = kms.Key.fromKeyArn(stack, 'Cmk', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: key });

      expect(findings(stack)).toEqual([]);
    });

    test('flags an AwsCustomResource that puts a SecureString without a key, passes one with a key', () => {
      const stack = newStack();
      const put = (id: string, parameters: Record<string, unknown>) => new cr.AwsCustomResource(stack, id, {
        onCreate: { service: 'SSM', action: 'putParameter', parameters: { Name: `/${id}`, Value: 'v', Type: 'SecureString', ...parameters }, physicalResourceId: cr.PhysicalResourceId.of(id) },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      });
      put('NoKey', {});
      put('WithKey', { KeyId: 'arn:aws:kms:eu-west-1:111111111111:key/1234' });

      expect(findings(stack).filter((f) => f.includes('CustomerManagedKey'))).toEqual(['ParameterStore-SecureStringCustomerManagedKey (error) @ Stack/NoKey/Resource/Default']);
    });
  });

  describe('ParameterKeyRotation', () => {
    test('flags a key used by SecureStrings that does not rotate; ignores one that no SecureString uses', () => {
      const stack = newStack();
      const used = new kms.Key(stack, 'Used', { enableKeyRotation: false });
      new kms.Key(stack, 'Unused', { enableKeyRotation: false });
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: used });

      expect(findings(stack).filter((f) => f.includes('Rotation'))).toEqual(['ParameterStore-ParameterKeyRotation (error) @ Stack/Used/Resource']);
    });

    test('a rotating kms.Key passes', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Used', { enableKeyRotation: true });
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: key });

      expect(findings(stack).filter((f) => f.includes('Rotation'))).toEqual([]);
    });
  });

  describe('SecureStringNoPlainText', () => {
    test('flags unsafePlainText and nothing else', () => {
      const stack = newStack();
      new SecureStringParameter(stack, 'Plain', { parameterName: '/plain', value: SecureValue.unsafePlainText('visible') });
      new SecureStringParameter(stack, 'Placeholder', { parameterName: '/ops', value: SecureValue.placeholder() });

      expect(findings(stack)).toEqual(['ParameterStore-SecureStringNoPlainText (error) @ Stack/Plain/Resource']);
    });
  });

  describe('PlainParameterSecretName', () => {
    test.each([
      ['/app/db/password', true],
      ['/app/db/passwd', true],
      ['/app/stripe/api-key', true],
      ['/app/github/API_KEY', true],
      ['/app/oauth/client-secret', true],
      ['/app/ci/token', true],
      ['/app/tls/private_key', true],
      ['/app/db/credentials', true],
      ['/app/db/host', false],
      ['/app/api/url', false],
      ['/app/compass/heading', false],
      ['/app/tokenizer/model', false],
    ])('a StringParameter named %s → warned: %s', (name, warned) => {
      const stack = newStack();
      new ssm.StringParameter(stack, 'Param', { parameterName: name, stringValue: 'x' });

      expect(findings(stack)).toEqual(warned ? ['ParameterStore-PlainParameterSecretName (warning) @ Stack/Param/Resource'] : []);
    });

    test('a generated name is not judged', () => {
      const stack = newStack();
      new ssm.StringParameter(stack, 'Param', { stringValue: 'x' });

      expect(findings(stack)).toEqual([]);
    });
  });

  describe('AdvancedSecureStringExpiration', () => {
    test.each([
      ['no policy', [], true],
      ['only a notification', [ParameterPolicy.noChangeNotification(Duration.days(30))], true],
      ['a relative expiration', [ParameterPolicy.expireAfter(Duration.days(30))], false],
      ['an absolute expiration', [ParameterPolicy.expiration(new Date('2031-01-01T00:00:00.000Z'))], false],
    ])('Advanced with %s → warned: %s', (_name, policies, warned) => {
      const stack = newStack();
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), tier: ssm.ParameterTier.ADVANCED, policies });

      expect(findings(stack).filter((f) => f.includes('AdvancedSecureStringExpiration'))).toEqual(warned ? ['ParameterStore-AdvancedSecureStringExpiration (warning) @ Stack/P/Resource'] : []);
    });

    test('Standard SecureStrings are not concerned', () => {
      const stack = newStack();
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated() });

      expect(findings(stack)).toEqual([]);
    });
  });
});
