import { App, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterKey, SecureStringParameter, SecureValue } from '../lib';
import { NAG_PACKS, nagViolations } from './helpers/nag';
import { snapshotTemplate } from './helpers/snapshot-template';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const PARTITION = { Ref: 'AWS::Partition' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-credentials-AbCdEf';
const CIPHERTEXT = Buffer.alloc(180, 42).toString('base64');

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function arn(path: string): unknown {
  return { 'Fn::Join': ['', ['arn:', PARTITION, `:ssm:eu-west-1:111111111111:parameter/${path}`]] };
}

/** A parameter's ARN as its consumers see it: the attribute the handler answers, so they deploy after it. */
function arnAttribute(stack: Stack, param: SecureStringParameter): unknown {
  return { 'Fn::GetAtt': [stack.getLogicalId(param.node.defaultChild as any), 'Arn'] };
}

function customResources(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('Custom::SecureStringParameter'));
}

function handlerPolicyStatements(stack: Stack): any[] {
  const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
  return policy.Properties.PolicyDocument.Statement;
}

function keyLogicalId(stack: Stack, key: kms.IKey): string {
  return stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
}

describe('SecureStringParameter resource', () => {
  test.each([
    ['generated with defaults', SecureValue.generated(), { Type: 'generated' }],
    ['generated with options (only non-defaults travel)', SecureValue.generated({ length: 48, excludePunctuation: true, excludeLowercase: false }), {
      Type: 'generated',
      Options: '{"excludePunctuation":true,"length":48}',
    }],
    ['ciphertext', SecureValue.fromCiphertext(CIPHERTEXT), { Type: 'ciphertext', Ciphertext: CIPHERTEXT }],
    ['placeholder', SecureValue.placeholder(), { Type: 'placeholder', Text: SecureValue.DEFAULT_PLACEHOLDER }],
    ['plain text', SecureValue.unsafePlainText('not really secret'), { Type: 'plaintext', Text: 'not really secret' }],
  ])('%s: one custom resource with the source, never a generated value', (_name, value, source) => {
    const stack = newStack();

    new SecureStringParameter(stack, 'Param', { parameterName: '/app/prod/db/password', value });

    const [resource] = customResources(stack);
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^SecureStringParameterHandlerFunction/), 'Arn'] },
      ServiceTimeout: '1200',
      Name: '/app/prod/db/password',
      KeyId: { 'Fn::GetAtt': [expect.stringMatching(/^SecureStringParameterKey/), 'Arn'] },
      Source: source,
    });
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
  });

  test('fromSecret references the secret by ARN and field', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', SECRET_ARN);

    new SecureStringParameter(stack, 'Param', { parameterName: '/app/db', value: SecureValue.fromSecret(secret, 'password') });

    expect(customResources(stack)[0].Properties.Source).toEqual({ Type: 'secret', SecretArn: SECRET_ARN, JsonField: 'password' });
  });

  test('all props reach the handler; Tags.of tags the parameter', () => {
    const stack = newStack();
    const key = new ParameterKey(stack, 'MyKey');

    const param = new SecureStringParameter(stack, 'Param', {
      parameterName: '/app/prod/token',
      value: SecureValue.generated(),
      encryptionKey: key,
      tier: ssm.ParameterTier.ADVANCED,
      description: 'API token',
      allowedPattern: '^[\\S]+$',
      removalPolicy: RemovalPolicy.DESTROY,
      adoptExisting: true,
    });
    Tags.of(param).add('team', 'payments');

    const template = Template.fromStack(stack);
    template.hasResource('Custom::SecureStringParameter', {
      Properties: {
        KeyId: { 'Fn::GetAtt': [keyLogicalId(stack, key), 'Arn'] },
        Tier: 'Advanced',
        Description: 'API token',
        AllowedPattern: '^[\\S]+$',
        Adopt: 'true',
        Tags: [{ Key: 'team', Value: 'payments' }],
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    // a key given to a parameter means no default key
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('attributes: name and ARN that reference the resource, type, tier, deploy-time version and a pinned dynamic reference', () => {
    const stack = newStack();

    const param = new SecureStringParameter(stack, 'Param', { parameterName: '/app/prod/db/password', value: SecureValue.generated() });

    const logicalId = stack.getLogicalId(param.node.defaultChild as any);
    expect(stack.resolve(param.parameterName)).toEqual({ Ref: logicalId });
    expect(stack.resolve(param.parameterArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
    expect(param.parameterType).toBe('SecureString');
    expect(param.tier).toBe(ssm.ParameterTier.STANDARD);
    expect(stack.resolve(param.parameterRef)).toEqual({ parameterName: { Ref: logicalId } });
    expect(stack.resolve(param.parameterVersion)).toEqual({ 'Fn::GetAtt': [logicalId, 'Version'] });
    expect(stack.resolve(param.secureValue.unsafeUnwrap())).toEqual({
      'Fn::Join': ['', ['{{resolve:ssm-secure:/app/prod/db/password:', { 'Fn::GetAtt': [logicalId, 'Version'] }, '}}']],
    });
  });

  test.each([
    ['a path', '/app/prod/db/password', 'app/prod/db/password'],
    ['a name without a slash', 'flat-name', 'flat-name'],
  ])('%s: a consumer in another account gets the concrete name and the ARN Parameter Store gives it', (_name, parameterName, arnName) => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const consumer = new Stack(app, 'Consumer', { env: { account: '222222222222', region: 'eu-west-1' } });

    const param = new SecureStringParameter(stack, 'Param', { parameterName, value: SecureValue.generated() });

    expect(consumer.resolve(param.parameterName)).toBe(parameterName);
    expect(consumer.resolve(param.parameterArn)).toEqual(arn(arnName));
  });

  test('SecureStrings without a key share one ParameterKey per stack', () => {
    const stack = newStack();

    const a = new SecureStringParameter(stack, 'A', { parameterName: '/a/x', value: SecureValue.generated() });
    const b = new SecureStringParameter(stack, 'B', { parameterName: '/b/y', value: SecureValue.generated() });

    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
    expect(a.encryptionKey).toBe(b.encryptionKey);
    expect(a.encryptionKey).toBeInstanceOf(ParameterKey);
  });
});

describe('grants', () => {
  function grantStatements(grant: (p: SecureStringParameter, role: iam.Role) => void, tier = ssm.ParameterTier.STANDARD) {
    const stack = newStack();
    const param = new SecureStringParameter(stack, 'Param', { parameterName: '/app/prod/db/password', value: SecureValue.generated(), tier });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grant(param, role);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] },
    });
    return {
      statements: Object.values(policies)[0].Properties.PolicyDocument.Statement,
      key: { 'Fn::GetAtt': [keyLogicalId(stack, param.encryptionKey), 'Arn'] },
      paramArn: arnAttribute(stack, param),
    };
  }

  test('grantRead: SSM reads on the parameter; kms:Decrypt only for its encryption context, only via SSM', () => {
    const { statements, key, paramArn } = grantStatements((p, r) => p.grantRead(r));

    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'], Resource: paramArn },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: key,
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': paramArn, 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test.each([
    [ssm.ParameterTier.STANDARD, 'kms:Encrypt'],
    [ssm.ParameterTier.ADVANCED, 'kms:GenerateDataKey'],
    // Intelligent-Tiering stores as Standard or Advanced, whichever the value needs
    [ssm.ParameterTier.INTELLIGENT_TIERING, ['kms:Encrypt', 'kms:GenerateDataKey']],
  ])('grantWrite on %s: ssm:PutParameter and %s under the same conditions', (tier, keyAction) => {
    const { statements, key, paramArn } = grantStatements((p, r) => p.grantWrite(r), tier);

    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: paramArn },
      {
        Effect: 'Allow',
        Action: keyAction,
        Resource: key,
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': paramArn, 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('ecs.Secret.fromSsmParameter gives the execution role our scoped statements, not a bare kms:Decrypt', () => {
    const stack = newStack();
    const param = new SecureStringParameter(stack, 'Param', { parameterName: '/app/prod/db/password', value: SecureValue.generated() });
    const paramArn = arnAttribute(stack, param);
    const task = new ecs.FargateTaskDefinition(stack, 'Task');

    task.addContainer('App', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
      secrets: { DB_PASSWORD: ecs.Secret.fromSsmParameter(param) },
    });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Secrets: [{ Name: 'DB_PASSWORD', ValueFrom: paramArn }] })],
    });
    const executionPolicy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) =>
      JSON.stringify(p.Properties.Roles).includes('TaskExecutionRole'),
    ) as any;
    const kmsStatements = executionPolicy.Properties.PolicyDocument.Statement.filter((s: any) => JSON.stringify(s.Action).includes('kms:'));
    expect(kmsStatements).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': paramArn, 'kms:ViaService': VIA_SSM } },
      }),
    ]);
  });
});

describe('the stack handler', () => {
  function stackWithEverySource(): Stack {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', SECRET_ARN);
    new SecureStringParameter(stack, 'Generated', { parameterName: '/app/prod/db/password', value: SecureValue.generated() });
    new SecureStringParameter(stack, 'Ciphertext', { parameterName: '/app/prod/api/key', value: SecureValue.fromCiphertext(CIPHERTEXT) });
    new SecureStringParameter(stack, 'Copied', { parameterName: '/app/prod/copied', value: SecureValue.fromSecret(secret, 'password') });
    new SecureStringParameter(stack, 'Placeholder', { parameterName: '/app/staging/ops', value: SecureValue.placeholder() });
    new SecureStringParameter(stack, 'Plain', {
      parameterName: 'flat',
      value: SecureValue.unsafePlainText('x'),
      tier: ssm.ParameterTier.ADVANCED,
    });
    return stack;
  }

  test('one per stack: five shared resources whatever the number of parameters', () => {
    const stack = stackWithEverySource();

    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::SecureStringParameter', 5);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::IAM::Role', 1);
    // the handler's policy, and one for the secret fromSecret copies
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(5 + 6 + 1 /* default ParameterKey */);
  });

  test('runs on the pinned Node.js runtime, traced, with JSON logs kept one year', () => {
    const template = Template.fromStack(stackWithEverySource());

    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: 900,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('its policy: SSM on covering paths with the trailing slash, KMS only through Parameter Store or for committed ciphertext', () => {
    const stack = stackWithEverySource();
    const key = { 'Fn::GetAtt': [keyLogicalId(stack, (stack.node.findChild('Generated') as SecureStringParameter).encryptionKey), 'Arn'] };
    const covered = [arn('app/prod/*'), arn('app/staging/*'), arn('flat')];

    const statements = handlerPolicyStatements(stack);

    expect(statements[0]).toEqual({
      Sid: 'ManageParametersOfThisStack',
      Effect: 'Allow',
      Action: [
        'ssm:PutParameter',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:GetParameterHistory',
        'ssm:DeleteParameter',
        'ssm:AddTagsToResource',
        'ssm:RemoveTagsFromResource',
        'ssm:LabelParameterVersion',
        'ssm:UnlabelParameterVersion',
      ],
      Resource: covered,
      // another stack's parameter under these paths stays out of reach
      Condition: { StringLikeIfExists: { 'aws:ResourceTag/cdk-secure-parameters:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } } },
    });
    // committed ciphertext is decrypted directly, only for these parameters
    expect(statements[4]).toEqual({
      Sid: 'DecryptCommittedCiphertext',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': covered } },
    });
    expect(statements.map((s) => s.Sid)).toEqual([
      'ManageParametersOfThisStack',
      'ReachParametersThisStackOwns',
      'ReadOwnershipTags',
      'UseKeysOnlyThroughParameterStore',
      'DecryptCommittedCiphertext',
      'ReadOwnStackRecords',
      'WriteOwnLogs',
      'WriteTraces',
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/parameter\/app\/prod\*|"ssm:\*"|"kms:\*"/);
  });

  test('the copied secret is granted in a policy of its own, attached to the handler\'s role, which the function waits for', () => {
    const template = Template.fromStack(stackWithEverySource());
    const [role] = Object.keys(template.findResources('AWS::IAM::Role'));
    const copied = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('copies') } });
    const [[id, policy]] = Object.entries(copied);

    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Sid: 'CopySecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }]);
    expect(policy.Properties.Roles).toEqual([{ Ref: role }]);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn.DependsOn).toContain(id);
  });

  test('its policy stays the same size for 10 or 400 parameters under one path', () => {
    const sizes = [10, 400].map((n) => {
      const stack = newStack();
      for (let i = 0; i < n; i++) {
        new SecureStringParameter(stack, `P${i}`, { parameterName: `/app/prod/service${i % 7}/secret${i}`, value: SecureValue.generated() });
      }
      return JSON.stringify(handlerPolicyStatements(stack)).length;
    });

    expect(sizes[1]).toBe(sizes[0]);
  });

  test('fromCiphertext adds to the ParameterKey policy: direct decrypt for this role only, direct encrypt with a parameter context', () => {
    const stack = stackWithEverySource();

    const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
    const statements = key.Properties.KeyPolicy.Statement;
    const accountParameters = { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:111111111111:parameter/*']] };
    expect(statements.slice(2)).toEqual([
      {
        Sid: 'AllowHandlerToDecryptCommittedCiphertext',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::111111111111:root']] } },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', PARTITION, expect.stringMatching(/^:iam::111111111111:role\/ssp-handler-[0-9a-f]{8}-eu-west-1$/)]] } },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': accountParameters },
        },
      },
      {
        Sid: 'AllowEncryptingValuesForCommittedCiphertext',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::111111111111:root']] } },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': accountParameters } },
      },
    ]);
  });

  test.each([
    ['placeholder', SecureValue.placeholder(), ['AllowEncryptingValuesForCommittedCiphertext']],
    ['generated', SecureValue.generated(), []],
    ['unsafePlainText', SecureValue.unsafePlainText('not secret'), []],
  ])('a %s value: what the ParameterKey policy adds for committed ciphertext', (_source, value, sids) => {
    const stack = newStack();
    new SecureStringParameter(stack, 'P', { parameterName: '/app/prod/p', value, encryptionKey: new ParameterKey(stack, 'Key') });

    const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
    expect(key.Properties.KeyPolicy.Statement.slice(2).map((s: any) => s.Sid)).toEqual(sids);
    // a placeholder's value may become a committed ciphertext: users encrypt, nobody but the handler decrypts
    expect(JSON.stringify(handlerPolicyStatements(stack))).not.toContain('DecryptCommittedCiphertext');
  });

  test('the role name in the key policy is the role the handler runs as', () => {
    const stack = stackWithEverySource();
    const template = Template.fromStack(stack).toJSON();

    const role = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::IAM::Role') as any;
    const key = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::KMS::Key') as any;
    const principalArn = key.Properties.KeyPolicy.Statement[2].Condition.ArnEquals['aws:PrincipalArn']['Fn::Join'][1][2];
    expect(role.Properties.RoleName).toMatch(/^ssp-handler-[0-9a-f]{8}-eu-west-1$/);
    expect(principalArn).toBe(`:iam::111111111111:role/${role.Properties.RoleName}`);
  });

  test('snapshot', () => {
    expect(snapshotTemplate(stackWithEverySource())).toMatchSnapshot();
  });

  test.each(NAG_PACKS)('cdk-nag $name reports no violation with one parameter per value source', ({ create }) => {
    expect(nagViolations(create(), stackWithEverySource())).toEqual([]);
  });
});

describe('synth-time validation names the construct, the value and the rule', () => {
  test.each([
    ['a name with a space', 'has space', "Stack/P: parameterName 'has space' is invalid: it may contain only a-z, A-Z, 0-9, '_', '.', '-' and '/'"],
    ['a path without a leading slash', 'app/x', "Stack/P: parameterName 'app/x' is invalid: a name with '/' must start with '/'"],
    ['the aws prefix', '/aws/x', "Stack/P: parameterName '/aws/x' is invalid: it cannot start with 'aws' or 'ssm'"],
    ['the ssm prefix in another case', 'SSMthing', "Stack/P: parameterName 'SSMthing' is invalid: it cannot start with 'aws' or 'ssm'"],
    ['an empty level', '/app//x', "Stack/P: parameterName '/app//x' is invalid: it cannot have an empty level"],
    ['a trailing slash', '/app/x/', "Stack/P: parameterName '/app/x/' is invalid: it cannot have an empty level"],
    ['16 levels', `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, 'is invalid: it has 16 levels; Parameter Store allows at most 15'],
    ['an ARN over 1011 characters', `/${'a'.repeat(967)}`, 'is invalid: its ARN would be 1012 characters; Parameter Store allows at most 1011'],
    ['an empty name', '', 'Stack/P: parameterName \'\' is invalid: a parameter name cannot be empty'],
    ['a . level', '/app/./x', "Stack/P: parameterName '/app/./x' is invalid: no level can be '.' or '..' (names are not file paths: nothing resolves them, and /app/prod/../x is not /app/x)"],
    ['a .. level', '/app/prod/../other/secret', "Stack/P: parameterName '/app/prod/../other/secret' is invalid: no level can be '.' or '..'"],
  ])('%s', (_name, parameterName, message) => {
    expect(() => new SecureStringParameter(newStack(), 'P', { parameterName, value: SecureValue.generated() })).toThrow(message);
  });

  test.each([
    ['15 levels', `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`],
    ['an ARN of exactly 1011 characters', `/${'a'.repeat(966)}`],
    ['dots, dashes and underscores', '/a.b/c-d/e_f'],
    ['a version level', '/app/v1.2/x'],
    ['a level that starts with a dot', '/app/.env'],
  ])('accepts %s', (_name, parameterName) => {
    expect(() => new SecureStringParameter(newStack(), 'P', { parameterName, value: SecureValue.generated() })).not.toThrow();
  });

  test.each([
    ['a generated length over the Standard limit', SecureValue.generated({ length: 4097 }), ssm.ParameterTier.STANDARD, '/x: value (generated, tier Standard) is invalid: generated length 4097 is invalid; it must be a whole number from 1 to 4096 for this tier'],
    ['a zero length', SecureValue.generated({ length: 0 }), ssm.ParameterTier.STANDARD, 'generated length 0 is invalid'],
    ['a fractional length', SecureValue.generated({ length: 10.5 }), ssm.ParameterTier.STANDARD, 'generated length 10.5 is invalid'],
    ['every character excluded', SecureValue.generated({ excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true }), ssm.ParameterTier.STANDARD, 'the generator options exclude every character'],
    ['too short for every class', SecureValue.generated({ length: 3 }), ssm.ParameterTier.STANDARD, 'generated length 3 cannot hold one character of each of the 4 included classes'],
    ['a fractional generation', SecureValue.generated({ generation: 1.5 }), ssm.ParameterTier.STANDARD, 'generation 1.5 must be a whole number'],
    ['plain text over 4 KB on Standard', SecureValue.unsafePlainText('x'.repeat(4097)), ssm.ParameterTier.STANDARD, 'the value is 4097 bytes; this tier allows at most 4096 bytes'],
    ['plain text over 8 KB on Advanced', SecureValue.unsafePlainText('é'.repeat(4097)), ssm.ParameterTier.ADVANCED, 'the value is 8194 bytes; this tier allows at most 8192 bytes'],
    ['an empty placeholder', SecureValue.placeholder(''), ssm.ParameterTier.STANDARD, 'the value is empty'],
    ['ciphertext that is not base64', SecureValue.fromCiphertext('not base64!'), ssm.ParameterTier.STANDARD, 'the ciphertext is empty or not base64; pass what `npx cdk-secure-parameters encrypt` prints'],
    ['an empty ciphertext (an empty committed file)', SecureValue.fromCiphertext(''), ssm.ParameterTier.STANDARD, 'the ciphertext is empty or not base64'],
    ['ciphertext larger than KMS makes', SecureValue.fromCiphertext(Buffer.alloc(6145).toString('base64')), ssm.ParameterTier.ADVANCED, 'the ciphertext is 6145 bytes; a KMS ciphertext is at most 6144 bytes'],
  ])('%s', (_name, value, tier, message) => {
    expect(() => new SecureStringParameter(newStack(), 'P', { parameterName: '/x', value, tier })).toThrow(message);
  });

  test('a long generated value fits Advanced', () => {
    expect(() => new SecureStringParameter(newStack(), 'P', {
      parameterName: '/x',
      value: SecureValue.generated({ length: 8192 }),
      tier: ssm.ParameterTier.ADVANCED,
    })).not.toThrow();
  });

  test('an allowedPattern that does not compile', () => {
    expect(() => new SecureStringParameter(newStack(), 'P', { parameterName: '/x', value: SecureValue.generated(), allowedPattern: '([a-z' })).toThrow(
      "Stack/P: /x: allowedPattern '([a-z' does not compile:",
    );
  });

  test('a placeholder or plain text that the pattern would refuse, without echoing the value', () => {
    const make = () => new SecureStringParameter(newStack(), 'P', {
      parameterName: '/x',
      value: SecureValue.unsafePlainText('has spaces in it'),
      allowedPattern: '^\\S+$',
    });

    expect(make).toThrow("Stack/P: /x: the plaintext value does not match allowedPattern '^\\S+$'; Parameter Store would refuse it at deploy time");
    expect(make).not.toThrow(/has spaces in it/);
  });

  test('an asymmetric key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Rsa', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY });

    expect(() => new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: key })).toThrow(
      'Stack/P: key Stack/Rsa has key spec RSA_2048 and usage SIGN_VERIFY; Parameter Store supports only symmetric keys',
    );
  });

  test('a token name', () => {
    const stack = newStack();
    const name = new ssm.StringParameter(stack, 'Name', { stringValue: '/x' }).stringValue;

    expect(() => new SecureStringParameter(stack, 'P', { parameterName: name, value: SecureValue.generated() })).toThrow(
      'is invalid: it must be a concrete string, not a token',
    );
  });
});
