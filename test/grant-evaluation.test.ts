import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ParameterHierarchy, SecureValue } from '../lib';
import { AuthorizationRequest, Statement, isAllowed } from './helpers/policy-evaluator';
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
  const identity = (role: iam.Role): Statement[] =>
    resources
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(role.node.defaultChild as iam.CfnRole)))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
  return {
    keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
    keyPolicy: { statements: key.Properties.KeyPolicy.Statement as Statement[], account: ACCOUNT },
    pathReader: { arn: `arn:aws:iam::${ACCOUNT}:role/path-reader`, statements: identity(pathReader) },
    oneReader: { arn: `arn:aws:iam::${ACCOUNT}:role/one-reader`, statements: identity(oneReader) },
    writer: { arn: `arn:aws:iam::${ACCOUNT}:role/writer`, statements: identity(writer) },
  };
}

const world = deployed();
type Who = 'pathReader' | 'oneReader' | 'writer';

function decryptViaSsm(who: Who, context: Record<string, string>, keyArn = world.keyArn): boolean {
  const request: AuthorizationRequest = { principalArn: world[who].arn, action: 'kms:Decrypt', resource: keyArn, context: { 'kms:CallerAccount': ACCOUNT, ...context } };
  return isAllowed(request, world[who].statements, world.keyPolicy);
}

function ssmCall(who: Who, action: string, resource: string): boolean {
  return isAllowed({ principalArn: world[who].arn, action, resource, context: {} }, world[who].statements);
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
  ] as Array<[string, boolean, Who, Record<string, string>]>)('%s → allowed: %s', (_name, allowed, who, context) => {
    expect(decryptViaSsm(who, context)).toBe(allowed);
  });

  test('another key is denied even with the right context', () => {
    expect(decryptViaSsm('pathReader', contextFor('/app/prod/db/password'), `arn:aws:kms:${REGION}:${ACCOUNT}:key/other`)).toBe(false);
  });

  test('the writer may encrypt (Standard tier) under the path only', () => {
    const encrypt = (path: string) =>
      isAllowed(
        { principalArn: world.writer.arn, action: 'kms:Encrypt', resource: world.keyArn, context: { 'kms:CallerAccount': ACCOUNT, ...contextFor(path) } },
        world.writer.statements,
        world.keyPolicy,
      );

    expect(encrypt('/app/prod/new')).toBe(true);
    expect(encrypt('/app/production/new')).toBe(false);
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
  ] as Array<[Who, string, string, boolean]>)('%s %s %s → %s', (who, action, resource, allowed) => {
    expect(ssmCall(who, action, resource)).toBe(allowed);
  });
});

describe('the evaluator itself can tell a grant from no grant', () => {
  test('removing the reader\'s KMS statement denies the right parameter', () => {
    const withoutKms = world.pathReader.statements.filter((s) => !JSON.stringify(s.Action).includes('kms:'));
    const request: AuthorizationRequest = {
      principalArn: world.pathReader.arn,
      action: 'kms:Decrypt',
      resource: world.keyArn,
      context: { 'kms:CallerAccount': ACCOUNT, ...contextFor('/app/prod/db/password') },
    };

    expect(isAllowed(request, world.pathReader.statements, world.keyPolicy)).toBe(true);
    expect(isAllowed(request, withoutKms, world.keyPolicy)).toBe(false);
  });

  test('an unconditioned kms:Decrypt (aws-cdk-lib\'s grantRead) lets the look-alike through: the context is really evaluated', () => {
    const naive: Statement[] = [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: world.keyArn }];
    const lookAlike: AuthorizationRequest = {
      principalArn: world.pathReader.arn,
      action: 'kms:Decrypt',
      resource: world.keyArn,
      context: { 'kms:CallerAccount': ACCOUNT, ...contextFor('/app/production/db/password') },
    };

    expect(isAllowed(lookAlike, naive, world.keyPolicy)).toBe(true);
    expect(isAllowed(lookAlike, world.pathReader.statements, world.keyPolicy)).toBe(false);
  });

  test('the key policy alone decides nothing: without an identity statement, even the account is denied', () => {
    expect(isAllowed({ principalArn: world.pathReader.arn, action: 'kms:Decrypt', resource: world.keyArn, context: contextFor('/app/prod/db/password') }, [], world.keyPolicy)).toBe(false);
  });

  test.each([
    ['an unknown operator', { Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericLessThan: { x: '1' } } }, 'the evaluator does not implement the NumericLessThan operator'],
    ['NotAction', { Effect: 'Allow', NotAction: 'x', Action: '*', Resource: '*' }, 'the evaluator does not implement NotAction'],
  ])('refuses %s instead of guessing', (_name, statement, message) => {
    expect(() => isAllowed({ principalArn: 'arn:aws:iam::1:role/r', action: 'a:b', resource: 'r', context: { x: '0' } }, [statement as Statement])).toThrow(message);
  });
});
