import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { ParameterHierarchy, ParameterKey, ParameterPolicy, ParameterStoreChecks, SecureStringParameter, SecureValue } from '../../lib';
import { ManagedPolicyRole } from '../helpers/managed-policy-role';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

/** Each finding as `rule (level) @ construct path`. */
function findings(stack: Stack): string[] {
  return new ParameterStoreChecks().validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) @ ${(r as any).constructPath}`),
  );
}

function lambdaRole(stack: Stack, id: string): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

describe('ParameterStoreChecks', () => {
  test('this library used as intended is clean: keys, hierarchy, grants, policies, notifications', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    prod.addSecureString('Token', {
      name: 'ci/token',
      value: SecureValue.generated(),
      policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(7))],
    });
    prod.addString('Url', { name: 'api/url', stringValue: 'https://x' });
    new SecureStringParameter(stack, 'Loose', { parameterName: '/other/thing', value: SecureValue.fromCiphertext('AQID') });
    const reader = lambdaRole(stack, 'Reader');
    prod.grantRead(reader);
    prod.grantWrite(reader, 'ci');

    expect(findings(stack)).toEqual([]);
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

  describe('ParameterKeyDecryptConditioned', () => {
    test('finds aws-cdk-lib\'s unconditioned grantDecrypt on a parameter key, and the key policy that allows it', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: key });
      key.grantDecrypt(lambdaRole(stack, 'Naive'));

      expect(findings(stack)).toEqual([
        // kms.Key's default policy lets the account's IAM policies decrypt with no condition
        'ParameterStore-ParameterKeyDecryptConditioned (error) @ Stack/Key/Resource',
        'ParameterStore-ParameterKeyDecryptConditioned (error) @ Stack/Naive/DefaultPolicy/Resource',
      ]);
    });

    test('an unconditioned kms:Decrypt on "*" counts too, in any identity policy', () => {
      const stack = newStack();
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated() });
      new iam.ManagedPolicy(stack, 'Broad', { statements: [new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'] })] });

      expect(findings(stack)).toEqual(['ParameterStore-ParameterKeyDecryptConditioned (error) @ Stack/Broad/Resource']);
    });

    test('a decrypt on a key no SecureString uses is not this rule\'s business', () => {
      const stack = newStack();
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated() });
      const other = new kms.Key(stack, 'Other', { enableKeyRotation: true });
      other.grantDecrypt(lambdaRole(stack, 'Reader'));

      expect(findings(stack)).toEqual([]);
    });

    test('a stack without SecureStrings: not applicable', () => {
      const stack = newStack();
      new iam.ManagedPolicy(stack, 'Broad', { statements: [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['*'] })] });

      expect(findings(stack)).toEqual([]);
    });
  });

  describe('ParameterReadScoped', () => {
    test.each([
      ['every resource', '*', true],
      ['every parameter', 'arn:aws:ssm:eu-west-1:111111111111:parameter/*', true],
      ['a prefix without its slash', 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod*', true],
      ['a prefix with a partial last level', 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/pr*', true],
      ['a path with its slash', 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod/*', false],
      ['one parameter', 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/prod/db/password', false],
    ])('ssm:GetParameter on %s → flagged: %s', (_name, resource, flagged) => {
      const stack = newStack();
      const role = lambdaRole(stack, 'Reader');
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [resource] }));

      expect(findings(stack)).toEqual(flagged ? ['ParameterStore-ParameterReadScoped (error) @ Stack/Reader/DefaultPolicy/Resource'] : []);
    });

    test('catches wildcard actions (ssm:Get*, ssm:*) and inline role policies; ignores other services', () => {
      const stack = newStack();
      new iam.Role(stack, 'Inline', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        inlinePolicies: { p: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ssm:Get*'], resources: ['*'] })] }) },
      });
      lambdaRole(stack, 'S3').addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));

      expect(findings(stack)).toEqual(['ParameterStore-ParameterReadScoped (error) @ Stack/Inline/Resource']);
    });

    test('aws-cdk-lib\'s own StringParameter.grantRead is scoped, and so are path grants through a managed policy', () => {
      const stack = newStack();
      const parameter = new ssm.StringParameter(stack, 'Config', { parameterName: '/app/prod/url', stringValue: 'x' });
      parameter.grantRead(lambdaRole(stack, 'Reader'));
      new ParameterHierarchy(stack, 'H', { path: '/app/prod2', encryptionKey: new ParameterKey(stack, 'K') }).grantRead(new ManagedPolicyRole(stack, 'M', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      }));

      expect(findings(stack)).toEqual([]);
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

      expect(findings(stack)).toEqual(warned ? ['ParameterStore-AdvancedSecureStringExpiration (warning) @ Stack/P/Resource'] : []);
    });

    test('Standard SecureStrings are not concerned', () => {
      const stack = newStack();
      new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated() });

      expect(findings(stack)).toEqual([]);
    });
  });
});
