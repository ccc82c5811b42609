import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterHierarchy, ParameterKey, SecureStringParameter, SecureValue } from '../../lib';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function keyArnOf(stack: Stack, key: kms.IKey): unknown {
  return stack.resolve(key.keyArn);
}

/** Every way a key reaches a SecureString: its own prop, a hierarchy's key, an import's key. */
const consumers = [
  ['SecureStringParameter', (stack: Stack, key: kms.IKey) => new SecureStringParameter(stack, 'P', { parameterName: '/app/x', value: SecureValue.generated(), encryptionKey: key })],
  ['ParameterHierarchy', (stack: Stack, key: kms.IKey) => new ParameterHierarchy(stack, 'P', { path: '/app', encryptionKey: key }).addSecureString('X', { name: 'x', value: SecureValue.generated() })],
  ['an import', (stack: Stack, key: kms.IKey) => SecureStringParameter.fromSecureStringParameterAttributes(stack, 'P', { parameterName: '/app/x', encryptionKey: key })],
] as const;

describe('a key given by an alias made in the app stands for its target key', () => {
  const aliases = [
    ['new kms.Alias of a kms.Key', (s: Stack) => {
      const target = new kms.Key(s, 'Target');
      return { target, alias: new kms.Alias(s, 'Alias', { aliasName: 'alias/app', targetKey: target }) as kms.IKey };
    }],
    ['the alias of a ParameterKey', (s: Stack) => {
      const target = new ParameterKey(s, 'Target', { alias: 'alias/app' });
      return { target, alias: target.alias! as kms.IKey };
    }],
    ['kms.Alias.fromAliasAttributes', (s: Stack) => {
      const target = kms.Key.fromKeyArn(s, 'Target', KEY_ARN);
      return { target, alias: kms.Alias.fromAliasAttributes(s, 'Alias', { aliasName: 'alias/app', aliasTargetKey: target }) as kms.IKey };
    }],
  ] as const;
  const cases = aliases.flatMap(([aliasKind, makeAlias]) => consumers.map(([consumerKind, make]) => ({ aliasKind, makeAlias, consumerKind, make })));

  test.each(cases)('$aliasKind given to $consumerKind: encryptionKey, grants and the handler name the target key', ({ makeAlias, make }) => {
    const stack = newStack();
    const { target, alias } = makeAlias(stack);
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    const parameter = make(stack, alias);
    parameter.grantRead(role);

    expect(parameter.encryptionKey).toBe(target);
    const template = Template.fromStack(stack).toJSON();
    const [policy] = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::IAM::Policy') as any[];
    const kmsStatement = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'kms:Decrypt');
    expect(kmsStatement.Resource).toEqual(keyArnOf(stack, target));
    // nothing we write names the alias: IAM authorizes KMS calls against the key ARN
    const custom = Object.values(template.Resources).filter((r: any) => r.Type === 'Custom::SecureStringParameter') as any[];
    for (const resource of custom) {
      expect(resource.Properties.KeyId).toEqual(keyArnOf(stack, target));
    }
    const handlerPolicies = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::IAM::ManagedPolicy');
    expect(JSON.stringify([policy, handlerPolicies])).not.toMatch(/alias\//);
  });
});

describe('a key whose target is unknown at synth time is refused', () => {
  const refused = [
    ['kms.Alias.fromAliasName', (s: Stack) => kms.Alias.fromAliasName(s, 'Imported', 'alias/app') as kms.IKey,
      "encryptionKey is the alias 'alias/app' imported by name (Stack/Imported), whose key is unknown at synth time: " +
        'IAM and key policies authorize KMS calls against the key ARN, not an alias, so grants and the handler\'s permissions could not name it. ' +
        "Pass the key instead: kms.Key.fromKeyArn(scope, id, '<key ARN>'), the ARN that `aws kms describe-key --key-id alias/app --query KeyMetadata.Arn` prints."],
    ['kms.Key.fromKeyArn with an alias ARN', (s: Stack) => kms.Key.fromKeyArn(s, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:alias/app'),
      "encryptionKey Stack/Imported has the alias ARN 'arn:aws:kms:eu-west-1:111111111111:alias/app': " +
        'IAM and key policies authorize KMS calls against the key ARN, not an alias. ' +
        'Pass the key ARN (key/<key id>) that `aws kms describe-key --key-id alias/app --query KeyMetadata.Arn` prints.'],
  ] as const;
  const cases = refused.flatMap(([keyKind, makeKey, message]) =>
    consumers.map(([consumerKind, make]) => ({ keyKind, makeKey, message, consumerKind, make })),
  );

  test.each(cases)('$keyKind given to $consumerKind', ({ makeKey, message, make }) => {
    const stack = newStack();

    expect(() => make(stack, makeKey(stack))).toThrow(`Stack/P: ${message}`);
  });
});

describe('the AWS-managed alias/aws/ssm', () => {
  test.each(consumers)('is accepted by %s as it is (its key policy already admits the account through Parameter Store)', (_kind, make) => {
    const stack = newStack();
    const awsManaged = kms.Alias.fromAliasName(stack, 'AwsSsm', 'alias/aws/ssm');

    const parameter = make(stack, awsManaged);

    expect(parameter.encryptionKey).toBe(awsManaged);
  });
});
