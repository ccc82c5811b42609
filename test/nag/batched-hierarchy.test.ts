import { Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { findings, lambdaRole, newStack, policyWith } from './pack-findings';
import {
  HierarchyDeployment,
  HierarchySecureStringOptions,
  ParameterHierarchy,
  ParameterNotificationTopic,
  ParameterPolicy,
  ParameterStoreChecks,
  SecureValue,
} from '../../lib';
import { ManagedPolicyRole } from '../helpers/managed-policy-role';
import { NAG_PACKS, nagViolations } from '../helpers/nag';

/**
 * The example app (bin/app.ts) with its hierarchy batched, plus what a platform team adds: a placeholder, a
 * DESTROY member, an adopted one, tags, and consumers granted one member, a sub-path, or writes.
 * bin/app.ts itself stays per-parameter: it is the README's first example.
 */
function exampleWithBatchedHierarchy(): Stack {
  const stack = newStack();
  const prod = new ParameterHierarchy(stack, 'Prod', { path: '/myapp/prod', deployment: HierarchyDeployment.batched(), acknowledgeGrantFindings: true });
  const password = prod.addSecureString('DatabasePassword', {
    name: 'db/password',
    description: 'Master password of the application database',
    value: SecureValue.generated({ length: 40, excludeCharacters: '"@/\\' }),
  });
  const payments = prod.child('payments');
  payments.addSecureString('ApiKey', {
    name: 'api-key',
    value: SecureValue.fromCiphertext('AQID'),
    tier: ssm.ParameterTier.ADVANCED,
    policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(14))],
  });
  payments.addSecureString('WebhookSecret', { name: 'webhook-secret', value: SecureValue.placeholder() });
  prod.addSecureString('PagerKey', { name: 'ops/pager-key', value: SecureValue.generated(), removalPolicy: RemovalPolicy.DESTROY });
  prod.addSecureString('LegacyToken', { name: 'legacy/token', value: SecureValue.generated(), adoptExisting: true });
  for (let i = 0; i < 20; i++) {
    prod.child('services').addSecureString(`Service${i}`, { name: `service${i}/secret`, value: SecureValue.generated() });
  }
  prod.addString('ApiUrl', { name: 'api/url', stringValue: 'https://api.example.com' });
  Tags.of(prod).add('team', 'platform');
  new ParameterNotificationTopic(stack, 'ExpiryAlerts').watch('ProdPolicyActions', prod);

  const lambdaPrincipal = { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') };
  password.grantRead(new ManagedPolicyRole(stack, 'Web', lambdaPrincipal));
  prod.grantRead(new ManagedPolicyRole(stack, 'Billing', lambdaPrincipal), 'payments');
  payments.grantWrite(new ManagedPolicyRole(stack, 'Rotator', lambdaPrincipal));
  return stack;
}

describe('cdk-nag on an app with a batched hierarchy', () => {
  test.each(NAG_PACKS)('$name: no violation', ({ create }) => {
    expect(nagViolations(create(), exampleWithBatchedHierarchy())).toEqual([]);
  });

  test('ParameterStoreChecks: no finding', () => {
    expect(nagViolations(new ParameterStoreChecks(), exampleWithBatchedHierarchy())).toEqual([]);
  });

  test('the packs judge a batched stack: its SecureStrings are one chunk, not a custom resource each', () => {
    const template = Template.fromStack(exampleWithBatchedHierarchy());

    template.resourceCountIs('Custom::SecureStringBatch', 1);
    template.resourceCountIs('Custom::SecureStringParameter', 0);
  });
});

/** A batched hierarchy at /app/prod with a generated member, and `members` added; the chunk's construct path is CHUNK. */
function batched(members: Array<HierarchySecureStringOptions & { id: string }> = []): { stack: Stack; prod: ParameterHierarchy } {
  const stack = newStack();
  const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', deployment: HierarchyDeployment.batched() });
  prod.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });
  for (const { id, ...options } of members) {
    prod.addSecureString(id, options);
  }
  return { stack, prod };
}
const CHUNK = 'Stack/Prod/Batch/Chunk0';

describe('ParameterStoreChecks reads the members of a batched hierarchy\'s chunks', () => {
  test('SecureStringNoPlainText: one finding per plain-text member, named', () => {
    const { stack } = batched([
      { id: 'Plain', name: 'plain', value: SecureValue.unsafePlainText('visible') },
      { id: 'Child', name: 'ops/plain', value: SecureValue.unsafePlainText('also visible') },
      { id: 'Placeholder', name: 'ops/placeholder', value: SecureValue.placeholder() },
    ]);

    expect(findings(stack).sort()).toEqual([
      `ParameterStore-SecureStringNoPlainText[Member::/app/prod/ops/plain] (error) @ ${CHUNK}`,
      `ParameterStore-SecureStringNoPlainText[Member::/app/prod/plain] (error) @ ${CHUNK}`,
    ]);
  });

  test('a member\'s finding is acknowledged on the hierarchy, whichever chunk holds it', () => {
    const { stack, prod } = batched([{ id: 'Plain', name: 'plain', value: SecureValue.unsafePlainText('not a secret: a feature flag') }]);
    expect(findings(stack)).toEqual([`ParameterStore-SecureStringNoPlainText[Member::/app/prod/plain] (error) @ ${CHUNK}`]);

    Validations.of(prod).acknowledge({ id: 'ParameterStore-SecureStringNoPlainText[Member::/app/prod/plain]', reason: 'a feature flag, not a secret' });

    expect(findings(stack)).toEqual([]);
  });

  test.each([
    ['no policy', true, []],
    ['only a notification', true, [ParameterPolicy.noChangeNotification(Duration.days(30))]],
    ['a relative expiration', false, [ParameterPolicy.expireAfter(Duration.days(30))]],
    ['an absolute expiration', false, [ParameterPolicy.expiration(new Date('2031-01-01T00:00:00.000Z'))]],
  ])('AdvancedSecureStringExpiration: an Advanced member with %s → warned: %s', (_name, warned, policies) => {
    const { stack } = batched([{ id: 'Advanced', name: 'advanced', value: SecureValue.generated(), tier: ssm.ParameterTier.ADVANCED, policies }]);

    expect(findings(stack).filter((f) => f.includes('AdvancedSecureStringExpiration'))).toEqual(
      warned ? [`ParameterStore-AdvancedSecureStringExpiration[Member::/app/prod/advanced] (warning) @ ${CHUNK}`] : [],
    );
  });

  test('AdvancedSecureStringExpiration: the hierarchy\'s default tier and policies count, as the handler reads them', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', {
      path: '/app/prod',
      tier: ssm.ParameterTier.ADVANCED,
      policies: [ParameterPolicy.expireAfter(Duration.days(90))],
      deployment: HierarchyDeployment.batched(),
    });
    prod.addSecureString('Inherits', { name: 'inherits', value: SecureValue.generated() });
    // no policies of its own: '' in the chunk, "none" where the default has some
    prod.addSecureString('NoPolicy', { name: 'no-policy', value: SecureValue.generated(), policies: [] });

    expect(findings(stack).filter((f) => f.includes('AdvancedSecureStringExpiration'))).toEqual([
      `ParameterStore-AdvancedSecureStringExpiration[Member::/app/prod/no-policy] (warning) @ ${CHUNK}`,
    ]);
  });

  test('SecureStringCustomerManagedKey: a batched hierarchy on the aws/ssm key is one finding, the chunk\'s', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', {
      path: '/app/prod',
      encryptionKey: kms.Alias.fromAliasName(stack, 'Aws', 'alias/aws/ssm'),
      deployment: HierarchyDeployment.batched(),
    });
    prod.addSecureString('A', { name: 'a', value: SecureValue.generated() });
    prod.addSecureString('B', { name: 'b', value: SecureValue.generated() });

    expect(findings(stack)).toEqual([`ParameterStore-SecureStringCustomerManagedKey (error) @ ${CHUNK}`]);
  });

  test('ParameterKeyRotation: the key of a batched hierarchy is a parameter key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: false });
    new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', encryptionKey: key, deployment: HierarchyDeployment.batched() })
      .addSecureString('A', { name: 'a', value: SecureValue.generated() });

    expect(findings(stack).filter((f) => f.includes('Rotation'))).toEqual(['ParameterStore-ParameterKeyRotation (error) @ Stack/Key/Resource']);
  });

  test('ParameterKeyDecryptConditioned: kms:Decrypt on a batched hierarchy\'s key without a PARAMETER_ARN condition is a finding', () => {
    const { stack, prod } = batched();
    const role = lambdaRole(stack, 'Reader');
    const policy = policyWith(stack, 'Policy', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: prod.encryptionKey.keyArn });
    policy.roles = [role.roleName];

    expect(findings(stack).filter((f) => f.includes('DecryptConditioned'))).toEqual([
      expect.stringMatching(/^ParameterStore-ParameterKeyDecryptConditioned\[Resource::<ProdKey[0-9A-F]+\.Arn>\] \(error\) @ Stack\/Policy$/),
    ]);
  });

  test('members across several chunks are each judged by their own chunk', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', deployment: HierarchyDeployment.batched({ writesPerSecond: 0.01 }) });
    // 0.01 writes per second: 4 members per chunk (8 minutes of writes), so 10 members make 3 chunks
    for (let i = 0; i < 10; i++) {
      prod.addSecureString(`P${i}`, { name: `p${i}`, value: i % 3 === 0 ? SecureValue.unsafePlainText(`flag-${i}`) : SecureValue.generated() });
    }
    const chunks = stack.node.findAll().filter((c) => c.node.path.startsWith('Stack/Prod/Batch/Chunk')).map((c) => c.node.path);

    const found = findings(stack);

    expect(chunks).toEqual(['Stack/Prod/Batch/Chunk0', 'Stack/Prod/Batch/Chunk1', 'Stack/Prod/Batch/Chunk2']);
    expect(found.map((f) => f.replace(/ \(error\) @ .*/, '')).sort()).toEqual(
      ['p0', 'p3', 'p6', 'p9'].map((n) => `ParameterStore-SecureStringNoPlainText[Member::/app/prod/${n}]`),
    );
    expect(new Set(found.map((f) => f.replace(/.* @ /, ''))).size).toBeGreaterThan(1);
  });
});
