import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ParameterHierarchy, ParameterReplica, ReplicaSource, SecureStringParameter, SecureValue } from '../lib';
import { acknowledgedRules } from './helpers/nag';

/**
 * readPolicy / writePolicy: a customer-managed policy holding exactly the statements that grantRead /
 * grantWrite give a role, for roles that must hold no inline policy.
 */
const ACCOUNT = '111111111111';
const ENV = { account: ACCOUNT, region: 'eu-west-1' };
const PARTITION = { Ref: 'AWS::Partition' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const READS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'];
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const ssmArn = (path: string) => ({ 'Fn::Join': ['', ['arn:', PARTITION, `:ssm:eu-west-1:${ACCOUNT}:parameter${path}`]] });
const exactContext = (arn: unknown) => ({ StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': arn, 'kms:ViaService': VIA_SSM } });
const pathContext = (arn: unknown) => ({ StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': arn }, StringEquals: { 'kms:ViaService': VIA_SSM } });

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function logicalId(scope: { node: { defaultChild?: unknown } }): string {
  return Stack.of(scope as any).getLogicalId(scope.node.defaultChild as any);
}

/** The statements of the inline policy a role gets from `grant`, in a stack built by `setup`. */
function roleStatements<T>(setup: (stack: Stack) => T, grant: (target: T, role: iam.IGrantable) => unknown, after?: (target: T) => void): unknown[] {
  const stack = newStack();
  const target = setup(stack);
  const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  grant(target, role);
  after?.(target);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } });
  expect(Object.keys(policies)).toHaveLength(1);
  return Object.values(policies)[0].Properties.PolicyDocument.Statement;
}

interface Managed {
  readonly stack: Stack;
  readonly policy: iam.ManagedPolicy;
  readonly statements: unknown[];
}

/** The same stack with the managed policy instead: its statements, and no inline policy anywhere. */
function managedStatements<T>(setup: (stack: Stack) => T, makePolicy: (target: T) => iam.ManagedPolicy, after?: (target: T) => void): Managed {
  const stack = newStack();
  const target = setup(stack);
  const policy = makePolicy(target);
  after?.(target);
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::IAM::Policy', 0);
  const resource = template.toJSON().Resources[logicalId(policy)];
  expect(resource.Type).toBe('AWS::IAM::ManagedPolicy');
  expect(resource.Properties.Roles).toBeUndefined();
  return { stack, policy, statements: resource.Properties.PolicyDocument.Statement };
}

/** The key policy's statements; `key` is a kms.Key, or the CfnKey of a key made with fromCfnKey. */
function keyPolicyStatements(stack: Stack, key: { node: { defaultChild?: unknown } } | kms.CfnKey): Array<Record<string, unknown>> {
  const id = key instanceof kms.CfnKey ? stack.getLogicalId(key) : logicalId(key);
  return Template.fromStack(stack).toJSON().Resources[id].Properties?.KeyPolicy?.Statement ?? [];
}

describe('SecureStringParameter readPolicy / writePolicy', () => {
  const parameter = (tier: ssm.ParameterTier) => (stack: Stack) =>
    new SecureStringParameter(stack, 'Param', { parameterName: '/app/prod/db/password', value: SecureValue.generated(), tier });
  const attributeArn = (m: Managed) => ({ 'Fn::GetAtt': [logicalId(m.stack.node.findChild('Param') as any), 'Arn'] });
  const keyArn = (m: Managed) => ({ 'Fn::GetAtt': [logicalId((m.stack.node.findChild('Param') as SecureStringParameter).encryptionKey as any), 'Arn'] });

  test('readPolicy: the statements of grantRead, scoped to the parameter\'s encryption context', () => {
    const managed = managedStatements(parameter(ssm.ParameterTier.STANDARD), (p) => p.readPolicy('Reads'));

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: READS, Resource: attributeArn(managed) },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(managed), Condition: exactContext(attributeArn(managed)) },
    ]);
    expect(managed.statements).toEqual(roleStatements(parameter(ssm.ParameterTier.STANDARD), (p, role) => p.grantRead(role)));
    expect(managed.policy.node.scope).toBe(managed.stack.node.findChild('Param'));
    expect(managed.policy.node.id).toBe('Reads');
  });

  test.each([
    [ssm.ParameterTier.STANDARD, 'kms:Encrypt'],
    [ssm.ParameterTier.ADVANCED, 'kms:GenerateDataKey'],
    [ssm.ParameterTier.INTELLIGENT_TIERING, ['kms:Encrypt', 'kms:GenerateDataKey']],
  ])('writePolicy on %s: ssm:PutParameter and %s, as grantWrite', (tier, keyAction) => {
    const managed = managedStatements(parameter(tier), (p) => p.writePolicy('Writes'));

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: attributeArn(managed) },
      { Effect: 'Allow', Action: keyAction, Resource: keyArn(managed), Condition: exactContext(attributeArn(managed)) },
    ]);
    expect(managed.statements).toEqual(roleStatements(parameter(tier), (p, role) => p.grantWrite(role)));
  });

  test('a ParameterKey of the same stack: nothing is added to its key policy', () => {
    const keyStatements = (withPolicies: boolean) => {
      const stack = newStack();
      const param = parameter(ssm.ParameterTier.STANDARD)(stack);
      if (withPolicies) {
        param.readPolicy('Reads');
        param.writePolicy('Writes');
      }
      return keyPolicyStatements(stack, param.encryptionKey as any);
    };

    expect(keyStatements(true)).toEqual(keyStatements(false));
  });

  test('an imported SecureString (fromSecureStringParameterAttributes): the statements of its grants', () => {
    const imported = (stack: Stack) => SecureStringParameter.fromSecureStringParameterAttributes(stack, 'Legacy', {
      parameterName: '/legacy/token',
      encryptionKey: kms.Key.fromKeyArn(stack, 'LegacyKey', KEY_ARN),
      tier: ssm.ParameterTier.ADVANCED,
    });
    const reads = managedStatements(imported, (p) => p.readPolicy('Reads'));
    const writes = managedStatements(imported, (p) => p.writePolicy('Writes'));

    expect(reads.statements).toEqual([
      { Effect: 'Allow', Action: READS, Resource: ssmArn('/legacy/token') },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN, Condition: exactContext(ssmArn('/legacy/token')) },
    ]);
    expect(writes.statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: ssmArn('/legacy/token') },
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: KEY_ARN, Condition: exactContext(ssmArn('/legacy/token')) },
    ]);
    expect(reads.statements).toEqual(roleStatements(imported, (p, role) => p.grantRead(role)));
    expect(writes.statements).toEqual(roleStatements(imported, (p, role) => p.grantWrite(role)));
    expect(reads.policy.node.path).toBe('Stack/Legacy/Reads');
  });
});

describe('ParameterHierarchy readPolicy / writePolicy', () => {
  /** /app/prod (Standard) with db/password and api/key. */
  const hierarchy = (stack: Stack) => {
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
    prod.child('api').addSecureString('Key', { name: 'key', value: SecureValue.placeholder() });
    return prod;
  };
  const keyArn = (m: Managed) => ({ 'Fn::GetAtt': [logicalId((m.stack.node.findChild('Prod') as ParameterHierarchy).encryptionKey as any), 'Arn'] });

  test('the whole path: the three statements of grantRead', () => {
    const managed = managedStatements(hierarchy, (h) => h.readPolicy('Reads'));

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: READS, Resource: ssmArn('/app/prod/*') },
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [ssmArn('/app/prod'), ssmArn('/app/prod/*')] },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(managed), Condition: pathContext(ssmArn('/app/prod/*')) },
    ]);
    expect(managed.statements).toEqual(roleStatements(hierarchy, (h, role) => h.grantRead(role)));
    expect(managed.policy.node.path).toBe('Stack/Prod/Reads');
  });

  test('a sub-path: scoped to <path>/<sub-path>/*', () => {
    const managed = managedStatements(hierarchy, (h) => h.readPolicy('ApiReads', 'api'));

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: READS, Resource: ssmArn('/app/prod/api/*') },
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: [ssmArn('/app/prod/api'), ssmArn('/app/prod/api/*')] },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(managed), Condition: pathContext(ssmArn('/app/prod/api/*')) },
    ]);
    expect(managed.statements).toEqual(roleStatements(hierarchy, (h, role) => h.grantRead(role, 'api')));
  });

  test('a subPath naming one added parameter: that parameter\'s own statements', () => {
    const managed = managedStatements(hierarchy, (h) => h.readPolicy('PasswordReads', 'db/password'));
    const passwordArn = { 'Fn::GetAtt': [logicalId(managed.stack.node.findChild('Prod').node.findChild('Password') as any), 'Arn'] };

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: READS, Resource: passwordArn },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(managed), Condition: exactContext(passwordArn) },
    ]);
    expect(managed.statements).toEqual(roleStatements(hierarchy, (h, role) => h.grantRead(role, 'db/password')));
  });

  test('a sub-path policy made before a parameter of that name is added fails at synth, as the grant does', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    prod.readPolicy('Early', 'late');
    prod.addSecureString('Late', { name: 'late', value: SecureValue.generated() });

    expect(() => Template.fromStack(stack)).toThrow(/grantRead\(grantee, 'late'\) was called before the parameter \/app\/prod\/late was added/);
  });

  test('writePolicy: ssm:PutParameter on the path and kms:Encrypt (Standard), as grantWrite', () => {
    const managed = managedStatements(hierarchy, (h) => h.writePolicy('Writes'));

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: ssmArn('/app/prod/*') },
      { Effect: 'Allow', Action: 'kms:Encrypt', Resource: keyArn(managed), Condition: pathContext(ssmArn('/app/prod/*')) },
    ]);
    expect(managed.statements).toEqual(roleStatements(hierarchy, (h, role) => h.grantWrite(role)));
  });

  test('an Advanced parameter added after the write policy adds kms:GenerateDataKey to it, as to a write grant', () => {
    const addAdvanced = (h: ParameterHierarchy) => {
      h.child('payments').addSecureString('Token', { name: 'token', value: SecureValue.placeholder(), tier: ssm.ParameterTier.ADVANCED });
    };
    const managed = managedStatements(hierarchy, (h) => h.writePolicy('Writes'), addAdvanced);

    expect(managed.statements).toEqual([
      { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: ssmArn('/app/prod/*') },
      { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: keyArn(managed), Condition: pathContext(ssmArn('/app/prod/*')) },
    ]);
    expect(managed.statements).toEqual(roleStatements(hierarchy, (h, role) => h.grantWrite(role), addAdvanced));
  });

  test('an Advanced parameter outside the policy\'s sub-path leaves it alone', () => {
    const managed = managedStatements(hierarchy, (h) => h.writePolicy('ApiWrites', 'api'), (h) => {
      h.child('payments').addSecureString('Token', { name: 'token', value: SecureValue.placeholder(), tier: ssm.ParameterTier.ADVANCED });
    });

    expect(managed.statements).toContainEqual(expect.objectContaining({ Action: 'kms:Encrypt' }));
  });

  describe('the key side', () => {
    /** A hierarchy under `makeKey`'s key, with or without a read policy: the key policy's statements and the policy's. */
    function keySide(makeKey: (stack: Stack) => { key: kms.IKey; resource: kms.CfnKey }, withPolicy: boolean, stack = newStack()) {
      const { key, resource } = makeKey(stack);
      const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', encryptionKey: key });
      const policy = withPolicy ? prod.readPolicy('Reads') : undefined;
      const keyStatements = keyPolicyStatements(stack, resource);
      return {
        keyStatements,
        keyArn: stack.resolve(key.keyArn),
        statements: policy ? Template.fromStack(stack).toJSON().Resources[logicalId(policy)].Properties.PolicyDocument.Statement : [],
      };
    }
    const plainKey = (stack: Stack) => {
      const key = new kms.Key(stack, 'Key');
      return { key: key as kms.IKey, resource: key.node.defaultChild as kms.CfnKey };
    };
    const keyFromCfnKey = (stack: Stack) => {
      const resource = new kms.CfnKey(stack, 'Key', { keyPolicy: { Version: '2012-10-17', Statement: [] } });
      return { key: kms.Key.fromCfnKey(resource), resource };
    };

    test('a kms.Key of the same stack (it trusts the account\'s IAM policies): the policy only, nothing on the key policy', () => {
      const managed = keySide(plainKey, true);

      expect(managed.keyStatements).toEqual(keySide(plainKey, false).keyStatements);
      expect(managed.statements).toContainEqual({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: managed.keyArn,
        Condition: pathContext(ssmArn('/app/prod/*')),
      });
    });

    test('a kms.Key whose policy does not delegate to IAM: refused, since the key policy would have to name roles unknown here', () => {
      // naming the account root instead would let every principal of the account with KMS permissions in
      expect(() => keySide(keyFromCfnKey, true)).toThrow(
        'Stack/Prod/Reads: a managed policy cannot grant on this key: its key policy does not delegate to IAM policies (or it is in another account), ' +
          'so each role must be named in it',
      );
      expect(() => keySide(keyFromCfnKey, false)).not.toThrow();
    });
  });

  describe('acknowledgeGrantFindings', () => {
    const PATH_FINDING = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/*]`;
    const acknowledged = (policy: iam.ManagedPolicy) => acknowledgedRules(policy).map(([id]) => id);
    const findings = (stack: Stack) => new AwsSolutionsChecks().validateScope(stack).violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));

    test('true: the path wildcard finding is acknowledged on the managed policy, for cdk-nag 3 and cdk-nag 2', () => {
      const stack = newStack();
      const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', acknowledgeGrantFindings: true });

      const reads = prod.readPolicy('Reads');
      const writes = prod.writePolicy('Writes');

      expect(findings(stack)).toEqual([]);
      expect(acknowledged(reads)).toEqual([`annotation::${PATH_FINDING}`]);
      expect(acknowledged(writes)).toEqual([`annotation::${PATH_FINDING}`]);
      expect((reads.node.defaultChild as iam.CfnManagedPolicy).getMetadata('cdk_nag')).toEqual({
        rules_to_suppress: [{
          id: 'AwsSolutions-IAM5',
          reason: "Access to the parameters under /app/prod/ granted by ParameterHierarchy; the wildcard follows '/', so no sibling path matches.",
          applies_to: [`Resource::arn:<AWS::Partition>:ssm:eu-west-1:${ACCOUNT}:parameter/app/prod/*`],
        }],
      });
    });

    test('by default the finding shows on the managed policy and nothing is written on it', () => {
      const stack = newStack();
      const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });

      const reads = prod.readPolicy('Reads');

      expect(findings(stack)).toEqual([`${PATH_FINDING} @ Stack/Prod/Reads/Resource`]);
      expect(acknowledged(reads)).toEqual([]);
      expect((reads.node.defaultChild as iam.CfnManagedPolicy).getMetadata('cdk_nag')).toBeUndefined();
    });
  });

  test('attached to a role: in its ManagedPolicyArns, and the role has no inline policy', () => {
    const stack = newStack();
    const prod = hierarchy(stack);
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    const reads = prod.readPolicy('Reads');
    role.addManagedPolicy(reads);
    prod.writePolicy('Writes').attachToRole(writer);

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: [{ Ref: logicalId(reads) }] });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: logicalId(writer) }] });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('ParameterReplica readPolicy', () => {
  /** A replica (us-east-1, no follow) of `source` (eu-west-1), read through `use`: the consumer's statements. */
  function replicaStatements(source: (stack: Stack) => ReplicaSource, use: (replica: ParameterReplica, role: iam.IGrantable) => unknown) {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    const sourceStack = new Stack(app, 'Source', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const replica = new ParameterReplica(stack, 'Replica', { source: source(sourceStack), follow: false });
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const result = use(replica, role);
    const template = Template.fromStack(stack);
    const inline = template.findResources('AWS::IAM::Policy');
    const holder = result instanceof iam.ManagedPolicy ? template.toJSON().Resources[logicalId(result)] : Object.values(inline)[0];
    return { statements: holder.Properties.PolicyDocument.Statement, inline: Object.keys(inline).length };
  }
  const hierarchySource = (stack: Stack) => {
    const prod = new ParameterHierarchy(stack, 'Secrets', { path: '/app/prod' });
    prod.addSecureString('Db', { name: 'db', value: SecureValue.generated() });
    prod.child('api').addSecureString('Token', { name: 'token', value: SecureValue.placeholder() });
    return ReplicaSource.hierarchy(prod);
  };
  const listSource = (stack: Stack) => ReplicaSource.parameters([
    new SecureStringParameter(stack, 'A', { parameterName: '/app/a', value: SecureValue.generated() }),
    new SecureStringParameter(stack, 'B', { parameterName: '/app/b', value: SecureValue.generated() }),
  ]);

  test.each([
    ['a hierarchy source, whole path', hierarchySource, undefined],
    ['a hierarchy source, a sub-path', hierarchySource, 'api'],
    ['a hierarchy source, one replica', hierarchySource, 'db'],
    ['a list source, every replica', listSource, undefined],
    ['a list source, one replica', listSource, '/app/b'],
  ])('%s: the statements of grantRead, in this region', (_name, source, subPath) => {
    const managed = replicaStatements(source, (r) => r.readPolicy('Reads', subPath));

    expect(managed.inline).toBe(0);
    expect(managed.statements).toEqual(replicaStatements(source, (r, role) => r.grantRead(role, subPath)).statements);
    expect(JSON.stringify(managed.statements)).toContain('ssm.us-east-1.');
    expect(JSON.stringify(managed.statements)).not.toContain('eu-west-1');
  });

  test('the policy is the replica\'s child', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    const source = hierarchySource(new Stack(app, 'Source', { env: { account: ACCOUNT, region: 'eu-west-1' } }));
    const replica = new ParameterReplica(stack, 'Replica', { source, follow: false });

    expect(replica.readPolicy('Reads').node.path).toBe('Stack/Replica/Reads');
  });
});
