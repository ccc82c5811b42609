import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ParameterHierarchy, SecureValue } from '../lib';
import { AccessRequest, PolicyDocument, authorize } from './helpers/iam-simulator';
import { resolveIntrinsics } from './helpers/resolve-intrinsics';

/**
 * What the emitted policies allow and deny, evaluated the way IAM and KMS do (identity policy plus key
 * policy, explicit conditions), for a deployed account and region.
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const VIA_SSM = `ssm.${REGION}.amazonaws.com`;
const parameterArn = (path: string, region = REGION) => `arn:aws:ssm:${region}:${ACCOUNT}:parameter${path}`;

function deployed() {
  const stack = new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
  hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
  const lambda = { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') };
  const pathReader = new iam.Role(stack, 'PathReader', lambda);
  const oneReader = new iam.Role(stack, 'OneReader', lambda);
  const writer = new iam.Role(stack, 'Writer', lambda);
  hierarchy.grantRead(pathReader);
  hierarchy.grantRead(oneReader, 'db/password');
  hierarchy.grantWrite(writer);

  const rawResources = Template.fromStack(stack).toJSON().Resources;
  const resolvedResources = resolveIntrinsics(rawResources, {
    partition: 'aws',
    region: REGION,
    accountId: ACCOUNT,
    stackName: stack.stackName,
    resource: (logicalId, attribute) => {
      const { Type: type, Properties: properties } = rawResources[logicalId];
      if (type === 'Custom::SecureStringParameter') {
        // what the handler answers: the name as physical id, the ARN (without the leading slash) as attribute
        return attribute === 'Arn' ? `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${properties.Name.replace(/^\//, '')}` : properties.Name;
      }
      return type === 'AWS::KMS::Key' && attribute === 'Arn' ? `arn:aws:kms:${REGION}:${ACCOUNT}:key/${logicalId}` : `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
    },
  });
  const resources = Object.entries(resolvedResources) as Array<[string, any]>;
  const [keyId, key] = resources.find(([, r]) => r.Type === 'AWS::KMS::Key')!;
  const identity = (role: iam.Role): PolicyDocument[] =>
    resources
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(role.node.defaultChild as iam.CfnRole)))
      .map(([, r]) => r.Properties.PolicyDocument);
  return {
    keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
    keyPolicy: key.Properties.KeyPolicy as PolicyDocument,
    pathReader: { arn: `arn:aws:iam::${ACCOUNT}:role/path-reader`, policies: identity(pathReader) },
    oneReader: { arn: `arn:aws:iam::${ACCOUNT}:role/one-reader`, policies: identity(oneReader) },
    writer: { arn: `arn:aws:iam::${ACCOUNT}:role/writer`, policies: identity(writer) },
  };
}

const world = deployed();
type Who = 'pathReader' | 'oneReader' | 'writer';

async function allowed(request: AccessRequest, identity: PolicyDocument[], keyPolicy?: PolicyDocument): Promise<boolean> {
  return (await authorize(request, { identity, resource: keyPolicy })).allowed;
}

function kmsRequest(who: Who, action: string, context: Record<string, string>, keyArn = world.keyArn): AccessRequest {
  return { principalArn: world[who].arn, action, resource: keyArn, context: { 'kms:CallerAccount': ACCOUNT, 'aws:PrincipalArn': world[who].arn, ...context } };
}

async function decryptViaSsm(who: Who, context: Record<string, string>, keyArn = world.keyArn): Promise<boolean> {
  return allowed(kmsRequest(who, 'kms:Decrypt', context, keyArn), world[who].policies, world.keyPolicy);
}

async function ssmCall(who: Who, action: string, resource: string): Promise<boolean> {
  return allowed({ principalArn: world[who].arn, action, resource, context: {} }, world[who].policies);
}

const contextFor = (path: string, region = REGION) => ({ 'kms:ViaService': `ssm.${region}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': parameterArn(path, region) });

describe('kms:Decrypt through Parameter Store', () => {
  test.each([
    ['the path reader, a parameter under the path', true, 'pathReader', contextFor('/app/prod/db/password')],
    ['the path reader, a deeper parameter added later', true, 'pathReader', contextFor('/app/prod/x/y/z')],
    ['the path reader, a sibling path', false, 'pathReader', contextFor('/app/staging/db/password')],
    ['the path reader, a prefix look-alike', false, 'pathReader', contextFor('/app/production/db/password')],
    ['the path reader, the path itself', false, 'pathReader', contextFor('/app/prod')],
    ['the path reader, another region', false, 'pathReader', contextFor('/app/prod/db/password', 'us-east-1')],
    ['the path reader, no encryption context', false, 'pathReader', { 'kms:ViaService': VIA_SSM }],
    ['the path reader, not through Parameter Store', false, 'pathReader', { 'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/app/prod/db/password') }],
    ['the path reader, through another service', false, 'pathReader', { ...contextFor('/app/prod/db/password'), 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }],
    ['the one-parameter reader, its parameter', true, 'oneReader', contextFor('/app/prod/db/password')],
    ['the one-parameter reader, a sibling parameter', false, 'oneReader', contextFor('/app/prod/db/other')],
    ['the writer (no read grant)', false, 'writer', contextFor('/app/prod/db/password')],
  ] as Array<[string, boolean, Who, Record<string, string>]>)('%s → allowed: %s', async (_name, expected, who, context) => {
    expect(await decryptViaSsm(who, context)).toBe(expected);
  });

  test('another key is denied even with the right context', async () => {
    expect(await decryptViaSsm('pathReader', contextFor('/app/prod/db/password'), `arn:aws:kms:${REGION}:${ACCOUNT}:key/other`)).toBe(false);
  });

  test('the writer may encrypt (Standard tier) under the path only', async () => {
    const encrypt = (path: string) => allowed(kmsRequest('writer', 'kms:Encrypt', contextFor(path)), world.writer.policies, world.keyPolicy);

    expect(await encrypt('/app/prod/new')).toBe(true);
    expect(await encrypt('/app/production/new')).toBe(false);
  });
});

describe('Parameter Store actions', () => {
  test.each([
    ['pathReader', 'ssm:GetParameter', parameterArn('/app/prod/db/password'), true],
    ['pathReader', 'ssm:GetParameter', parameterArn('/app/production/db/password'), false],
    ['pathReader', 'ssm:GetParametersByPath', parameterArn('/app/prod'), true],
    ['pathReader', 'ssm:GetParametersByPath', parameterArn('/app/prod/db'), true],
    ['pathReader', 'ssm:GetParametersByPath', parameterArn('/app'), false],
    ['pathReader', 'ssm:PutParameter', parameterArn('/app/prod/db/password'), false],
    ['pathReader', 'ssm:DescribeParameters', '*', false],
    ['oneReader', 'ssm:GetParameter', parameterArn('/app/prod/db/password'), true],
    ['oneReader', 'ssm:GetParameter', parameterArn('/app/prod/db/other'), false],
    ['oneReader', 'ssm:GetParametersByPath', parameterArn('/app/prod'), false],
    ['writer', 'ssm:PutParameter', parameterArn('/app/prod/new'), true],
    ['writer', 'ssm:PutParameter', parameterArn('/app/production/new'), false],
    ['writer', 'ssm:DeleteParameter', parameterArn('/app/prod/db/password'), false],
  ] as Array<[Who, string, string, boolean]>)('%s %s %s → %s', async (who, action, resource, expected) => {
    expect(await ssmCall(who, action, resource)).toBe(expected);
  });
});

describe('the evaluator itself can tell a grant from no grant', () => {
  const rightParameter = () => kmsRequest('pathReader', 'kms:Decrypt', contextFor('/app/prod/db/password'));

  test('removing the reader\'s KMS statement denies the right parameter', async () => {
    const withoutKms = world.pathReader.policies.map((p) => ({ ...p, Statement: (p.Statement as any[]).filter((s) => !JSON.stringify(s.Action).includes('kms:')) }));

    expect(await allowed(rightParameter(), world.pathReader.policies, world.keyPolicy)).toBe(true);
    expect(await authorize(rightParameter(), { identity: withoutKms, resource: world.keyPolicy })).toEqual({
      allowed: false,
      reason: 'because no identity-based policy allows the kms:Decrypt action',
    });
  });

  test('an unconditioned kms:Decrypt (aws-cdk-lib\'s grantRead) lets the look-alike through: the context is really evaluated', async () => {
    const naive: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: world.keyArn }] };
    const lookAlike = kmsRequest('pathReader', 'kms:Decrypt', contextFor('/app/production/db/password'));

    expect(await allowed(lookAlike, [naive], world.keyPolicy)).toBe(true);
    expect(await allowed(lookAlike, world.pathReader.policies, world.keyPolicy)).toBe(false);
  });

  test('the key policy alone decides nothing: without an identity statement, even the account is denied', async () => {
    expect(await allowed(rightParameter(), [], world.keyPolicy)).toBe(false);
  });

  test('a key policy that does not trust the account denies what the identity policy allows, and says so', async () => {
    const adminOnly: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, Action: 'kms:*', Resource: '*' }],
    };

    expect(await authorize(rightParameter(), { identity: world.pathReader.policies, resource: adminOnly })).toEqual({
      allowed: false,
      reason: 'because no resource-based policy allows the kms:Decrypt action',
    });
  });

  test('an explicit Deny wins over the grant', async () => {
    const deny: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:CallerAccount': '222222222222' } } }] };

    expect(await authorize(rightParameter(), { identity: [...world.pathReader.policies, deny], resource: world.keyPolicy })).toEqual({
      allowed: false,
      reason: 'with an explicit deny in an identity-based policy',
    });
  });

  test.each([
    ['a misspelled condition operator', { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEqual: { 'kms:CallerAccount': ACCOUNT } } }, /IAM has no condition operator StringEqual/],
    ['a misspelled effect', { Effect: 'Alow', Action: 'kms:Decrypt', Resource: '*' }, /Statement\[0\].Effect.*Effect must be present and exactly/],
  ])('refuses %s instead of guessing', async (_name, statement, message) => {
    const policy: PolicyDocument = { Version: '2012-10-17', Statement: [statement] };

    const policies = { identity: [...world.pathReader.policies, policy], resource: world.keyPolicy };

    await expect(authorize(rightParameter(), policies)).rejects.toThrow(message);
  });
});
