import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { SecureStringParameter, SecureValue } from '../../lib';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A stack as one app defines it, deployed under `stackName`; its SecureString's value is committed ciphertext. */
function deployedAs(stackName: string, env: { account?: string; region?: string } = ENV): Stack {
  const stack = new Stack(new App(), 'Stack', { env, stackName });
  new SecureStringParameter(stack, 'Token', { parameterName: '/app/token', value: SecureValue.fromCiphertext('AQID') });
  return stack;
}

function roleName(stack: Stack): unknown {
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')) as any[];
  return role.Properties.RoleName;
}

/** The role the key policy lets decrypt committed ciphertext directly. */
function roleInKeyPolicy(stack: Stack): unknown {
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')) as any[];
  const statement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowHandlerToDecryptCommittedCiphertext');
  return statement.Condition.ArnEquals['aws:PrincipalArn'];
}

describe('the handler role name', () => {
  test('the same app under two stack names in one account and region gets two role names, each in its own key policy', () => {
    // WHEN
    const blue = deployedAs('AppBlue');
    const green = deployedAs('AppGreen');

    // THEN
    expect(blue.node.path).toBe(green.node.path);
    expect(roleName(blue)).toMatch(/^ssp-handler-[0-9a-f]{8}-eu-west-1$/);
    expect(roleName(green)).toMatch(/^ssp-handler-[0-9a-f]{8}-eu-west-1$/);
    expect(roleName(blue)).not.toBe(roleName(green));
    for (const stack of [blue, green]) {
      expect(roleInKeyPolicy(stack)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::111111111111:role/${roleName(stack)}`]] });
    }
  });

  test('stable: the same stack name and construct path give the same name in every synth', () => {
    expect(roleName(deployedAs('AppBlue'))).toBe(roleName(deployedAs('AppBlue')));
  });

  test('an environment-agnostic stack takes the region at deploy time, in the role and in the key policy alike', () => {
    const stack = deployedAs('AppBlue', {});

    const name = roleName(stack) as any;

    expect(name).toEqual({ 'Fn::Join': ['', [expect.stringMatching(/^ssp-handler-[0-9a-f]{8}-$/), { Ref: 'AWS::Region' }]] });
    expect(roleInKeyPolicy(stack)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/${name['Fn::Join'][1][0]}`, { Ref: 'AWS::Region' }]],
    });
  });

  test('within IAM\'s 64 characters in the longest region, whatever the stack name', () => {
    const name = roleName(deployedAs(`S${'a'.repeat(127)}`, { account: ENV.account, region: 'ap-southeast-5' })) as string;

    expect(name.length).toBeLessThanOrEqual(64);
  });

  test('nested stacks: told apart by the top-level stack that deploys them and by their place in it', () => {
    class Nested extends NestedStack {
      constructor(scope: Construct, id: string) {
        super(scope, id);
        new SecureStringParameter(this, 'Token', { parameterName: '/app/token', value: SecureValue.generated() });
      }
    }
    const nestedIn = (stackName: string, id: string) => new Nested(new Stack(new App(), 'Stack', { env: ENV, stackName }), id);

    const names = [nestedIn('AppBlue', 'Secrets'), nestedIn('AppGreen', 'Secrets'), nestedIn('AppBlue', 'MoreSecrets')].map(roleName);

    for (const name of names) {
      expect(name).toMatch(/^ssp-handler-[0-9a-f]{8}-eu-west-1$/);
    }
    expect(new Set(names).size).toBe(3);
  });
});
