import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HierarchyDeployment, ParameterHierarchy, SecureStringParameter, SecureValue, ShareTarget } from '../lib';
import { BATCH_RESOURCE_TYPE } from '../lib/private/batch-protocol';
import { MAX_BATCH_MEMBERS } from '../lib/private/hierarchy-batch';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function batchedHierarchy(stack: Stack, writesPerSecond?: number): ParameterHierarchy {
  return new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', deployment: HierarchyDeployment.batched({ writesPerSecond }) });
}

function chunkLogicalId(stack: Stack): string {
  return Object.keys(Template.fromStack(stack).findResources(BATCH_RESOURCE_TYPE))[0];
}

describe('HierarchyDeployment', () => {
  test('per parameter by default: one custom resource per SecureString, as before', () => {
    const stack = newStack();
    const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    const password = hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });

    expect(hierarchy.deployment.isBatched).toBe(false);
    expect(password).toBeInstanceOf(SecureStringParameter);
    Template.fromStack(stack).resourceCountIs('Custom::SecureStringParameter', 1);
    Template.fromStack(stack).resourceCountIs(BATCH_RESOURCE_TYPE, 0);
  });

  test('batched: the default rate leaves a third of the default quota to the account', () => {
    expect(HierarchyDeployment.batched().writesPerSecond).toBe(2);
    expect(HierarchyDeployment.batched({ writesPerSecond: 9.5 }).writesPerSecond).toBe(9.5);
    expect(HierarchyDeployment.perParameter().writesPerSecond).toBeUndefined();
  });

  test.each([0, -1, 10.5, Number.NaN, Number.POSITIVE_INFINITY])('writesPerSecond %p is refused, naming the hierarchy and the quota', (rate) => {
    expect(() => batchedHierarchy(newStack(), rate)).toThrow(
      `Stack/Prod: /app/prod: writesPerSecond ${rate} is invalid; it must be a number above 0 and at most 10 ` +
        "(PutParameter's quota is 3 per second per account and region by default, 10 with higher throughput)",
    );
  });

  test('children share the parent\'s deployment; another one on a child is refused', () => {
    const stack = newStack();
    const hierarchy = batchedHierarchy(stack);
    expect(hierarchy.child('db').deployment).toBe(hierarchy.deployment);
    expect(() => new ParameterHierarchy(hierarchy, 'Api', { path: '/app/prod/api', deployment: HierarchyDeployment.perParameter() })).toThrow(
      "Stack/Prod/Api: a child hierarchy shares its parent's deployment; remove 'deployment' from /app/prod/api or set it on /app/prod",
    );
  });

  test('a member has no per-member attribute: asking for one names the per-parameter deployment', () => {
    const stack = newStack();
    const member = batchedHierarchy(stack).addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });

    expect(member).not.toBeInstanceOf(SecureStringParameter);
    const message =
      'Stack/Prod/Password: /app/prod/db/password is a member of a batched hierarchy and has no secureValue: a chunk\'s response cannot carry an attribute per member. ' +
      'Give its hierarchy deployment: HierarchyDeployment.perParameter(), or create it with new SecureStringParameter(...).';
    expect(() => (member as SecureStringParameter).secureValue).toThrow(message);
    expect(() => (member as SecureStringParameter).parameterVersion).toThrow(message.replace('no secureValue', 'no parameterVersion'));
  });

  test('a member with a key of its own is refused: a batch has one key', () => {
    const stack = newStack();
    const hierarchy = batchedHierarchy(stack);
    const child = new ParameterHierarchy(hierarchy, 'Other', { path: '/app/prod/other', encryptionKey: new kms.Key(stack, 'OtherKey') });
    expect(() => child.addSecureString('X', { name: 'x', value: SecureValue.generated() })).toThrow(
      'Stack/Prod/Other/X: /app/prod/other/x: a batched hierarchy encrypts every member with its one key; give the key to the hierarchy at /app/prod',
    );
  });

  test('a member is validated like any SecureString, naming its construct', () => {
    const hierarchy = batchedHierarchy(newStack());
    expect(() => hierarchy.addSecureString('Long', { name: 'x', value: SecureValue.generated({ length: 5000 }) })).toThrow(
      'Stack/Prod/Long: /app/prod/x: value (generated, tier Standard) is invalid: generated length 5000 is invalid; it must be a whole number from 1 to 4096 for this tier',
    );
  });

  test(`at most ${MAX_BATCH_MEMBERS} members in one batch`, () => {
    const hierarchy = batchedHierarchy(newStack(), 10);
    for (let i = 0; i < MAX_BATCH_MEMBERS; i++) {
      hierarchy.addSecureString(`P${i}`, { name: `p${i}`, value: SecureValue.generated() });
    }
    expect(() => hierarchy.addSecureString('OneMore', { name: 'one-more', value: SecureValue.generated() })).toThrow(
      `Stack/Prod: /app/prod/one-more: a batched hierarchy holds at most ${MAX_BATCH_MEMBERS} SecureStrings (each chunk carries the set of all member names). ` +
        'Split /app/prod into several hierarchies',
    );
  });

  test('consumers of a member wait for its chunk: environment, grants and ECS-style ARNs reference it', () => {
    const stack = newStack();
    const hierarchy = batchedHierarchy(stack);
    const member = hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    const fn = new lambda.Function(stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      environment: { PASSWORD_PARAMETER: member.parameterName },
    });
    member.grantRead(fn);

    const chunk = chunkLogicalId(stack);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { PASSWORD_PARAMETER: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [chunk, 'Path'] }, '/db/password']] } } },
    });
    const statements = (Object.values(template.findResources('AWS::IAM::Policy'))[0] as any).Properties.PolicyDocument.Statement;
    expect(statements[0]).toMatchObject({
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [chunk, 'Arn'] }, '/db/password']] },
    });
    expect(statements[1].Condition.StringEquals['kms:EncryptionContext:PARAMETER_ARN']).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [chunk, 'Arn'] }, '/db/password']] });
  });

  test('path grants, events and lookups work the same for members', () => {
    const stack = newStack();
    const hierarchy = batchedHierarchy(stack);
    const member = hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    expect(hierarchy.parameter('db/password')).toBe(member);
    hierarchy.grantRead(role, 'db/password');
    member.onChange('Changed');
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { name: ['/app/prod/db/password'] } },
    });
  });

  test('a batched hierarchy shares its members through AWS RAM by their chunk-referenced ARNs', () => {
    const stack = newStack();
    const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', tier: ssm.ParameterTier.ADVANCED, deployment: HierarchyDeployment.batched() });
    hierarchy.addSecureString('Token', { name: 'token', value: SecureValue.generated() });

    hierarchy.shareWith('Share', [ShareTarget.account('222222222222')]);

    const chunk = chunkLogicalId(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::RAM::ResourceShare', {
      ResourceArns: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [chunk, 'Arn'] }, '/token']] }],
    });
  });
});
