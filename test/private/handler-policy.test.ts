import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnResource, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ParameterHierarchy, ParameterKey, ParameterPolicy, ParameterStoreChecks, SecureStringParameter, SecureValue } from '../../lib';
import { HANDLER_SSM_ACTIONS } from '../../lib/private/handler-policy';
import { acknowledgedRules, nagViolations } from '../helpers/nag';
import { resolveIntrinsics } from '../helpers/resolve-intrinsics';

// GIVEN a stack in a known environment, with the partition left to CloudFormation as aws-cdk-lib does
const ENV = { account: '111111111111', region: 'eu-west-1' };
const PARTITION = { Ref: 'AWS::Partition' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const ACCOUNT_PARAMETERS = { 'Fn::Join': ['', ['arn:', PARTITION, ':ssm:eu-west-1:111111111111:parameter/*']] };
const ACCOUNT_KEYS = { 'Fn::Join': ['', ['arn:', PARTITION, ':kms:eu-west-1:111111111111:key/*']] };
const OTHER_ACCOUNT_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/0f0e0d0c-0b0a-0908-0706-050403020100';
/** IAM's limit for a customer-managed policy, counted without whitespace. */
const MANAGED_POLICY_LIMIT = 6144;
/** CloudFormation's longest stack name: the owner-tag condition carries it. */
const LONGEST_STACK_NAME = `S${'a'.repeat(127)}`;

function newStack(stackName = 'Stack'): Stack {
  return new Stack(new App(), 'Stack', { env: ENV, stackName });
}

function arn(path: string): unknown {
  return { 'Fn::Join': ['', ['arn:', PARTITION, `:ssm:eu-west-1:111111111111:parameter/${path}`]] };
}

function handlerPolicyDocument(stack: Stack): any {
  const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
  return policy.Properties.PolicyDocument;
}

function statement(stack: Stack, sid: string): any {
  return handlerPolicyDocument(stack).Statement.find((s: any) => s.Sid === sid);
}

/** The policy document as IAM receives it: intrinsics resolved, keys and log group given real-length ARNs. */
function deployedPolicyCharacters(stack: Stack): number {
  const deployed = resolveIntrinsics(handlerPolicyDocument(stack), {
    partition: 'aws',
    region: ENV.region,
    accountId: ENV.account,
    stackName: stack.stackName,
    resource: (logicalId, attribute) => {
      if (attribute === 'Arn' && logicalId.includes('Key')) return `arn:aws:kms:${ENV.region}:${ENV.account}:key/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`;
      // a log group's name (Ref) as long as CloudFormation makes it
      if (attribute === undefined && logicalId.includes('Logs')) return `${stack.stackName}-${logicalId}-${'X'.repeat(12)}`;
      throw new Error(`unexpected reference ${logicalId}.${attribute}`);
    },
  });
  return JSON.stringify(deployed).length;
}

/** `services` hierarchies `/svc<i>/prod`, each with one generated SecureString, and with its own key or one shared key. */
function hierarchies(services: number, ownKeys: boolean, stackName = 'Stack'): Stack {
  const stack = newStack(stackName);
  const shared = new ParameterKey(stack, 'SharedKey');
  for (let i = 0; i < services; i++) {
    const encryptionKey = ownKeys ? new ParameterKey(stack, `Key${i}`) : shared;
    new ParameterHierarchy(stack, `Service${i}`, { path: `/svc${i}/prod`, encryptionKey })
      .addSecureString('DbPassword', { name: 'db/password', value: SecureValue.generated() });
  }
  return stack;
}

describe('the handler policy, statement by statement', () => {
  function stackWithCiphertextAndSecret(): Stack {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf');
    const key = new ParameterKey(stack, 'Key');
    new SecureStringParameter(stack, 'Generated', { parameterName: '/app/prod/db/password', value: SecureValue.generated(), encryptionKey: key });
    new SecureStringParameter(stack, 'Committed', { parameterName: '/app/prod/api/key', value: SecureValue.fromCiphertext('AQID'), encryptionKey: key });
    new SecureStringParameter(stack, 'Copied', { parameterName: 'flat', value: SecureValue.fromSecret(secret), encryptionKey: key });
    return stack;
  }

  test('S1 ManageParametersOfThisStack: the SSM actions on the covering patterns, each ending in /* or exact', () => {
    // WHEN
    const stack = stackWithCiphertextAndSecret();

    // THEN
    expect(statement(stack, 'ManageParametersOfThisStack')).toEqual({
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
      Resource: [arn('app/prod/api/*'), arn('app/prod/db/*'), arn('flat')],
      Condition: {
        StringLikeIfExists: { 'aws:ResourceTag/cdk-secure-parameters:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } },
      },
    });
  });

  test("S2 ReachParametersThisStackOwns: the same actions on any parameter that carries this stack's owner tag", () => {
    const stack = stackWithCiphertextAndSecret();

    expect(statement(stack, 'ReachParametersThisStackOwns')).toEqual({
      Sid: 'ReachParametersThisStackOwns',
      Effect: 'Allow',
      Action: HANDLER_SSM_ACTIONS,
      Resource: ACCOUNT_PARAMETERS,
      Condition: {
        StringLike: { 'aws:ResourceTag/cdk-secure-parameters:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } },
      },
    });
  });

  test('S3 ReadOwnershipTags: only ListTagsForResource on any parameter, without condition', () => {
    const stack = stackWithCiphertextAndSecret();

    expect(statement(stack, 'ReadOwnershipTags')).toEqual({
      Sid: 'ReadOwnershipTags',
      Effect: 'Allow',
      Action: 'ssm:ListTagsForResource',
      Resource: ACCOUNT_PARAMETERS,
    });
    const others = handlerPolicyDocument(stack).Statement.filter((s: any) => s.Sid !== 'ReadOwnershipTags');
    expect(JSON.stringify(others)).not.toContain('ssm:ListTagsForResource');
  });

  test("S4 UseKeysOnlyThroughParameterStore: Parameter Store's three calls on the account's keys, only via SSM, only for parameters", () => {
    const stack = stackWithCiphertextAndSecret();

    expect(statement(stack, 'UseKeysOnlyThroughParameterStore')).toEqual({
      Sid: 'UseKeysOnlyThroughParameterStore',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: ACCOUNT_KEYS,
      Condition: {
        StringEquals: { 'kms:ViaService': VIA_SSM },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': ACCOUNT_PARAMETERS },
      },
    });
  });

  test('S4 also names a key of another account, once, and no key of this account', () => {
    const stack = newStack();
    const foreign = kms.Key.fromKeyArn(stack, 'Foreign', OTHER_ACCOUNT_KEY);
    const local = kms.Key.fromKeyArn(stack, 'Local', 'arn:aws:kms:eu-west-1:111111111111:key/00000000-1111-2222-3333-444444444444');
    new SecureStringParameter(stack, 'A', { parameterName: '/app/a', value: SecureValue.generated(), encryptionKey: foreign });
    new SecureStringParameter(stack, 'B', { parameterName: '/app/b', value: SecureValue.generated(), encryptionKey: foreign });
    new SecureStringParameter(stack, 'C', { parameterName: '/app/c', value: SecureValue.generated(), encryptionKey: local });

    expect(statement(stack, 'UseKeysOnlyThroughParameterStore').Resource).toEqual([ACCOUNT_KEYS, OTHER_ACCOUNT_KEY]);
  });

  test('S5 DecryptCommittedCiphertext: direct kms:Decrypt on the ciphertext keys only, for the template\'s parameters only', () => {
    const stack = stackWithCiphertextAndSecret();
    const key = stack.node.findChild('Key') as ParameterKey;

    expect(statement(stack, 'DecryptCommittedCiphertext')).toEqual({
      Sid: 'DecryptCommittedCiphertext',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
      Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [arn('app/prod/api/*'), arn('app/prod/db/*'), arn('flat')] } },
    });
  });

  test('without a committed ciphertext there is no direct decrypt; without a secret no Secrets Manager access', () => {
    const stack = newStack();
    new SecureStringParameter(stack, 'P', { parameterName: '/app/p', value: SecureValue.generated() });

    expect(handlerPolicyDocument(stack).Statement.map((s: any) => s.Sid)).toEqual([
      'ManageParametersOfThisStack',
      'ReachParametersThisStackOwns',
      'ReadOwnershipTags',
      'UseKeysOnlyThroughParameterStore',
      'ReadOwnStackRecords',
      'WriteOwnLogs',
      'WriteTraces',
    ]);
  });

  test('a stack with only plain parameter policies gets no KMS statement, but keeps its reach over what it owns', () => {
    const stack = newStack();
    new ParameterHierarchy(stack, 'Config', { path: '/app/config' })
      .addString('Url', { name: 'url', stringValue: 'https://example.com', policies: [ParameterPolicy.expireAfter(Duration.days(30))] });

    expect(handlerPolicyDocument(stack).Statement.map((s: any) => s.Sid)).toEqual([
      'ManageParametersOfThisStack',
      'ReachParametersThisStackOwns',
      'ReadOwnershipTags',
      'ReadOwnStackRecords',
      'WriteOwnLogs',
      'WriteTraces',
    ]);
  });

  test('keys of copied secrets are decrypted only through Secrets Manager, in one statement', () => {
    const stack = newStack();
    const secretKeys = [0, 1].map((i) => new kms.Key(stack, `SecretKey${i}`, { enableKeyRotation: true }));
    secretKeys.forEach((encryptionKey, i) => {
      const secret = new secretsmanager.Secret(stack, `Secret${i}`, { encryptionKey });
      new SecureStringParameter(stack, `Copy${i}`, { parameterName: `/app/copy${i}`, value: SecureValue.fromSecret(secret) });
    });

    const copied = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument.Statement)[1];
    expect(copied.map((s: any) => s.Sid)).toEqual(['CopySecrets', 'DecryptCopiedSecrets']);
    expect(copied[1]).toEqual({
      Sid: 'DecryptCopiedSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: secretKeys.map((k) => ({ 'Fn::GetAtt': [stack.getLogicalId(k.node.defaultChild as kms.CfnKey), 'Arn'] })),
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } } },
    });
  });
});

describe('the handler policy stays within IAM limits whatever the number of keys', () => {
  test('20 hierarchies, each with its own key and a SecureString: at most 6,144 characters as IAM counts them', () => {
    // WHEN
    const characters = deployedPolicyCharacters(hierarchies(20, true, LONGEST_STACK_NAME));

    // THEN
    expect(characters).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
  });

  test('the same size with 1 key and with 20 keys for the same parameters', () => {
    const oneKey = deployedPolicyCharacters(hierarchies(20, false));
    const twentyKeys = deployedPolicyCharacters(hierarchies(20, true));

    expect(twentyKeys).toBe(oneKey);
  });

  test('no key ARN of the template appears in the policy: keys are reached through key/* under conditions', () => {
    const stack = hierarchies(3, true);
    const keyIds = [0, 1, 2].map((i) => stack.getLogicalId((stack.node.findChild(`Key${i}`) as ParameterKey).node.defaultChild as kms.CfnKey));

    const document = JSON.stringify(handlerPolicyDocument(stack));

    for (const id of keyIds) {
      expect(document).not.toContain(id);
    }
  });
});

describe("the policy's cdk-nag findings are acknowledged one by one, and only those that exist", () => {
  function policyAcknowledgements(stack: Stack): string[] {
    const policy = stack.node.findChild('SecureStringParameterHandler').node.findChild('Policy');
    return acknowledgedRules(policy).map(([id]) => id.replace(/^annotation::/, ''));
  }
  function logStreamsFinding(stack: Stack): string {
    const logGroup = stack.node.findChild('SecureStringParameterHandler').node.findChild('Logs').node.defaultChild as CfnResource;
    const inRegion = (pseudo: string) => (Token.isUnresolved(stack.region) ? `<AWS::${pseudo}>` : pseudo === 'Region' ? stack.region : stack.account);
    return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${inRegion('Region')}:${inRegion('AccountId')}:log-group:<${stack.getLogicalId(logGroup)}>:log-stream:*]`;
  }

  test('an environment-agnostic stack: every wildcard of the policy by its exact id, and AwsSolutions and our pack find nothing', () => {
    const stack = new Stack(new App(), 'Stack');
    new SecureStringParameter(stack, 'Token', { parameterName: '/app/prod/token', value: SecureValue.fromCiphertext('AQID') });

    expect(policyAcknowledgements(stack).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      logStreamsFinding(stack),
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/<AWS::StackName>/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/app/prod/*]',
      'ParameterStore-ParameterKeyDecryptConditioned[Context::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/*]',
    ].sort());
    expect(nagViolations(new AwsSolutionsChecks(), stack)).toEqual([]);
    expect(nagViolations(new ParameterStoreChecks(), stack)).toEqual([]);
  });

  test('without a SecureString the key wildcard is not in the policy, and not acknowledged', () => {
    const stack = newStack();
    new ParameterHierarchy(stack, 'Config', { path: '/app/config' })
      .addString('Url', { name: 'url', stringValue: 'https://example.com', policies: [ParameterPolicy.expireAfter(Duration.days(30))] });

    expect(policyAcknowledgements(stack).filter((id) => id.includes(':kms:'))).toEqual([]);
    expect(nagViolations(new AwsSolutionsChecks(), stack)).toEqual([]);
  });
});

describe('the SSM statements, evaluated by an IAM simulator', () => {
  // kms:EncryptionContext:<key> conditions are left to the emulator tests' IAM layer: this simulator
  // version drops context keys whose variable part follows a ':' rather than a '/'.
  const PARAMETER = (name: string) => `arn:aws:ssm:eu-west-1:111111111111:parameter/${name}`;
  const OWNER = 'aws:ResourceTag/cdk-secure-parameters:owner';

  async function decision(action: string, resource: string, contextVariables: Record<string, string>): Promise<string> {
    const stack = newStack('AppBlue');
    new SecureStringParameter(stack, 'Db', { parameterName: '/app/prod/db', value: SecureValue.generated() });
    const policy = resolveIntrinsics(handlerPolicyDocument(stack), {
      partition: 'aws',
      region: ENV.region,
      accountId: ENV.account,
      stackName: stack.stackName,
      resource: (logicalId) => `arn:aws:logs:${ENV.region}:${ENV.account}:log-group:${logicalId}`,
    });
    const result = await runSimulation({
      request: {
        principal: `arn:aws:iam::${ENV.account}:role/ssp-handler`,
        action,
        resource: { resource, accountId: ENV.account },
        contextVariables,
      },
      identityPolicies: [{ name: 'handler', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    return (result as { overallResult: string }).overallResult;
  }

  test.each([
    ['creates a parameter the template names', 'ssm:PutParameter', PARAMETER('app/prod/db'), {}, 'Allowed'],
    ['labels a version of it', 'ssm:LabelParameterVersion', PARAMETER('app/prod/db'), {}, 'Allowed'],
    ['overwrites a parameter it owns outside the template (a rollback to an old name)', 'ssm:PutParameter', PARAMETER('old/db'), { [OWNER]: 'AppBlue/Db' }, 'Allowed'],
    ['deletes a parameter it owns outside the template (a rename)', 'ssm:DeleteParameter', PARAMETER('old/db'), { [OWNER]: 'AppBlue/Db' }, 'Allowed'],
    ['reads the tags of any parameter', 'ssm:ListTagsForResource', PARAMETER('someone/else'), {}, 'Allowed'],
    ['never creates a parameter outside the template (no tag yet)', 'ssm:PutParameter', PARAMETER('old/db'), {}, 'ImplicitlyDenied'],
    ["never deletes another stack's parameter, even one whose name starts like ours", 'ssm:DeleteParameter', PARAMETER('old/db'), { [OWNER]: 'AppBlue-2/Db' }, 'ImplicitlyDenied'],
    ['never reads an untagged parameter outside the template', 'ssm:GetParameter', PARAMETER('app/production/db'), {}, 'ImplicitlyDenied'],
    ['never removes tags of a parameter it does not own', 'ssm:RemoveTagsFromResource', PARAMETER('other/db'), { [OWNER]: 'Other/Db' }, 'ImplicitlyDenied'],
  ])('%s', async (_, action, resource, context, expected) => {
    expect(await decision(action, resource, context)).toBe(expected);
  });
});
