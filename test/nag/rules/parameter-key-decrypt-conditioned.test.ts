import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterKey, SecureStringParameter, SecureValue } from '../../../lib';
import { acknowledgeFinding } from '../../../lib/private/nag-acknowledgements';
import { decryptContextFinding } from '../../../lib/private/nag-finding-id';
import { parameterArnFor } from '../../../lib/private/parameter-name';
import { parameterStoreViaService } from '../../../lib/private/parameter-store-conditions';
import { findings, lambdaRole, newStack, policyWith } from '../pack-findings';

const CONTEXT = 'kms:EncryptionContext:PARAMETER_ARN';
const PARAMETERS = 'arn:aws:ssm:eu-west-1:111111111111:parameter';
const VIA_SSM = { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' };
/** Stands for the ARN of the parameter key in the tables; replaced by its `Fn::GetAtt`. */
const KEY = 'PARAMETER-KEY';

/** A stack whose SecureString uses a ParameterKey (whose own policy is compliant), and the key's logical id. */
function stackWithParameterKey(): { stack: Stack; key: ParameterKey; keyId: string } {
  const stack = newStack();
  const key = new ParameterKey(stack, 'Key');
  new SecureStringParameter(stack, 'P', { parameterName: '/app/prod/db/password', value: SecureValue.generated(), encryptionKey: key });
  return { stack, key, keyId: stack.getLogicalId(key.node.defaultChild as kms.CfnKey) };
}

function decrypt(condition?: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, ...(condition ? { Condition: condition } : {}), ...extra };
}

function identityFindings(statement: Record<string, unknown>): string[] {
  const { stack, keyId } = stackWithParameterKey();
  const resource = statement.Resource === KEY ? { 'Fn::GetAtt': [keyId, 'Arn'] } : statement.Resource;
  policyWith(stack, 'Policy', { ...statement, Resource: resource });
  return findings(stack).map((f) => f.replace(`<${keyId}.Arn>`, `<${KEY}>`));
}

describe('ParameterKeyDecryptConditioned in identity policies', () => {
  test.each([
    ['no condition', decrypt(), `Resource::<${KEY}>`],
    ['kms:ViaService alone', decrypt({ StringEquals: VIA_SSM }), `Resource::<${KEY}>`],
    ['a context of *', decrypt({ StringLike: { [CONTEXT]: '*' } }), 'Context::*'],
    ['every parameter of the account', decrypt({ StringLike: { [CONTEXT]: `${PARAMETERS}/*` }, StringEquals: VIA_SSM }), `Context::${PARAMETERS}/*`],
    ['every parameter of every account', decrypt({ StringLike: { [CONTEXT]: 'arn:aws:ssm:*:*:parameter/*' } }), 'Context::arn:aws:ssm:*:*:parameter/*'],
    ['a prefix without its slash', decrypt({ StringLike: { [CONTEXT]: `${PARAMETERS}/app/prod*` } }), `Context::${PARAMETERS}/app/prod*`],
    ['one wide value among scoped ones', decrypt({ StringLike: { [CONTEXT]: [`${PARAMETERS}/app/prod/*`, `${PARAMETERS}/*`] } }), `Context::${PARAMETERS}/*`],
    ['ForAllValues (true when the request has no context)', decrypt({ 'ForAllValues:StringLike': { [CONTEXT]: `${PARAMETERS}/app/prod/*` } }), `Resource::<${KEY}>`],
    ['IfExists (true when the request has no context)', decrypt({ StringLikeIfExists: { [CONTEXT]: `${PARAMETERS}/app/prod/*` } }), `Resource::<${KEY}>`],
    ['a negated context', decrypt({ StringNotLike: { [CONTEXT]: `${PARAMETERS}/app/prod/*` } }), `Resource::<${KEY}>`],
    ['kms:*', { ...decrypt(), Action: 'kms:*' }, `Resource::<${KEY}>`],
    ['NotAction that leaves Decrypt', { Effect: 'Allow', NotAction: 'kms:Encrypt', Resource: KEY }, `Resource::<${KEY}>`],
    ['every resource', { ...decrypt(), Resource: '*' }, 'Resource::*'],
    ['every key of the account', { ...decrypt(), Resource: 'arn:aws:kms:eu-west-1:111111111111:key/*' }, 'Resource::arn:aws:kms:eu-west-1:111111111111:key/*'],
    ['every KMS resource anywhere', { ...decrypt(), Resource: 'arn:*:kms:*' }, 'Resource::arn:*:kms:*'],
    ['NotResource', { Effect: 'Allow', Action: 'kms:Decrypt', NotResource: 'arn:aws:kms:eu-west-1:111111111111:key/other' }, 'NotResource::arn:aws:kms:eu-west-1:111111111111:key/other'],
  ])('flags kms:Decrypt with %s', (_name, statement, finding) => {
    expect(identityFindings(statement)).toEqual([`ParameterStore-ParameterKeyDecryptConditioned[${finding}] (error) @ Stack/Policy`]);
  });

  test.each([
    ['one parameter', decrypt({ StringEquals: { [CONTEXT]: `${PARAMETERS}/app/prod/db/password`, ...VIA_SSM } })],
    ['a path', decrypt({ StringLike: { [CONTEXT]: `${PARAMETERS}/app/prod/*` }, StringEquals: VIA_SSM })],
    ['a path without kms:ViaService', decrypt({ StringLike: { [CONTEXT]: `${PARAMETERS}/app/prod/*` } })],
    ['a path, ForAnyValue', decrypt({ 'ForAnyValue:StringLike': { [CONTEXT]: `${PARAMETERS}/app/prod/*` } })],
    ['a path from pseudo parameters', decrypt({ StringLike: { [CONTEXT]: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/app/*']] } } })],
    ['a wide StringLike ANDed with an exact StringEquals', decrypt({ StringLike: { [CONTEXT]: '*' }, StringEquals: { [CONTEXT]: `${PARAMETERS}/app/prod/db/password` } })],
    ['a key condition in another case', decrypt({ StringLike: { 'KMS:EncryptionContext:PARAMETER_ARN': `${PARAMETERS}/app/prod/*` } })],
  ])('kms:Decrypt limited to %s passes', (_name, statement) => {
    expect(identityFindings(statement)).toEqual([]);
  });

  test.each([
    ['kms:Encrypt only', { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }],
    ['a key of another service, by its ARN', { ...decrypt(), Resource: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    ['a Deny', { ...decrypt(), Effect: 'Deny' }],
  ])('not judged: %s', (_name, statement) => {
    expect(identityFindings(statement)).toEqual([]);
  });

  test("aws-cdk-lib's grantDecrypt is flagged; the parameter's own grantRead is not", () => {
    const { stack, key, keyId } = stackWithParameterKey();
    key.grantDecrypt(lambdaRole(stack, 'Naive'));
    (stack.node.findChild('P') as SecureStringParameter).grantRead(lambdaRole(stack, 'Reader'));

    expect(findings(stack)).toEqual([`ParameterStore-ParameterKeyDecryptConditioned[Resource::<${keyId}.Arn>] (error) @ Stack/Naive/DefaultPolicy/Resource`]);
  });

  test('a decrypt on a key no SecureString uses, or in a stack without SecureStrings, is not this rule\'s business', () => {
    const { stack } = stackWithParameterKey();
    new kms.Key(stack, 'Other', { enableKeyRotation: true }).grantDecrypt(lambdaRole(stack, 'Reader'));
    const empty = newStack();
    policyWith(empty, 'Broad', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' });

    expect(findings(stack)).toEqual([]);
    expect(findings(empty)).toEqual([]);
  });

  test('a SecureString on a key given by ARN makes that ARN a parameter key', () => {
    const stack = newStack();
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: kms.Key.fromKeyArn(stack, 'K', keyArn) });
    policyWith(stack, 'Policy', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn });

    expect(findings(stack)).toEqual([`ParameterStore-ParameterKeyDecryptConditioned[Resource::${keyArn}] (error) @ Stack/Policy`]);
  });
});

describe("the handler's keys-through-Parameter-Store statement (S4)", () => {
  /** kms actions on every key of the account, via Parameter Store, for every parameter of the account: flagged, and acknowledged by its exact id. */
  function handlerLikePolicy(stack: Stack): iam.ManagedPolicy {
    return new iam.ManagedPolicy(stack, 'Handler', {
      statements: [
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [Stack.of(stack).formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
          conditions: {
            StringEquals: { 'kms:ViaService': parameterStoreViaService(stack) },
            StringLike: { [CONTEXT]: parameterArnFor(stack, '*') },
          },
        }),
      ],
    });
  }

  test.each([
    ['an environment', () => stackWithParameterKey().stack, 'arn:<AWS::Partition>:ssm:eu-west-1:111111111111:parameter/*'],
    ['no environment', () => {
      const agnostic = new Stack(undefined, 'Agnostic');
      new SecureStringParameter(agnostic, 'P', { parameterName: '/x', value: SecureValue.generated() });
      return agnostic;
    }, 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/*'],
  ])('in a stack with %s: one finding, which decryptContextFinding names exactly', (_name, make, context) => {
    const stack = make();
    const policy = handlerLikePolicy(stack);
    const id = decryptContextFinding(stack, parameterArnFor(stack, '*'));

    expect(id).toBe(`ParameterStore-ParameterKeyDecryptConditioned[Context::${context}]`);
    expect(findings(stack)).toEqual([`${id} (error) @ ${stack.node.path}/Handler/Resource`]);
    acknowledgeFinding(policy.node.defaultChild as iam.CfnManagedPolicy, id, 'the SSM statements choose the parameters');
    expect(findings(stack)).toEqual([]);
  });
});

describe("ParameterKeyDecryptConditioned in a parameter key's own policy", () => {
  function keyPolicyFindings(statement: Omit<iam.PolicyStatementProps, 'principals' | 'resources'>): string[] {
    const { stack, key } = stackWithParameterKey();
    key.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], resources: ['*'], ...statement }));
    return findings(stack);
  }

  test("ParameterKey's policy passes: crypto only via Parameter Store", () => {
    expect(keyPolicyFindings({ actions: ['kms:Encrypt'] })).toEqual([]);
  });

  test.each([
    ['kms:ViaService = Parameter Store', { StringEquals: VIA_SSM }],
    ['every parameter of the account (the identity policies pick which)', { StringLike: { [CONTEXT]: `${PARAMETERS}/*` } }],
  ])('a statement limited by %s passes', (_name, conditions) => {
    expect(keyPolicyFindings({ actions: ['kms:Decrypt'], conditions })).toEqual([]);
  });

  test.each([
    ['no condition', undefined, 'Resource::*'],
    ['kms:ViaService of another service', { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } }, 'Resource::*'],
    ['a context of *', { StringLike: { [CONTEXT]: '*' } }, 'Context::*'],
  ])('flags a statement with %s', (_name, conditions, finding) => {
    expect(keyPolicyFindings({ actions: ['kms:Decrypt'], conditions })).toEqual([`ParameterStore-ParameterKeyDecryptConditioned[${finding}] (error) @ Stack/Key/Resource`]);
  });

  test("kms.Key's default policy (kms:* for the account's IAM policies, unconditioned) is flagged on a parameter key", () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated(), encryptionKey: key });

    expect(findings(stack)).toEqual(['ParameterStore-ParameterKeyDecryptConditioned[Resource::*] (error) @ Stack/Key/Resource']);
  });
});
