import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { lambdaRole, newStack } from './pack-findings';
import { ISecureStringParameter, ParameterHierarchy, SecureStringParameter, SecureValue } from '../../lib';
import { NAG_PACKS, nagViolations } from '../helpers/nag';

/** The packs whose IAMNoInlinePolicy flags every grant to a role's inline default policy. */
const COMPLIANCE_PACKS = NAG_PACKS.filter(({ name }) => ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].includes(name));

/**
 * Readers and writers of a hierarchy (whole path, sub-path, one parameter), of a SecureString and of an
 * imported one: with managed policies from readPolicy / writePolicy attached, or with the grants.
 */
function consumers(form: 'managed policies' | 'grants'): Stack {
  const stack = newStack();
  const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
  prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
  prod.child('api').addSecureString('Key', { name: 'key', value: SecureValue.placeholder(), tier: ssm.ParameterTier.ADVANCED });
  const token = new SecureStringParameter(stack, 'Token', { parameterName: '/app/token', value: SecureValue.generated() });
  const legacy: ISecureStringParameter = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'Legacy', {
    parameterName: '/legacy/token',
    encryptionKey: kms.Key.fromKeyArn(stack, 'LegacyKey', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
  });
  const reader = lambdaRole(stack, 'Reader');
  const writer = lambdaRole(stack, 'Writer');

  if (form === 'managed policies') {
    for (const policy of [prod.readPolicy('Reads'), prod.readPolicy('ApiReads', 'api'), prod.readPolicy('PasswordReads', 'db/password'), token.readPolicy('Reads'), legacy.readPolicy('Reads')]) {
      reader.addManagedPolicy(policy);
    }
    for (const policy of [prod.writePolicy('Writes'), token.writePolicy('Writes'), legacy.writePolicy('Writes')]) {
      policy.attachToRole(writer);
    }
  } else {
    prod.grantRead(reader);
    prod.grantRead(reader, 'api');
    prod.grantRead(reader, 'db/password');
    token.grantRead(reader);
    legacy.grantRead(reader);
    prod.grantWrite(writer);
    token.grantWrite(writer);
    legacy.grantWrite(writer);
  }
  return stack;
}

describe('cdk-nag compliance packs on roles granted through managed policies', () => {
  test.each(COMPLIANCE_PACKS)('$name: no violation when the roles hold only readPolicy / writePolicy', ({ create }) => {
    expect(nagViolations(create(), consumers('managed policies'))).toEqual([]);
  });

  test.each(COMPLIANCE_PACKS)('$name: the same roles given grantRead / grantWrite are flagged for their inline policies', ({ name, create }) => {
    expect(nagViolations(create(), consumers('grants')).map((v) => v.split(':')[0])).toEqual([
      `${name}-IAMNoInlinePolicy @ Stack/Reader/DefaultPolicy/Resource`,
      `${name}-IAMNoInlinePolicy @ Stack/Writer/DefaultPolicy/Resource`,
    ]);
  });

  test('the roles hold no inline policy: every statement is in a managed policy attached to them', () => {
    const stack = consumers('managed policies');
    const reader = stack.node.findChild('Reader') as iam.Role;

    expect(reader.node.tryFindChild('DefaultPolicy')).toBeUndefined();
    expect(stack.resolve((reader.node.defaultChild as iam.CfnRole).managedPolicyArns)).toHaveLength(5);
    expect((reader.node.defaultChild as iam.CfnRole).policies).toBeUndefined();
  });
});
