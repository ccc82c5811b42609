import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, ParameterPolicy, ParameterStoreChecks, ParameterStoreExtension, SecretsManagerReference, SecureStringParameter, SecureValue, ShareTarget } from '../lib';
import { ManagedPolicyRole } from './helpers/managed-policy-role';
import { NAG_PACKS, nagViolations } from './helpers/nag';
import { newestNodeRuntime } from './helpers/newest-node-runtime';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const ORG = 'arn:aws:organizations::999999999999:organization/o-abcde12345';
const OU = 'arn:aws:organizations::999999999999:ou/o-abcde12345/ou-ab12-cdefgh34';
const arn = (path: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111111111111:parameter/${path}`]] });

const arnAttribute = (parameter: SecureStringParameter) => ({ 'Fn::GetAtt': [Stack.of(parameter).getLogicalId(parameter.node.defaultChild as any), 'Arn'] });

function advanced(stack: Stack, id = 'P', name = '/shared/db/password') {
  return new SecureStringParameter(stack, id, {
    parameterName: name,
    value: SecureValue.generated(),
    tier: ssm.ParameterTier.ADVANCED,
    policies: [ParameterPolicy.expireAfter(Duration.days(365))],
  });
}

function addedKeyStatements(stack: Stack): any[] {
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
  return key.Properties.KeyPolicy.Statement.slice(2);
}

describe('SecureStringParameter.shareWith', () => {
  test('an account: a RAM share with the SSM read-only permission, and decrypt for this parameter only', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });

    const parameter = advanced(stack);
    parameter.shareWith('Share', [ShareTarget.account('222222222222')]);

    Template.fromStack(stack).hasResourceProperties('AWS::RAM::ResourceShare', {
      Name: 'Stack-P-parameters',
      // the share waits for the parameter; the key policy names the concrete ARN (the parameter references the key)
      ResourceArns: [arnAttribute(parameter)],
      Principals: ['222222222222'],
      AllowExternalPrincipals: true,
      PermissionArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ram::aws:permission/AWSRAMDefaultPermissionSSMParameterReadOnly']] }],
    });
    expect(addedKeyStatements(stack)).toEqual([
      {
        Sid: 'AllowSharedParameterDecrypt222222222222',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': arn('shared/db/password'), 'kms:ViaService': VIA_SSM } },
      },
    ]);
  });

  test('an organization and an OU: any principal of them but the key\'s own account, by aws:PrincipalOrgID and aws:PrincipalOrgPaths', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });

    advanced(stack).shareWith('Share', [ShareTarget.organization(ORG), ShareTarget.organizationalUnit(OU)]);

    Template.fromStack(stack).hasResourceProperties('AWS::RAM::ResourceShare', { Principals: [ORG, OU], AllowExternalPrincipals: false });
    expect(addedKeyStatements(stack)).toEqual([
      {
        Sid: 'AllowSharedParameterDecryptarnawsorganizations999999999999organizationoabcde12345',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': arn('shared/db/password'), 'kms:ViaService': VIA_SSM, 'aws:PrincipalOrgID': 'o-abcde12345' },
          // for its own account a key-policy allow needs no IAM allow: its principals decrypt through their IAM grants
          StringNotEquals: { 'aws:PrincipalAccount': '111111111111' },
        },
      },
      {
        Sid: 'AllowSharedParameterDecryptarnawsorganizations999999999999ouoabcde12345ouab12cdefgh34',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          'StringEquals': { 'kms:EncryptionContext:PARAMETER_ARN': arn('shared/db/password'), 'kms:ViaService': VIA_SSM },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abcde12345/*/ou-ab12-cdefgh34/*' },
          'StringNotEquals': { 'aws:PrincipalAccount': '111111111111' },
        },
      },
    ]);
  });

  test('an environment-agnostic stack excludes the account it deploys to', () => {
    const stack = new Stack(new App(), 'Stack');

    advanced(stack).shareWith('Share', [ShareTarget.organization(ORG)]);

    expect(addedKeyStatements(stack)[0].Condition.StringNotEquals).toEqual({ 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } });
  });

  test('an imported key of an organization share: its owner is told the statement with its own account excluded', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const parameter = new SecureStringParameter(stack, 'P', {
      parameterName: '/x',
      value: SecureValue.generated(),
      tier: ssm.ParameterTier.ADVANCED,
      encryptionKey: kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:eu-west-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    });

    expect(() => parameter.shareWith('Share', [ShareTarget.organization(ORG)])).toThrow('"StringNotEquals":{"aws:PrincipalAccount":"444444444444"}');
  });

  test.each([
    ['a Standard parameter', (s: Stack) => new SecureStringParameter(s, 'P', { parameterName: '/x', value: SecureValue.generated() }),
      'Stack/P: /x: tier Standard cannot be shared; Parameter Store shares Advanced parameters only (set tier: ParameterTier.ADVANCED)'],
    ['the aws/ssm key', (s: Stack) => new SecureStringParameter(s, 'P', { parameterName: '/x', value: SecureValue.generated(), tier: ssm.ParameterTier.ADVANCED, encryptionKey: kms.Alias.fromAliasName(s, 'A', 'alias/aws/ssm') }),
      'Stack/P: a parameter encrypted with the AWS-managed aws/ssm key cannot be shared'],
    ['an imported key', (s: Stack) => new SecureStringParameter(s, 'P', {
      parameterName: '/x',
      value: SecureValue.generated(),
      tier: ssm.ParameterTier.ADVANCED,
      encryptionKey: kms.Key.fromKeyArn(s, 'K', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    }), 'Stack/P: the key Stack/K is imported, so this app cannot edit its policy. Its owner must add: {"Action":"kms:Decrypt","Condition":{"StringEquals":' +
      '{"kms:EncryptionContext:PARAMETER_ARN":"arn:<AWS::Partition>:ssm:eu-west-1:111111111111:parameter/x","kms:ViaService":"ssm.eu-west-1.<AWS::URLSuffix>"}},' +
      '"Effect":"Allow","Principal":{"AWS":"arn:<AWS::Partition>:iam::222222222222:root"},"Resource":"*","Sid":"AllowSharedParameterDecrypt222222222222"}'],
  ])('refuses %s', (_name, make, message) => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    expect(() => make(stack).shareWith('Share', [ShareTarget.account('222222222222')])).toThrow(message);
  });

  test.each([
    ['a short account id', () => ShareTarget.account('1234'), "account '1234' is not a 12-digit AWS account id"],
    ['an OU ARN given as an organization', () => ShareTarget.organization(OU), 'is not an organization ARN'],
    ['an organization ARN given as an OU', () => ShareTarget.organizationalUnit(ORG), 'is not an organizational unit ARN'],
  ])('ShareTarget refuses %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('ParameterHierarchy.shareWith', () => {
  test('shares every SecureString under the path and lets the account decrypt <path>/*', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const shared = new ParameterHierarchy(stack, 'Shared', { path: '/shared', tier: ssm.ParameterTier.ADVANCED });
    const a = shared.addSecureString('A', { name: 'a', value: SecureValue.generated() }) as SecureStringParameter;
    const b = shared.child('db').addSecureString('B', { name: 'b', value: SecureValue.generated() }) as SecureStringParameter;

    shared.shareWith('Share', [ShareTarget.account('222222222222')]);

    Template.fromStack(stack).hasResourceProperties('AWS::RAM::ResourceShare', { ResourceArns: [arnAttribute(a), arnAttribute(b)] });
    expect(addedKeyStatements(stack)[0].Condition).toEqual({
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('shared/*') },
      StringEquals: { 'kms:ViaService': VIA_SSM },
    });
  });

  test('an organization share of a path keeps Parameter Store and the organization under one StringEquals', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const shared = new ParameterHierarchy(stack, 'Shared', { path: '/shared', tier: ssm.ParameterTier.ADVANCED });
    shared.addSecureString('A', { name: 'a', value: SecureValue.generated() });

    shared.shareWith('Share', [ShareTarget.organization(ORG)]);

    expect(addedKeyStatements(stack)[0].Condition).toEqual({
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn('shared/*') },
      StringEquals: { 'kms:ViaService': VIA_SSM, 'aws:PrincipalOrgID': 'o-abcde12345' },
      StringNotEquals: { 'aws:PrincipalAccount': '111111111111' },
    });
  });

  test('a Standard SecureString under a shared path fails validation', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const shared = new ParameterHierarchy(stack, 'Shared', { path: '/shared' });
    shared.addSecureString('A', { name: 'a', value: SecureValue.generated() });
    shared.shareWith('Share', [ShareTarget.account('222222222222')]);

    expect(() => app.synth()).toThrow('Stack/Shared: /shared/a is Standard and cannot be shared; Parameter Store shares Advanced parameters only');
  });
});

describe('cdk-nag on sharing, references and a Lambda consumer', () => {
  function stack(): Stack {
    const s = new Stack(new App(), 'Stack', { env: ENV });
    const shared = advanced(s);
    // renewing its expiration is another test's subject (test/nag/rules/expiring-secure-string-renewed.test.ts)
    Validations.of(shared).acknowledge({ id: 'ParameterStore-ExpiringSecureStringRenewed', reason: 'this test is about sharing' });
    shared.shareWith('Share', [ShareTarget.account('222222222222'), ShareTarget.organization(ORG)]);
    const reader = new ManagedPolicyRole(s, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new SecretsManagerReference(s, 'Ref', { secret: secretsmanager.Secret.fromSecretNameV2(s, 'S', 'db') }).grantRead(reader);
    ParameterStoreExtension.connect(compliantConsumer(s, reader), 'DB_PASSWORD_PARAMETER', shared);
    return s;
  }

  /** A Lambda consumer set up the way a team under HIPAA/NIST/PCI/Serverless rules sets up its functions. */
  function compliantConsumer(s: Stack, role: iam.Role): lambda.Function {
    const key = new kms.Key(s, 'ConsumerKey', { enableKeyRotation: true });
    const dlq = new sqs.Queue(s, 'ConsumerDlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true });
    Validations.of(dlq).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is the consumer function\'s dead-letter queue.' });
    const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
    const fn = new lambda.Function(s, 'Consumer', {
      runtime: newestNodeRuntime(),
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      role,
      vpc,
      memorySize: 256,
      timeout: Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: 2,
      deadLetterQueue: dlq,
      onFailure: new destinations.SqsDestination(dlq),
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      paramsAndSecrets: ParameterStoreExtension.layer(),
    });
    // aws-cdk-lib's own grants for this function (X-Ray, the encrypted DLQ): the team's decisions, not ours
    Validations.of(role).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray tracing of the consumer function has no resource-level permissions.' },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'aws-cdk-lib grants the function the KMS actions of its encrypted dead-letter queue.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'aws-cdk-lib grants the function the KMS actions of its encrypted dead-letter queue.' },
    );
    return fn;
  }

  test.each(NAG_PACKS)('$name: no violation', ({ create }) => {
    expect(nagViolations(create(), stack())).toEqual([]);
  });

  test('ParameterStoreChecks: the sharing statements are conditioned', () => {
    expect(nagViolations(new ParameterStoreChecks(), stack())).toEqual([]);
  });
});
