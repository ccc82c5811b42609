import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterPolicy, SecureStringParameter, SecureValue, ShareTarget } from '../lib';
import { AccessRequest, PolicyDocument, authorize } from './helpers/iam-simulator';
import { resolveIntrinsics } from './helpers/resolve-intrinsics';

/**
 * Who decrypts a parameter shared with an organization or an OU, evaluated the way IAM and KMS do: the
 * owner's synthesized key policy, and each principal's synthesized identity policies. The share
 * statement's `Principal: *` also matches the key's own account, where a key-policy allow needs no IAM
 * allow; so an owner-account principal must not get through it.
 */
const OWNER = '111111111111';
const MEMBER = '222222222222';
const OUTSIDER = '333333333333';
const REGION = 'eu-west-1';
const ORG_ID = 'o-abcde12345';
const OU_ID = 'ou-ab12-cdefgh34';
const PARAMETER_ARN = `arn:aws:ssm:${REGION}:${OWNER}:parameter/shared/db/password`;
const THROUGH_SSM = { 'kms:ViaService': `ssm.${REGION}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARN };

/** What AWS puts in the request context for a principal, by where it sits in the organization. */
type Membership = Record<string, string | string[]>;
const IN_OU: Membership = { 'aws:PrincipalOrgID': ORG_ID, 'aws:PrincipalOrgPaths': [`${ORG_ID}/r-ab12/${OU_ID}/`] };
const IN_ORG_OUTSIDE_OU: Membership = { 'aws:PrincipalOrgID': ORG_ID, 'aws:PrincipalOrgPaths': [`${ORG_ID}/r-ab12/ou-ab12-zzzzzzzz/`] };
const OUTSIDE_ORG: Membership = { 'aws:PrincipalOrgID': 'o-zzzzz99999', 'aws:PrincipalOrgPaths': ['o-zzzzz99999/r-zz99/'] };

interface Principal {
  readonly arn: string;
  readonly identity: PolicyDocument[];
}

/** The deployed template of `stack`, for `account`: each role's identity policies, and the key's policy. */
function deployedPolicies(stack: Stack, account: string) {
  const raw = Template.fromStack(stack).toJSON().Resources;
  const resources = resolveIntrinsics(raw, {
    partition: 'aws',
    region: REGION,
    accountId: account,
    stackName: stack.stackName,
    resource: (logicalId, attribute) => {
      const type = raw[logicalId].Type;
      if (type === 'Custom::SecureStringParameter') return attribute === 'Arn' ? PARAMETER_ARN : '/shared/db/password';
      return type === 'AWS::KMS::Key' && attribute === 'Arn' ? keyArn(logicalId) : `arn:aws:iam::${account}:role/${logicalId}`;
    },
  }) as Record<string, any>;
  const identityOf = (role: iam.Role): PolicyDocument[] => {
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    return Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .map((r) => r.Properties.PolicyDocument);
  };
  const [keyId, key] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::KMS::Key') ?? [];
  return { identityOf, keyId, keyPolicy: key?.Properties.KeyPolicy as PolicyDocument };
}

const keyArn = (logicalId: string) => `arn:aws:kms:${REGION}:${OWNER}:key/${logicalId}`;
const role = (stack: Stack, id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

/** The owner's stack: the shared parameter, and an owner-account reader granted the usual way. */
function owner(target: ShareTarget) {
  const stack = new Stack(new App(), 'Owner', { env: { account: OWNER, region: REGION } });
  const parameter = new SecureStringParameter(stack, 'P', {
    parameterName: '/shared/db/password',
    value: SecureValue.generated(),
    tier: ssm.ParameterTier.ADVANCED,
    policies: [ParameterPolicy.expireAfter(Duration.days(365))],
  });
  parameter.shareWith('Share', [target]);
  const reader = role(stack, 'Reader');
  parameter.grantRead(reader);
  const { identityOf, keyId, keyPolicy } = deployedPolicies(stack, OWNER);
  return { keyArn: keyArn(keyId!), keyPolicy, reader: { arn: `arn:aws:iam::${OWNER}:role/reader`, identity: identityOf(reader) } };
}

/** A consumer account's reader of the shared parameter, granted as the README tells consumers to. */
function consumer(account: string, sharedKeyArn: string): Principal {
  const stack = new Stack(new App(), 'Consumer', { env: { account, region: REGION } });
  const shared = SecureStringParameter.fromSecureStringParameterAttributes(stack, 'Shared', {
    parameterArn: PARAMETER_ARN,
    encryptionKey: kms.Key.fromKeyArn(stack, 'SharedKey', sharedKeyArn),
    tier: ssm.ParameterTier.ADVANCED,
  });
  const reader = role(stack, 'Reader');
  shared.grantRead(reader);
  return { arn: `arn:aws:iam::${account}:role/reader`, identity: deployedPolicies(stack, account).identityOf(reader) };
}

/** Parameter Store's kms:Decrypt for `who`, with the context AWS fills in from the caller. */
function decryptRequest(world: ReturnType<typeof owner>, who: Principal, membership: Membership): AccessRequest {
  const account = who.arn.split(':')[4];
  return {
    principalArn: who.arn,
    action: 'kms:Decrypt',
    resource: world.keyArn,
    context: { ...THROUGH_SSM, ...membership, 'aws:PrincipalArn': who.arn, 'aws:PrincipalAccount': account, 'kms:CallerAccount': account },
  };
}

/** `who` with its Parameter Store read actions only: its kms:Decrypt statement taken out. */
function withoutKms(who: Principal): Principal {
  const identity = who.identity.map((p) => ({ ...p, Statement: (p.Statement as Array<{ Action: unknown }>).filter((s) => !JSON.stringify(s.Action).includes('kms:')) }));
  expect(JSON.stringify(identity)).toContain('ssm:GetParameter');
  expect(JSON.stringify(identity)).not.toContain('kms:');
  return { ...who, identity };
}

describe.each([
  ['an organization', ShareTarget.organization(`arn:aws:organizations::999999999999:organization/${ORG_ID}`), IN_OU, OUTSIDE_ORG],
  ['an organizational unit', ShareTarget.organizationalUnit(`arn:aws:organizations::999999999999:ou/${ORG_ID}/${OU_ID}`), IN_OU, IN_ORG_OUTSIDE_OU],
])('kms:Decrypt of a parameter shared with %s', (_name, target, inTarget, notInTarget) => {
  const world = owner(target);
  const member = consumer(MEMBER, world.keyArn);
  const decrypt = (who: Principal, membership: Membership) =>
    authorize(decryptRequest(world, who, membership), { identity: who.identity, resource: world.keyPolicy });

  test('an owner-account principal with only Parameter Store read actions is denied: the share statement does not let it decrypt', async () => {
    expect(await decrypt(withoutKms(world.reader), inTarget)).toEqual({ allowed: false, reason: 'because no identity-based policy allows the kms:Decrypt action' });
  });

  test('an owner-account principal granted kms:Decrypt in its own account is still allowed', async () => {
    expect(await decrypt(world.reader, inTarget)).toEqual({ allowed: true });
  });

  test('a member-account principal with its own kms:Decrypt is allowed', async () => {
    expect(await decrypt(member, inTarget)).toEqual({ allowed: true });
  });

  test('a member-account principal without its own kms:Decrypt is denied: across accounts both policies must allow', async () => {
    expect(await decrypt(withoutKms(member), inTarget)).toEqual({ allowed: false, reason: 'because no identity-based policy allows the kms:Decrypt action' });
  });

  test('a principal outside the target, with its own kms:Decrypt, is denied by the key policy', async () => {
    const outsider = consumer(OUTSIDER, world.keyArn);

    expect(await decrypt(outsider, notInTarget)).toEqual({ allowed: false, reason: 'because no resource-based policy allows the kms:Decrypt action' });
  });

  test('the member is denied another parameter\'s encryption context', async () => {
    const request = decryptRequest(world, member, inTarget);
    const other = { ...request, context: { ...request.context, 'kms:EncryptionContext:PARAMETER_ARN': `${PARAMETER_ARN}-other` } };

    expect((await authorize(other, { identity: member.identity, resource: world.keyPolicy })).allowed).toBe(false);
  });
});
