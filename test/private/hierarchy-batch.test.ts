import { App, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HierarchyDeployment, ParameterHierarchy, ParameterPolicy, SecureValue } from '../../lib';
import { BATCH_RESOURCE_TYPE, chunkOf, decodeNameSet, nameHash } from '../../lib/private/batch-protocol';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function setup(writesPerSecond?: number, props: Partial<ConstructorParameters<typeof ParameterHierarchy>[2]> = {}) {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const deployment = HierarchyDeployment.batched({ writesPerSecond });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', deployment, ...props });
  return { stack, hierarchy };
}

function chunks(stack: Stack): Array<[string, any]> {
  const found = Object.entries(Template.fromStack(stack).findResources(BATCH_RESOURCE_TYPE));
  return found.sort(([, a], [, b]) => Number(a.Properties.Index) - Number(b.Properties.Index));
}

function addGenerated(hierarchy: ParameterHierarchy, count: number): void {
  for (let i = 0; i < count; i++) {
    hierarchy.addSecureString(`P${i}`, { name: `svc/p${i}`, value: SecureValue.generated() });
  }
}

describe('a batched hierarchy in the template', () => {
  test('one chunk resource for a few members: its properties, and no resource per member', () => {
    const { stack, hierarchy } = setup();
    addGenerated(hierarchy, 3);

    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::SecureStringParameter', 0);
    const [[logicalId, chunk]] = chunks(stack);
    expect(logicalId).toMatch(/^StackProdBatch[0-9A-F]{8}Chunk0$/);
    expect(chunk.DependsOn).toBeUndefined();
    expect(chunk.DeletionPolicy).toBeUndefined();
    expect(chunk.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^SecureStringParameterHandlerFunction/), 'Arn'] },
      ServiceTimeout: '1200',
      Path: '/app/prod',
      KeyId: { 'Fn::GetAtt': [expect.stringMatching(/^ProdKey/), 'Arn'] },
      Batch: logicalId.slice(0, -1),
      Index: '0',
      Chunks: '1',
      WritesPerSecond: '2',
      Members: ['svc/p0', 'svc/p1', 'svc/p2'],
      All: expect.any(String),
    });
    expect(decodeNameSet(chunk.Properties.All)).toEqual(new Set(['/app/prod/svc/p0', '/app/prod/svc/p1', '/app/prod/svc/p2'].map(nameHash)));
  });

  test('chunks sized from writesPerSecond, chained one after another, each member in the chunk its hash names', () => {
    // 0.05 writes per second: 24 members per chunk (8 minutes of writes)
    const { stack, hierarchy } = setup(0.05);
    addGenerated(hierarchy, 50);

    const found = chunks(stack);
    expect(found.map(([, c]) => c.Properties.Chunks)).toEqual(['3', '3', '3']);
    expect(found.map(([, c]) => c.DependsOn)).toEqual([undefined, [found[0][0]], [found[1][0]]]);
    const members = found.flatMap(([, c], index) => (c.Properties.Members as string[]).map((m) => ({ name: `/app/prod/${m}`, index })));
    expect(members).toHaveLength(50);
    for (const { name, index } of members) {
      expect(chunkOf(name, 3)).toBe(index);
    }
    const member = hierarchy.parameter('svc/p7')!;
    const home = found[chunkOf('/app/prod/svc/p7', 3)][0];
    expect(stack.resolve(member.parameterName)).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [home, 'Path'] }, '/svc/p7']] });
    expect(stack.resolve(member.parameterArn)).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [home, 'Arn'] }, '/svc/p7']] });
  });

  test('members carry only what differs from the hierarchy defaults, and an empty value where the default has one', () => {
    const { stack, hierarchy } = setup(2, { policies: [ParameterPolicy.expireAfter(Duration.days(30))], removalPolicy: RemovalPolicy.DESTROY });
    hierarchy.addSecureString('Plain', { name: 'a-plain', value: SecureValue.generated() });
    hierarchy.addSecureString('Kept', { name: 'b-kept', value: SecureValue.generated(), removalPolicy: RemovalPolicy.RETAIN });
    hierarchy.addSecureString('NoPolicies', { name: 'c-no-policies', value: SecureValue.generated(), policies: [] });
    hierarchy.addSecureString('Described', { name: 'd-described', value: SecureValue.generated({ length: 20 }), description: 'the API token' });
    hierarchy.child('db').addSecureString('Operator', { name: 'password', value: SecureValue.placeholder(), adoptExisting: true });
    Tags.of(hierarchy).add('team', 'payments');
    Tags.of(hierarchy.parameter('d-described')!).add('rotation', 'manual');

    const [[, chunk]] = chunks(stack);
    expect(chunk.Properties.Defaults).toEqual({
      Tier: 'Advanced',
      ExpireAfterSeconds: String(30 * 24 * 3600),
      Removal: 'Destroy',
      Tags: [{ Key: 'team', Value: 'payments' }],
    });
    expect(chunk.Properties.Members).toEqual([
      'a-plain',
      { N: 'b-kept', Removal: '' },
      { N: 'c-no-policies', Tier: '', ExpireAfterSeconds: '' },
      {
        N: 'd-described',
        Source: { Type: 'generated', Options: '{"length":20}' },
        Description: 'the API token',
        Tags: [{ Key: 'rotation', Value: 'manual' }, { Key: 'team', Value: 'payments' }],
      },
      { N: 'db/password', Source: { Type: 'placeholder', Text: SecureValue.DEFAULT_PLACEHOLDER }, Adopt: 'true' },
    ]);
  });

  test('a child hierarchy writes through its parent\'s chunks, with names relative to the parent\'s path', () => {
    const { stack, hierarchy } = setup();
    const member = hierarchy.child('db').addSecureString('Password', { name: 'password', value: SecureValue.generated() });

    const [[logicalId, chunk]] = chunks(stack);
    expect(chunk.Properties.Members).toEqual(['db/password']);
    expect(stack.resolve(member.parameterName)).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId, 'Path'] }, '/db/password']] });
    expect(member.tier).toBe(ssm.ParameterTier.STANDARD);
  });

  test('5,000 members: a few chunks, each under the size an event can carry', () => {
    const { stack, hierarchy } = setup();
    addGenerated(hierarchy, 5000);

    const found = chunks(stack);
    // 960 members per chunk at 2 writes per second
    expect(found).toHaveLength(6);
    for (const [, chunk] of found) {
      expect(JSON.stringify(chunk.Properties).length).toBeLessThan(110_000);
      expect((chunk.Properties.Members as string[]).length).toBeLessThan(960 * 1.15);
    }
  });
});
