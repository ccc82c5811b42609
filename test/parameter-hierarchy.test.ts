import { App, Annotations as CoreAnnotations, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HierarchyDeployment, ParameterHierarchy, ParameterKey, ParameterPolicy, SecureStringParameter, SecureValue } from '../lib';
import { ManagedPolicyRole } from './helpers/managed-policy-role';
import { acknowledgedRules, NAG_PACKS, nagViolations } from './helpers/nag';
import { snapshotTemplate } from './helpers/snapshot-template';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const ENV = { account: ACCOUNT, region: 'eu-west-1' };
const PARTITION = { Ref: 'AWS::Partition' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };

function arn(path: string): unknown {
  return { 'Fn::Join': ['', ['arn:', PARTITION, `:ssm:eu-west-1:${ACCOUNT}:parameter/${path}`]] };
}

function setup(props: Partial<ConstructorParameters<typeof ParameterHierarchy>[2]> = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'Stack', { env: ENV });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', ...props });
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { app, stack, hierarchy, role };
}

function policyStatementsOf(stack: Stack, role: iam.Role): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] },
  });
  return (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
}

function keyArnOf(stack: Stack, key: kms.IKey): unknown {
  return { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
}

describe('ParameterHierarchy', () => {
  test('children get full names, the shared key and the defaults', () => {
    const { stack, hierarchy } = setup({ tier: ssm.ParameterTier.ADVANCED, removalPolicy: RemovalPolicy.DESTROY });

    const password = hierarchy.addSecureString('DbPassword', { name: 'db/password', value: SecureValue.generated() });
    const url = hierarchy.addString('Url', { name: 'api/url', stringValue: 'https://api.example.com' });
    const zones = hierarchy.addStringList('Zones', { name: 'zones', stringListValue: ['a', 'b'] });

    expect(stack.resolve(password.parameterName)).toEqual({ Ref: stack.getLogicalId(password.node.defaultChild as CfnResource) });
    expect(password.encryptionKey).toBe(hierarchy.encryptionKey);
    expect(password.tier).toBe(ssm.ParameterTier.ADVANCED);
    expect(hierarchy.encryptionKey).toBeInstanceOf(ParameterKey);
    const template = Template.fromStack(stack);
    template.hasResource('Custom::SecureStringParameter', { Properties: { Name: '/app/prod/db/password', Tier: 'Advanced' }, DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/app/prod/api/url', Type: 'String', Value: 'https://api.example.com', Tier: 'Advanced' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/app/prod/zones', Type: 'StringList', Value: 'a,b' });
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(hierarchy.parameter('db/password')).toBe(password);
    expect(hierarchy.parameter('api/url')).toBe(url);
    expect(hierarchy.parameter('zones')).toBe(zones);
    expect(hierarchy.parameter('missing')).toBeUndefined();
  });

  test('a parameter may override the defaults; policies default from the hierarchy', () => {
    const { hierarchy } = setup({ policies: [ParameterPolicy.noChangeNotification(Duration.days(30))] });

    const inherited = hierarchy.addSecureString('A', { name: 'a', value: SecureValue.generated() }) as SecureStringParameter;
    const own = hierarchy.addSecureString('B', { name: 'b', value: SecureValue.generated(), policies: [], tier: ssm.ParameterTier.STANDARD }) as SecureStringParameter;

    expect(inherited.policies.map((p) => p.policyType)).toEqual(['NoChangeNotification']);
    expect(inherited.tier).toBe(ssm.ParameterTier.ADVANCED);
    expect(own.policies).toEqual([]);
    expect(own.tier).toBe(ssm.ParameterTier.STANDARD);
  });

  test('plain parameters carry absolute policies natively and become Advanced; hierarchy defaults are for SecureStrings', () => {
    const { stack, hierarchy } = setup({ policies: [ParameterPolicy.noChangeNotification(Duration.days(30))] });

    hierarchy.addString('Url', { name: 'api/url', stringValue: 'https://x', policies: [ParameterPolicy.expiration(new Date('2031-01-01T00:00:00.000Z'))] });
    hierarchy.addStringList('Zones', { name: 'zones', stringListValue: ['a'] });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/app/prod/api/url',
      Tier: 'Advanced',
      Policies: '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2031-01-01T00:00:00.000Z"}}]',
    });
    const zones = Object.values(template.findResources('AWS::SSM::Parameter', { Properties: { Name: '/app/prod/zones' } }))[0] as any;
    expect(zones.Properties.Policies).toBeUndefined();
    expect(zones.Properties.Tier).toBeUndefined();
  });

  test('a relative expiration on a plain parameter is written by the handler, renewed with each value', () => {
    const { stack, hierarchy } = setup();
    const notify = ParameterPolicy.expirationNotification(Duration.days(2));

    const url = hierarchy.addString('Url', { name: 'api/url', stringValue: 'https://x', policies: [ParameterPolicy.expireAfter(Duration.days(30)), notify] });
    hierarchy.addStringList('Zones', { name: 'zones', stringListValue: ['a', 'b'], policies: [ParameterPolicy.expireAfter(Duration.hours(12))] });

    const template = Template.fromStack(stack);
    const native = url.node.defaultChild as ssm.CfnParameter;
    template.hasResource('AWS::SSM::Parameter', { Properties: { Name: '/app/prod/api/url', Tier: 'Advanced', Policies: Match.absent() } });
    template.hasResource('Custom::PlainParameterPolicies', {
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecureStringParameterHandlerFunction'), 'Arn'] },
        // CloudFormation stops waiting for a lost answer after 20 minutes instead of one hour
        ServiceTimeout: '1200',
        Name: '/app/prod/api/url',
        ParameterType: 'String',
        Value: 'https://x',
        ExpireAfterSeconds: String(30 * 86400),
        Policies: `[${notify.toJson()}]`,
      },
      DependsOn: [stack.getLogicalId(native)],
    });
    template.hasResourceProperties('Custom::PlainParameterPolicies', { Name: '/app/prod/zones', ParameterType: 'StringList', Value: 'a,b', ExpireAfterSeconds: '43200' });
    // the handler may write these parameters, and no key is involved
    const [handlerPolicy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as any[];
    expect(handlerPolicy.Properties.PolicyDocument.Statement[0].Resource).toEqual(arn('app/prod/*'));
    expect(JSON.stringify(handlerPolicy.Properties.PolicyDocument)).not.toContain('kms:');
  });

  test.each([
    ['an explicit Standard tier', [ParameterPolicy.noChangeNotification(Duration.days(1))], ssm.ParameterTier.STANDARD,
      'Stack/Prod: /app/prod/url: tier Standard cannot carry policies; use Advanced (or leave tier unset)'],
    ['a notification without expiration', [ParameterPolicy.expirationNotification(Duration.days(1))], undefined,
      'Stack/Prod: /app/prod/url: policies are invalid: an ExpirationNotification needs an Expiration policy'],
  ])('plain parameters refuse %s', (_name, policies, tier, message) => {
    const { hierarchy } = setup();

    expect(() => hierarchy.addString('Url', { name: 'url', stringValue: 'x', policies, tier })).toThrow(message);
  });

  test('child hierarchies share the key and defaults and are found by lookup', () => {
    const { hierarchy } = setup({ tier: ssm.ParameterTier.ADVANCED });

    const db = hierarchy.child('db');
    const password = db.addSecureString('Password', { name: 'password', value: SecureValue.generated() });

    expect(db.path).toBe('/app/prod/db');
    expect(db.encryptionKey).toBe(hierarchy.encryptionKey);
    expect(db.tier).toBe(ssm.ParameterTier.ADVANCED);
    expect(db.parentHierarchy).toBe(hierarchy);
    expect(hierarchy.child('db')).toBe(db);
    expect(hierarchy.parameter('db/password')).toBe(password);
    expect(hierarchy.parameters).toEqual([password]);
  });

  test('a given key is used, and must be symmetric', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = new kms.Key(stack, 'Hmac', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC });

    expect(() => new ParameterHierarchy(stack, 'H', { path: '/app', encryptionKey: key })).toThrow(
      'Stack/H: key Stack/Hmac has key spec HMAC_256 and usage GENERATE_VERIFY_MAC; Parameter Store supports only symmetric keys',
    );
  });

  test.each([
    ['no leading slash', 'app/prod', "Stack/H: path 'app/prod' is invalid: a hierarchy path starts with '/'"],
    ['the root alone', '/', "Stack/H: path '/' is invalid: a hierarchy path starts with '/' and names at least one level"],
    ['a trailing slash', '/app/prod/', "Stack/H: path '/app/prod/' is invalid: it cannot have an empty level"],
    ['a reserved prefix', '/aws/app', "Stack/H: path '/aws/app' is invalid: it cannot start with 'aws' or 'ssm'"],
    ['a bad character', '/app prod', "Stack/H: path '/app prod' is invalid: it may contain only"],
  ])('refuses a path with %s', (_name, path, message) => {
    expect(() => new ParameterHierarchy(new Stack(new App(), 'Stack'), 'H', { path })).toThrow(message);
  });

  test('refuses an absolute name and a name added twice', () => {
    const { hierarchy } = setup();
    hierarchy.addSecureString('A', { name: 'a', value: SecureValue.generated() });

    expect(() => hierarchy.addSecureString('B', { name: '/a', value: SecureValue.generated() })).toThrow(
      "Stack/Prod: name '/a' must be relative to the path /app/prod (no leading '/')",
    );
    expect(() => hierarchy.addString('C', { name: 'a', stringValue: 'x' })).toThrow('Stack/Prod: /app/prod/a was already added to this hierarchy');
  });
});

const READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'];

describe('grants: statements exactly', () => {
  const READ = READ_ACTIONS;

  test.each([
    ['the whole path', undefined, 'app/prod'],
    ['a sub-path', 'db', 'app/prod/db'],
    ['a sub-path given with a trailing slash', 'db/', 'app/prod/db'],
  ])('grantRead on %s', (_name, subPath, path) => {
    const { stack, hierarchy, role } = setup();
    hierarchy.addSecureString('P', { name: 'db/password', value: SecureValue.generated() });

    hierarchy.grantRead(role, subPath);

    expect(policyStatementsOf(stack, role)).toEqual([
      { Effect: 'Allow', Action: READ, Resource: arn(`${path}/*`) },
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [arn(path), arn(`${path}/*`)] },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArnOf(stack, hierarchy.encryptionKey),
        Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn(`${path}/*`) }, StringEquals: { 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('grantRead on one parameter: its ARN (the attribute, so the grantee waits for it) and StringEquals on its context', () => {
    const { stack, hierarchy, role } = setup();
    const member = hierarchy.addSecureString('P', { name: 'db/password', value: SecureValue.generated() });

    hierarchy.grantRead(role, 'db/password');

    const memberArn = { 'Fn::GetAtt': [stack.getLogicalId(member.node.defaultChild as CfnResource), 'Arn'] };
    expect(policyStatementsOf(stack, role)).toEqual([
      { Effect: 'Allow', Action: READ, Resource: memberArn },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArnOf(stack, hierarchy.encryptionKey),
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': memberArn, 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test.each([
    ['Standard', undefined, ['kms:Encrypt']],
    ['Advanced', ssm.ParameterTier.ADVANCED, ['kms:GenerateDataKey']],
    ['Intelligent-Tiering', ssm.ParameterTier.INTELLIGENT_TIERING, ['kms:Encrypt', 'kms:GenerateDataKey']],
  ])('grantWrite on a %s path: PutParameter and the tier KMS action', (_name, tier, keyActions) => {
    const { stack, hierarchy, role } = setup({ tier });

    hierarchy.grantWrite(role);

    expect(policyStatementsOf(stack, role)).toEqual([
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: arn('app/prod/*') },
      {
        Effect: 'Allow',
        Action: keyActions.length === 1 ? keyActions[0] : keyActions,
        Resource: keyArnOf(stack, hierarchy.encryptionKey),
        Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('app/prod/*') }, StringEquals: { 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('a write grant gains the KMS action of a parameter of another tier added later, also under a child', () => {
    const { stack, hierarchy, role } = setup();
    hierarchy.grantWrite(role);

    hierarchy.child('certs').addSecureString('Big', { name: 'bundle', value: SecureValue.generated(), tier: ssm.ParameterTier.ADVANCED });

    expect(policyStatementsOf(stack, role)[1].Action).toEqual(['kms:Encrypt', 'kms:GenerateDataKey']);
  });

  test('constant size: a path grant over 1,000 parameters emits the statements it emits for 1', () => {
    const sizes = [1, 1000].map((n) => {
      // 1,000 parameters exceed one stack's 500 resources: lift CDK's check, the statements are what is measured
      const { stack, hierarchy, role } = setup({}, { '@aws-cdk/core:stackResourceLimit': 0 });
      for (let i = 0; i < n; i++) {
        hierarchy.addSecureString(`P${i}`, { name: `service${i % 20}/secret${i}`, value: SecureValue.generated() });
      }
      hierarchy.grantRead(role);
      hierarchy.grantWrite(role);
      return JSON.stringify(policyStatementsOf(stack, role));
    });

    expect(sizes[1]).toEqual(sizes[0]);
  });

  test('/app/prod grants never name /app/production: every wildcard follows a slash', () => {
    const { stack, hierarchy, role } = setup();
    hierarchy.grantRead(role);
    hierarchy.grantWrite(role);

    const rendered = JSON.stringify(policyStatementsOf(stack, role));
    const wildcards = rendered.match(/parameter\/[^"]*\*/g)!;

    expect(wildcards.length).toBeGreaterThan(0);
    for (const wildcard of wildcards) {
      expect(wildcard).toBe('parameter/app/prod/*');
    }
  });

  test('grantReadByTag: SSM reads conditioned on the tag, no GetParametersByPath, decrypt scoped to the path', () => {
    const { stack, hierarchy, role } = setup();

    hierarchy.grantReadByTag(role, 'team', 'payments');

    expect(policyStatementsOf(stack, role)).toEqual([
      { Effect: 'Allow', Action: READ, Resource: arn('app/prod/*'), Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArnOf(stack, hierarchy.encryptionKey),
        Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('app/prod/*') }, StringEquals: { 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('a sub-path grant made before a parameter of that exact name is added fails validation', () => {
    const { app, hierarchy, role } = setup();
    hierarchy.grantRead(role, 'db/password');
    hierarchy.addSecureString('P', { name: 'db/password', value: SecureValue.generated() });

    expect(() => app.synth()).toThrow(
      "Stack/Prod: grantRead(grantee, 'db/password') was called before the parameter /app/prod/db/password was added",
    );
  });
});

describe('grants: every kind × tier × account × operation', () => {
  const kinds = [
    ['parameter', 'db/password', 'StringEquals', 'app/prod/db/password'],
    ['sub-path', 'db', 'StringLike', 'app/prod/db/*'],
    ['path', undefined, 'StringLike', 'app/prod/*'],
  ] as const;
  const tiers = [[ssm.ParameterTier.STANDARD, 'kms:Encrypt'], [ssm.ParameterTier.ADVANCED, 'kms:GenerateDataKey']] as const;
  const cases = kinds.flatMap(([kind, subPath, operator, resource]) =>
    tiers.flatMap(([tier, writeAction]) =>
      (['same', 'cross'] as const).flatMap((account) =>
        (['read', 'write'] as const).map((op) => ({ kind, subPath, operator, resource, tier, writeAction, account, op })),
      ),
    ),
  );

  test.each(cases)('$op on a $kind, $tier, $account account', ({ kind, subPath, operator, resource, tier, writeAction, account, op }) => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', tier });
    const member = hierarchy.addSecureString('P', { name: 'db/password', value: SecureValue.generated() });
    // the grantee's own policy names the parameter's Arn attribute (it waits for the parameter); the key
    // policy names the concrete ARN (the parameter references the key: no cycle)
    const granted = kind === 'parameter' ? { 'Fn::GetAtt': [stack.getLogicalId(member.node.defaultChild as CfnResource), 'Arn'] } : arn(resource);
    const grantee = account === 'same'
      ? new iam.Role(stack, 'Grantee', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })
      : new iam.ArnPrincipal(`arn:aws:iam::${OTHER_ACCOUNT}:role/grantee`);

    if (op === 'read') hierarchy.grantRead(grantee, subPath);
    else hierarchy.grantWrite(grantee, subPath);

    const keyAction = op === 'read' ? 'kms:Decrypt' : writeAction;
    const contextOf = (parameterArn: unknown) => (operator === 'StringEquals'
      ? { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArn, 'kms:ViaService': VIA_SSM } }
      : { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArn }, StringEquals: { 'kms:ViaService': VIA_SSM } });
    const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
    const keyPolicyAdditions = key.Properties.KeyPolicy.Statement.slice(2);
    if (account === 'same') {
      const path = resource.replace(/\/\*$/, '');
      const ssmStatements = op === 'write'
        ? [{ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: granted }]
        : [
          { Effect: 'Allow', Action: READ_ACTIONS, Resource: granted },
          ...(operator === 'StringLike' ? [{ Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [arn(path), arn(resource)] }] : []),
        ];
      expect(policyStatementsOf(stack, grantee as iam.Role)).toEqual([
        ...ssmStatements,
        { Effect: 'Allow', Action: keyAction, Resource: keyArnOf(stack, hierarchy.encryptionKey), Condition: contextOf(granted) },
      ]);
      expect(keyPolicyAdditions).toEqual([]);
    } else {
      // the other account grants its principal the SSM side itself; the key policy here must allow the key side
      expect(keyPolicyAdditions).toEqual([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/grantee` }, Action: keyAction, Resource: '*', Condition: contextOf(arn(resource)) },
      ]);
    }
  });
});

describe('grants: keys and accounts', () => {
  test.each([
    ['same account, ParameterKey: the principal policy only', ACCOUNT, 0],
    ['another account, ParameterKey: also the key policy, with the same conditions', OTHER_ACCOUNT, 1],
  ])('%s', (_name, account, keyPolicyStatements) => {
    const { stack, hierarchy } = setup();
    const grantee = new iam.Role(stack, 'Remote', { assumedBy: new iam.AccountPrincipal(account) });
    const crossAccount = account === OTHER_ACCOUNT ? new iam.ArnPrincipal(`arn:aws:iam::${account}:role/reader`) : grantee;

    hierarchy.grantRead(crossAccount);

    const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
    const added = key.Properties.KeyPolicy.Statement.slice(2);
    expect(added).toHaveLength(keyPolicyStatements);
    if (keyPolicyStatements) {
      expect(added[0]).toEqual({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('app/prod/*') }, StringEquals: { 'kms:ViaService': VIA_SSM } },
      });
    }
  });

  test('a kms.Key of the same account (it trusts IAM in CDK v2): the principal policy, with the conditions', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = new kms.Key(stack, 'Own');
    const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/own', encryptionKey: key });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    hierarchy.grantRead(role);

    expect(policyStatementsOf(stack, role)[2]).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: keyArnOf(stack, key),
      Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('own/*') }, StringEquals: { 'kms:ViaService': VIA_SSM } },
    });
    const [keyResource] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
    expect(keyResource.Properties.KeyPolicy.Statement).toHaveLength(1);
  });

  test('an imported key: the grantee policy carries the conditions (the key owner must allow the rest)', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/imported', encryptionKey: key });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    hierarchy.grantRead(role);

    expect(policyStatementsOf(stack, role)[2]).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': { 'Fn::Join': ['', ['arn:', PARTITION, `:ssm:eu-west-1:${ACCOUNT}:parameter/imported/*`]] } } },
    });
  });
});

describe('ECS and cdk-nag', () => {
  test('ecs.Secret.fromSsmParameter of a hierarchy parameter gives the execution role the scoped statements', () => {
    const { stack, hierarchy } = setup();
    const password = hierarchy.addSecureString('P', { name: 'db/password', value: SecureValue.generated() });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');

    task.addContainer('App', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
      secrets: { DB_PASSWORD: ecs.Secret.fromSsmParameter(password) },
    });

    const executionRole = task.obtainExecutionRole() as iam.Role;
    expect(policyStatementsOf(stack, executionRole).filter((s) => JSON.stringify(s.Action).includes('kms'))).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArnOf(stack, hierarchy.encryptionKey),
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:PARAMETER_ARN': { 'Fn::GetAtt': [stack.getLogicalId(password.node.defaultChild as CfnResource), 'Arn'] },
            'kms:ViaService': VIA_SSM,
          },
        },
      },
    ]);
  });

  function nagStack(roleClass: typeof iam.Role = ManagedPolicyRole): Stack {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', tier: ssm.ParameterTier.ADVANCED, acknowledgeGrantFindings: true });
    hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    hierarchy.child('api').addSecureString('Key', { name: 'key', value: SecureValue.placeholder() });
    hierarchy.addString('Url', { name: 'api/url', stringValue: 'https://example.com' });
    const lambdaPrincipal = { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') };
    const role = new roleClass(stack, 'Reader', lambdaPrincipal);
    const writer = new roleClass(stack, 'Writer', lambdaPrincipal);
    const tagged = new roleClass(stack, 'Tagged', lambdaPrincipal);
    hierarchy.grantRead(role);
    hierarchy.grantRead(role, 'db');
    hierarchy.grantRead(role, 'db/password');
    hierarchy.child('api').grantWrite(writer);
    hierarchy.grantWrite(writer);
    hierarchy.grantReadByTag(tagged, 'team', 'payments');
    return stack;
  }

  test.each(NAG_PACKS)('cdk-nag $name: no violation with readers and writers at every level', ({ create }) => {
    expect(nagViolations(create(), nagStack())).toEqual([]);
  });

  test('with plain roles, the only findings are IAMNoInlinePolicy on the roles\' own default policies (any aws-cdk-lib grant)', () => {
    const stack = nagStack(iam.Role);

    const findings = NAG_PACKS.flatMap(({ create }) => nagViolations(create(), stack));

    expect(findings.length).toBe(9);
    for (const finding of findings) {
      expect(finding).toMatch(/^(HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-IAMNoInlinePolicy @ Stack\/(Reader|Writer|Tagged)\/DefaultPolicy\/Resource:/);
    }
  });

  test('the grantee-side acknowledgements name exactly the path wildcards, with a reason', () => {
    const stack = nagStack(iam.Role);
    const readerRole = stack.node.findChild('Reader');
    const reader = readerRole.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;

    const ids = acknowledgedRules(readerRole).map(([id]) => id);

    expect([...new Set(ids)].sort()).toEqual([
      `annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/*]`,
      `annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/db/*]`,
    ]);
    expect((reader.getMetadata('cdk_nag') as any).rules_to_suppress[0]).toEqual({
      id: 'AwsSolutions-IAM5',
      reason: expect.stringContaining("the wildcard follows '/'"),
      applies_to: [`Resource::arn:<AWS::Partition>:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/*`],
    });
  });

  test('an environment-agnostic stack gets stable finding ids from pseudo parameters', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/app/prod', acknowledgeGrantFindings: true });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    hierarchy.grantRead(role);

    expect(nagViolations(NAG_PACKS[0].create(), stack)).toEqual([]);
    expect(acknowledgedRules(role).map(([id]) => id)).toEqual([
      'annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/app/prod/*]',
    ]);
  });

  test('snapshot', () => {
    expect(snapshotTemplate(nagStack())).toMatchSnapshot();
  });
});

test('SecureStringParameter outside a hierarchy keeps working beside one', () => {
  const { stack } = setup();
  expect(() => new SecureStringParameter(stack, 'Loose', { parameterName: '/other/x', value: SecureValue.generated() })).not.toThrow();
});

/** A call on a hierarchy, as the tables below make them. */
type Call = (hierarchy: ParameterHierarchy, role: iam.Role) => unknown;

describe("names and sub-paths: a '.' or '..' level is refused, a '.' inside a level is not", () => {
  const RULE = "no level can be '.' or '..' (names are not file paths: nothing resolves them, and /app/prod/../x is not /app/x)";

  test.each<[string, Call, string]>([
    ['addSecureString', (h) => h.addSecureString('X', { name: '../other/secret', value: SecureValue.generated() }), "name '../other/secret'"],
    ['addString', (h) => h.addString('X', { name: 'config/./url', stringValue: 'x' }), "name 'config/./url'"],
    ['addStringList', (h) => h.addStringList('X', { name: 'hosts/..', stringListValue: ['a'] }), "name 'hosts/..'"],
    ['child', (h) => h.child('..'), "name '..'"],
    ['grantRead', (h, role) => h.grantRead(role, '../other'), "subPath '../other'"],
    ['grantWrite, with a trailing slash', (h, role) => h.grantWrite(role, './db/'), "subPath './db/'"],
    ['readPolicy', (h) => h.readPolicy('Reads', 'db/..'), "subPath 'db/..'"],
    ['writePolicy', (h) => h.writePolicy('Writes', '.'), "subPath '.'"],
  ])('%s', (_name, call, value) => {
    const { hierarchy, role } = setup();

    expect(() => call(hierarchy, role)).toThrow(`Stack/Prod: ${value} is invalid: ${RULE}`);
  });

  test('a batched member', () => {
    const { hierarchy } = setup({ deployment: HierarchyDeployment.batched() });

    expect(() => hierarchy.addSecureString('X', { name: 'db/../token', value: SecureValue.generated() })).toThrow(`Stack/Prod: name 'db/../token' is invalid: ${RULE}`);
  });

  test('dots inside levels are names Parameter Store allows', () => {
    const { hierarchy, role } = setup();

    hierarchy.addSecureString('Env', { name: '.env', value: SecureValue.generated() });
    hierarchy.addString('Url', { name: 'v1.2/url', stringValue: 'https://example.com' });
    hierarchy.child('..x').addSecureString('Token', { name: 'x..', value: SecureValue.generated() });
    hierarchy.grantRead(role, 'v1.2');

    expect(hierarchy.parameters).toHaveLength(3);
  });
});

describe('a sub-path grant that matches no parameter declared in the app: a synth warning', () => {
  const ACK = '[ack: cdk-secure-parameters:grantMatchesNoMember]';
  const ADVICE = 'Correct the sub-path; if a writer outside this app creates the parameter, acknowledge this warning on the stack or another scope above the hierarchy';
  const grantWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('grantMatchesNoMember'));

  function withMembers(props: Partial<ConstructorParameters<typeof ParameterHierarchy>[2]> = {}) {
    const context = setup(props);
    context.hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    context.hierarchy.addSecureString('User', { name: 'db/user', value: SecureValue.generated() });
    context.hierarchy.addString('Url', { name: 'api/url', stringValue: 'https://example.com' });
    return context;
  }

  test('a typo: the warning on the hierarchy names the method, the sub-path, the path and the closest declared names', () => {
    const { stack, hierarchy, role } = withMembers();

    hierarchy.grantRead(role, 'db/pasword');

    expect(grantWarnings(stack)).toEqual([
      expect.objectContaining({
        id: '/Stack/Prod',
        entry: expect.objectContaining({
          data:
            "grantRead(grantee, 'db/pasword') matches no parameter declared in this app (none is /app/prod/db/pasword or under it); " +
            `the closest declared names under /app/prod are db/password, db/user, api/url. ${ADVICE} ${ACK}`,
        }),
      }),
    ]);
  });

  test.each<[string, Call]>([
    ['grantWrite of a level prefix (db/pass does not cover db/password)', (h, role) => h.grantWrite(role, 'db/pass')],
    ['readPolicy', (h) => h.readPolicy('Reads', 'api/uri')],
    ['writePolicy with a trailing slash', (h) => h.writePolicy('Writes', 'dbs/')],
  ])('%s warns too', (_name, call) => {
    const { stack, hierarchy, role } = withMembers();

    call(hierarchy, role);

    expect(grantWarnings(stack)).toHaveLength(1);
  });

  test('the closest names of a path with no parameter: said so', () => {
    const { stack, hierarchy, role } = setup();

    hierarchy.grantWrite(role, 'db');

    expect(grantWarnings(stack)[0].entry.data).toBe(
      `grantWrite(grantee, 'db') matches no parameter declared in this app (none is /app/prod/db or under it); the app declares no parameter under /app/prod. ${ADVICE} ${ACK}`,
    );
  });

  test.each<[string, Call]>([
    ['an exact member', (h, role) => h.grantRead(role, 'db/password')],
    ['a parent path', (h, role) => h.grantRead(role, 'db')],
    ['a parent path with a trailing slash', (h, role) => h.grantWrite(role, 'db/')],
    ['a plain String', (h) => h.readPolicy('Reads', 'api')],
    ['the whole path', (h, role) => h.grantRead(role)],
    ['a member added after the grant', (h, role) => {
      h.grantRead(role, 'later');
      h.addSecureString('Later', { name: 'later/token', value: SecureValue.generated() });
    }],
    ['a member of a child hierarchy', (h, role) => {
      h.grantRead(role, 'certs');
      h.child('certs').addSecureString('Bundle', { name: 'bundle', value: SecureValue.generated() });
    }],
    ['a StringList member', (h, role) => {
      h.grantRead(role, 'hosts');
      h.addStringList('Hosts', { name: 'hosts/allowed', stringListValue: ['a', 'b'] });
    }],
    ['a SecureStringParameter of the app under the path, outside the hierarchy', (h, role) => {
      h.grantRead(role, 'loose');
      new SecureStringParameter(Stack.of(h), 'Loose', { parameterName: '/app/prod/loose/token', value: SecureValue.generated() });
    }],
    ['a native String parameter in another stack of the app', (h, role) => {
      h.grantRead(role, 'native');
      new ssm.StringParameter(new Stack(h.node.root as App, 'Other', { env: ENV }), 'Native', { parameterName: '/app/prod/native/flag', stringValue: 'on' });
    }],
  ])('none for %s', (_name, call) => {
    const { stack, hierarchy, role } = withMembers();

    call(hierarchy, role);

    expect(grantWarnings(stack)).toEqual([]);
  });

  test('a batched member added after the grant', () => {
    const { stack, hierarchy, role } = setup({ deployment: HierarchyDeployment.batched() });

    hierarchy.grantRead(role, 'db');
    hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });

    expect(grantWarnings(stack)).toEqual([]);
  });

  test('a warning, not an error: synth succeeds; acknowledged on the stack, it is gone', () => {
    const { app, stack, hierarchy, role } = withMembers();
    hierarchy.grantRead(role, 'db/pasword');
    expect(() => app.synth()).not.toThrow();

    CoreAnnotations.of(stack).acknowledgeWarning('cdk-secure-parameters:grantMatchesNoMember', 'created by the payments pipeline');

    expect(grantWarnings(stack)).toEqual([]);
  });
});
