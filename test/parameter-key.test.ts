import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterKey } from '../lib';
import { NAG_PACKS, nagViolations } from './helpers/nag';
import { snapshotTemplate } from './helpers/snapshot-template';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function keyPolicyStatements(stack: Stack): any[] {
  const keys = Template.fromStack(stack).findResources('AWS::KMS::Key');
  const [key] = Object.values(keys);
  return key.Properties.KeyPolicy.Statement;
}

const VIA_SSM_IN_EU_WEST_1 = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const ACCOUNT_ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] };

describe('ParameterKey', () => {
  test('is a rotating symmetric ENCRYPT_DECRYPT key, retained by default', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new ParameterKey(stack, 'Key');

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: {
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EnableKeyRotation: true,
        Description: 'Encrypts Parameter Store SecureString parameters',
        RotationPeriodInDays: Match.absent(),
        PendingWindowInDays: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.resourceCountIs('AWS::KMS::Alias', 0);
  });

  test('passes rotation period, pending window, description and removal policy through', () => {
    const stack = newStack();

    new ParameterKey(stack, 'Key', {
      rotationPeriod: Duration.days(180),
      pendingWindow: Duration.days(7),
      description: 'payments secrets',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    Template.fromStack(stack).hasResource('AWS::KMS::Key', {
      Properties: {
        RotationPeriodInDays: 180,
        PendingWindowInDays: 7,
        Description: 'payments secrets',
        EnableKeyRotation: true,
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test.each([
    ['my-key', 'alias/my-key'],
    ['alias/team/payments', 'alias/team/payments'],
  ])('alias %s becomes %s and targets the key', (alias, expected) => {
    const stack = newStack();

    const key = new ParameterKey(stack, 'Key', { alias });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: expected,
      TargetKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
    });
    expect(stack.resolve(key.alias?.aliasName)).toEqual(expected);
  });

  test('key policy: administration through IAM, cryptography only through Parameter Store', () => {
    const stack = newStack();

    new ParameterKey(stack, 'Key');

    const statements = keyPolicyStatements(stack);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toEqual({
      Sid: 'AllowKeyAdministrationThroughIamPolicies',
      Effect: 'Allow',
      Principal: { AWS: ACCOUNT_ROOT },
      Action: expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:EnableKeyRotation']),
      Resource: '*',
    });
    const adminActions: string[] = statements[0].Action;
    // no cryptographic action and no grant creation (a grant would bypass kms:ViaService)
    for (const forbidden of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:ReEncryptFrom']) {
      expect(adminActions).not.toContain(forbidden);
    }
    expect(adminActions.every((action) => !action.includes('*'))).toBe(true);
    expect(statements[1]).toEqual({
      Sid: 'AllowCryptographyOnlyThroughParameterStore',
      Effect: 'Allow',
      Principal: { AWS: ACCOUNT_ROOT },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': VIA_SSM_IN_EU_WEST_1,
          'kms:CallerAccount': '111111111111',
        },
      },
    });
  });

  test('an environment-agnostic stack conditions on the deploy-time region and account', () => {
    const stack = new Stack(new App(), 'Agnostic');

    new ParameterKey(stack, 'Key');

    const crypto = keyPolicyStatements(stack)[1];
    expect(crypto.Condition.StringEquals).toEqual({
      'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      'kms:CallerAccount': { Ref: 'AWS::AccountId' },
    });
  });

  test('allowDirectKmsUse opts out of the Parameter Store restriction', () => {
    const stack = newStack();

    new ParameterKey(stack, 'Key', { allowDirectKmsUse: true });

    const statements = keyPolicyStatements(stack);
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual({
      Sid: 'AllowCryptographyThroughIamPolicies',
      Effect: 'Allow',
      Principal: { AWS: ACCOUNT_ROOT },
      Action: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
      ],
      Resource: '*',
    });
  });

  test('admins get administration actions on this key only, in their own policy', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });

    const key = new ParameterKey(stack, 'Key', { admins: [admin] });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(admin.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: Match.arrayWith(['kms:PutKeyPolicy', 'kms:DisableKey', 'kms:ScheduleKeyDeletion']),
            Resource: stack.resolve(key.keyArn),
          },
        ],
      },
    });
    const adminPolicy = Object.values(template.findResources('AWS::IAM::Policy'))[0];
    expect(adminPolicy.Properties.PolicyDocument.Statement[0].Action).not.toContain('kms:Decrypt');
    // delegated through IAM: the key policy is unchanged
    expect(keyPolicyStatements(stack)).toHaveLength(2);
  });

  test('IKey grants work: same-account to the principal, cross-account also to the key policy', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const key = new ParameterKey(stack, 'Key');
    const local = new iam.Role(stack, 'Local', { assumedBy: new iam.AccountRootPrincipal() });
    const remote = new iam.AccountPrincipal('222222222222');

    key.grantDecrypt(local);
    key.grantDecrypt(remote);

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'kms:Decrypt', Effect: 'Allow', Resource: stack.resolve(key.keyArn) }],
      },
    });
    const statements = keyPolicyStatements(stack);
    expect(statements).toHaveLength(3);
    expect(statements[2]).toMatchObject({
      Action: 'kms:Decrypt',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } },
    });
  });

  test.each(['grantSign', 'grantVerify', 'grantSignVerify', 'grantGenerateMac', 'grantVerifyMac'] as const)(
    '%s is refused: the key is symmetric',
    (method) => {
      const stack = newStack();
      const key = new ParameterKey(stack, 'Key');
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });

      expect(() => key[method](role)).toThrow(
        `Stack/Key: ${method} is not supported: a ParameterKey is a symmetric ENCRYPT_DECRYPT key`,
      );
    },
  );

  describe('invalid props fail at synth naming the construct, the value and the rule', () => {
    test.each([
      ['rotation below 90 days', { rotationPeriod: Duration.days(89) }, 'Stack/Key: rotationPeriod 89 days is invalid; KMS requires a whole number of days from 90 to 2560'],
      ['rotation above 2560 days', { rotationPeriod: Duration.days(2561) }, 'Stack/Key: rotationPeriod 2561 days is invalid; KMS requires a whole number of days from 90 to 2560'],
      ['rotation in fractional days', { rotationPeriod: Duration.hours(2200) }, 'Stack/Key: rotationPeriod 91 days 16 hours is invalid; KMS requires a whole number of days from 90 to 2560'],
      ['pending window below 7 days', { pendingWindow: Duration.days(6) }, 'Stack/Key: pendingWindow 6 days is invalid; KMS requires a whole number of days from 7 to 30'],
      ['pending window above 30 days', { pendingWindow: Duration.days(31) }, 'Stack/Key: pendingWindow 31 days is invalid; KMS requires a whole number of days from 7 to 30'],
      ['alias with a space', { alias: 'has space' }, "Stack/Key: alias 'has space' is invalid; an alias is 'alias/' followed by 1 to 250 characters"],
      ['empty alias', { alias: 'alias/' }, "Stack/Key: alias 'alias/' is invalid; an alias is 'alias/' followed by 1 to 250 characters"],
      ['alias longer than 256 characters', { alias: 'x'.repeat(251) }, `Stack/Key: alias '${'x'.repeat(251)}' is invalid`],
      ['reserved alias/aws/ prefix', { alias: 'alias/aws/ssm' }, "Stack/Key: alias 'alias/aws/ssm' is invalid; the 'alias/aws/' prefix is reserved for AWS managed keys"],
      ['reserved prefix in another case', { alias: 'AWS/mine' }, "Stack/Key: alias 'AWS/mine' is invalid; the 'alias/aws/' prefix is reserved"],
    ])('%s', (_name, props, message) => {
      expect(() => new ParameterKey(newStack(), 'Key', props)).toThrow(message);
    });

    test.each([
      ['rotation of 90 days', { rotationPeriod: Duration.days(90) }],
      ['rotation of 2560 days', { rotationPeriod: Duration.days(2560) }],
      ['pending window of 7 days', { pendingWindow: Duration.days(7) }],
      ['pending window of 30 days', { pendingWindow: Duration.days(30) }],
      ['one-character alias', { alias: 'a' }],
      ['256-character alias', { alias: 'x'.repeat(250) }],
    ])('%s is accepted', (_name, props) => {
      expect(() => new ParameterKey(newStack(), 'Key', props)).not.toThrow();
    });
  });

  test('snapshot', () => {
    const stack = newStack();
    new ParameterKey(stack, 'Key', { alias: 'app/prod', rotationPeriod: Duration.days(365) });

    expect(snapshotTemplate(stack)).toMatchSnapshot();
  });

  test.each(NAG_PACKS)('cdk-nag $name reports no violation', ({ create }) => {
    const stack = newStack();
    new ParameterKey(stack, 'Key', { alias: 'app/prod' });
    new ParameterKey(stack, 'DirectUseKey', { allowDirectKmsUse: true });

    expect(nagViolations(create(), stack)).toEqual([]);
  });
});

describe('ParameterKey.assertSymmetric', () => {
  test.each([
    ['RSA_2048', kms.KeySpec.RSA_2048, kms.KeyUsage.ENCRYPT_DECRYPT],
    ['RSA signing', kms.KeySpec.RSA_3072, kms.KeyUsage.SIGN_VERIFY],
    ['ECC', kms.KeySpec.ECC_NIST_P256, kms.KeyUsage.SIGN_VERIFY],
    ['HMAC_256', kms.KeySpec.HMAC_256, kms.KeyUsage.GENERATE_VERIFY_MAC],
    ['HMAC_512', kms.KeySpec.HMAC_512, kms.KeyUsage.GENERATE_VERIFY_MAC],
  ])('refuses a %s key made in the app', (_name, keySpec, keyUsage) => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Other', { keySpec, keyUsage });

    expect(() => ParameterKey.assertSymmetric(stack, key)).toThrow(
      `Stack: key Stack/Other has key spec ${keySpec} and usage ${keyUsage}; ` +
        'Parameter Store supports only symmetric keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)',
    );
  });

  test('refuses an alias of an asymmetric key made in the app', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Rsa', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    const alias = new kms.Alias(stack, 'RsaAlias', { aliasName: 'alias/rsa', targetKey: key });

    expect(() => ParameterKey.assertSymmetric(stack, alias)).toThrow(/key Stack\/Rsa has key spec RSA_2048/);
  });

  test.each([
    ['a default kms.Key', (s: Stack) => new kms.Key(s, 'K')],
    ['an explicit symmetric kms.Key', (s: Stack) => new kms.Key(s, 'K', { keySpec: kms.KeySpec.SYMMETRIC_DEFAULT })],
    ['a ParameterKey', (s: Stack) => new ParameterKey(s, 'K')],
    ['an alias of a symmetric key', (s: Stack) => new kms.Alias(s, 'A', { aliasName: 'alias/a', targetKey: new kms.Key(s, 'K') })],
    ['an imported key ARN', (s: Stack) => kms.Key.fromKeyArn(s, 'K', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab')],
    ['an imported alias', (s: Stack) => kms.Alias.fromAliasName(s, 'A', 'alias/imported')],
  ])('accepts %s', (_name, makeKey) => {
    const stack = newStack();

    expect(() => ParameterKey.assertSymmetric(stack, makeKey(stack))).not.toThrow();
  });
});
