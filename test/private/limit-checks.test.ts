import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  HierarchyDeployment,
  ParameterHierarchy,
  ParameterKey,
  ParameterReplica,
  ParameterRotation,
  ReplicaSource,
  SecureStringParameter,
  SecureValue,
  ShareTarget,
} from '../../lib';
import { AWS_LIMITS } from '../../lib/private/aws-limits';
import { renderLongest } from '../../lib/private/rendered-size';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function newStack(app = new App()): Stack {
  return new Stack(app, 'Stack', { env: ENV });
}

/** Each customer-managed policy of the template by its logical id, with its size as IAM counts it (references at their longest). */
export function managedPolicySizes(stack: Stack): Record<string, number> {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  return Object.fromEntries(Object.entries(policies).map(([id, r]) => [id, JSON.stringify(renderLongest(r.Properties.PolicyDocument)).length]));
}

/** `/platform-team-3/service-3/production/database-master-password`: names as teams write them, one top-level path each. */
function teamName(i: number, leaf = 'database-master-password'): string {
  return `/platform-team-${i}/service-${i}/production/${leaf}`;
}

describe('the rotator\'s policy stays within IAM\'s 6,144 characters, by construction', () => {
  test.each([1, 8, 20, 200])('%d rotating parameters under as many top-level paths, each with its own key', (count) => {
    const stack = newStack();
    for (let i = 0; i < count; i++) {
      const encryptionKey = new ParameterKey(stack, `Key${i}`);
      new SecureStringParameter(stack, `P${i}`, { parameterName: teamName(i), value: SecureValue.generated(), encryptionKey, rotation: ParameterRotation.every(Duration.days(30)) });
    }

    const rotator = Object.entries(managedPolicySizes(stack)).find(([id]) => id.startsWith('SecureStringRotator'))!;
    expect(rotator[1]).toBeLessThanOrEqual(AWS_LIMITS.managedPolicyCharacters);
  });

  test('past its share, every name: each statement stays scoped by the stack\'s owner tag, and the keys by Parameter Store and context', () => {
    const stack = newStack();
    for (let i = 0; i < 20; i++) {
      const encryptionKey = new ParameterKey(stack, `Key${i}`);
      new SecureStringParameter(stack, `P${i}`, { parameterName: teamName(i), value: SecureValue.generated(), encryptionKey, rotation: ParameterRotation.every(Duration.days(30)) });
    }

    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')).find((r) => /rotator/.test(r.Properties.Description));
    const statements = (policy as any).Properties.PolicyDocument.Statement as any[];
    const rotate = statements.find((s) => s.Sid === 'RotateParametersOfThisStack');
    expect(rotate.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/*']] });
    const ofThisStack = { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] };
    expect(rotate.Condition).toEqual({
      StringLikeIfExists: { 'aws:ResourceTag/cdk-secure-parameters:owner': ofThisStack, 'aws:ResourceTag/cdk-secure-parameters:rotation': ofThisStack },
    });
    // deleting what a rotation created again is never granted on every name of the account
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('ssm:DeleteParameter');
    const encrypt = statements.find((s) => s.Sid === 'EncryptRotatedValues');
    expect(encrypt.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:111111111111:key/*']] });
    expect(Object.keys(encrypt.Condition).sort()).toEqual(['StringEquals', 'StringLike']);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('kms:Decrypt');
  });
});

describe('refused at synth, naming the construct, the size, the limit and the way out', () => {
  test('a template over CloudFormation\'s 1,000,000 bytes (6,000 batched members with 80-character descriptions)', () => {
    const stack = newStack();
    const payments = new ParameterHierarchy(stack, 'Payments', { path: '/payments-platform/production', deployment: HierarchyDeployment.batched() });
    for (let i = 0; i < 6_000; i++) {
      payments.addSecureString(`M${i}`, {
        name: `merchant-${String(i).padStart(5, '0')}/settlement-api-signing-key`,
        value: SecureValue.generated(),
        description: `Settlement API signing key of merchant ${String(i).padStart(5, '0')}, rotated by the payments team`.padEnd(80, '.'),
      });
    }

    expect(() => Template.fromStack(stack)).toThrow(
      /\[Stack\] the template of stack Stack would be [\d,]+ bytes, over AWS's limit of 1,000,000\. Move part of the parameters/,
    );
  });

  test('a key policy over KMS\'s 32 KB (a parameter shared with 150 accounts)', () => {
    const stack = newStack();
    const key = new ParameterKey(stack, 'Key');
    const shared = new SecureStringParameter(stack, 'Shared', {
      parameterName: '/shared/platform/production/database-password',
      value: SecureValue.generated(),
      encryptionKey: key,
      tier: 'Advanced' as any,
    });
    shared.shareWith('Share', Array.from({ length: 150 }, (_, i) => ShareTarget.account(String(200000000000 + i))));

    expect(() => Template.fromStack(stack)).toThrow(/\[Stack\/Key\] the key policy would be [\d,]+ bytes, over AWS's limit of 32,768\. Share with an organization or OU instead/);
  });

  test('a role\'s inline policies over IAM\'s 10,240 characters (grants on 40 single parameters)', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    for (let i = 0; i < 40; i++) {
      new SecureStringParameter(stack, `P${i}`, { parameterName: teamName(i, 'api-key'), value: SecureValue.generated() }).grantRead(role);
    }

    expect(() => Template.fromStack(stack)).toThrow(
      /\[Stack\/Reader\] the inline policies of this role together would be [\d,]+ characters, over AWS's limit of 10,240\. Grant on a path/,
    );
  });

  test('a managed readPolicy over IAM\'s 6,144 characters (a replica of 50 single parameters)', () => {
    const app = new App();
    const source = new Stack(app, 'Source', { env: ENV, crossRegionReferences: true });
    const target = new Stack(app, 'Target', { env: { ...ENV, region: 'us-east-1' }, crossRegionReferences: true });
    const key = new ParameterKey(source, 'Key', { multiRegion: true });
    const parameters = Array.from({ length: 50 }, (_, i) =>
      new SecureStringParameter(source, `P${i}`, { parameterName: teamName(i, 'api-key'), value: SecureValue.generated(), encryptionKey: key }));
    new ParameterReplica(target, 'Replica', { source: ReplicaSource.parameters(parameters) }).readPolicy('Readers');

    expect(() => Template.fromStack(target)).toThrow(
      /\[Target\/Replica\/Readers\] this managed policy would be [\d,]+ characters, over AWS's limit of 6,144\. Grant on a path/,
    );
  });

  test('the secrets SecureValue.fromSecret copies past what 8 managed policies hold (hundreds, listed one by one)', () => {
    const stack = newStack();
    const copy = (i: number) => {
      const secret = secretsmanager.Secret.fromSecretNameV2(stack, `Secret${i}`, `platform-team-${i}/service/production/api-key`);
      new SecureStringParameter(stack, `P${i}`, { parameterName: teamName(i, 'api-key'), value: SecureValue.fromSecret(secret) });
    };
    let copied = 0;
    let refusal = '';
    try {
      for (; copied < 480; copied++) copy(copied);
    } catch (error) {
      refusal = (error as Error).message;
    }

    expect(refusal).toBe(
      `Stack/SecureStringParameterHandler/CopiedSecrets: ${teamName(copied, 'api-key')}: SecureValue.fromSecret does not fit: this stack's handler ` +
        `already copies ${copied} secrets, whose grants fill 8 managed policies of 6,144 characters (IAM attaches at most 10 to a role). ` +
        'Move part of the SecureStrings copied from Secrets Manager to another stack (each stack has its own handler).',
    );
    // each of the 8 holds about 55 secrets with names of 45 characters
    expect(copied).toBe(442);
  });
});
