import { BATCH, PATH, batchCreate, batchDelete, batchProperties, batchUpdate, chunkOwner, fullName } from './batch-events';
import { KEY_ARN } from './events';
import { MemberSpec, parseBatchRequest } from '../../lib/handler/batch-request';
import { BatchProperties, MemberDefaults, MemberEntry } from '../../lib/private/batch-protocol';

const POLICIES = '[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"30","Unit":"Days"}}]';
const TEAM = { Key: 'team', Value: 'payments' };
const DEFAULTS: MemberDefaults = { Tier: 'Advanced', Policies: POLICIES, ExpireAfterSeconds: '3600', Removal: 'Destroy', Tags: [TEAM] };

/** The one member of a chunk that holds only `entry`. */
function decode(entry: MemberEntry, defaults?: MemberDefaults, keyId?: string): MemberSpec {
  const props = batchProperties({ members: [entry], defaults });
  const request = parseBatchRequest(batchCreate(keyId ? { ...props, KeyId: keyId } : props));
  expect(request.chunk.members.size).toBe(1);
  return [...request.chunk.members.values()][0];
}

describe('member entries', () => {
  test('a string entry is a generated value with the chunk\'s defaults', () => {
    const member = decode('svc/a', DEFAULTS);

    expect(member.spec).toEqual({
      name: '/app/prod/svc/a',
      keyId: KEY_ARN,
      tier: 'Advanced',
      source: { Type: 'generated' },
      description: undefined,
      allowedPattern: undefined,
      policies: POLICIES,
      expireAfterSeconds: 3600,
      adopt: false,
      tags: [TEAM],
    });
    expect(member.destroy).toBe(true);
  });

  test('without defaults, a string entry is a Standard generated value, without policies or tags, retained', () => {
    const member = decode('svc/a');

    expect(member.spec).toMatchObject({ tier: 'Standard', source: { Type: 'generated' }, policies: undefined, expireAfterSeconds: undefined, adopt: false, tags: [] });
    expect(member.destroy).toBe(false);
  });

  test('an object entry overrides every default and sets its own fields', () => {
    const source = { Type: 'placeholder', Text: 'change-me' };
    const member = decode(
      {
        N: 'svc/b',
        Tier: 'Intelligent-Tiering',
        Policies: '[]',
        ExpireAfterSeconds: '60',
        Removal: 'Retain',
        Tags: [{ Key: 'owner', Value: 'ops' }],
        Source: source,
        Description: 'the b',
        AllowedPattern: '^.{8,}$',
        Adopt: 'true',
      },
      DEFAULTS,
    );

    expect(member.spec).toEqual({
      name: '/app/prod/svc/b',
      keyId: KEY_ARN,
      tier: 'Intelligent-Tiering',
      source,
      description: 'the b',
      allowedPattern: '^.{8,}$',
      policies: '[]',
      expireAfterSeconds: 60,
      adopt: true,
      tags: [{ Key: 'owner', Value: 'ops' }],
    });
    expect(member.destroy).toBe(false);
  });

  test.each([
    ['Policies', { policies: undefined }, true],
    ['Tier', { tier: 'Standard' }, true],
    ['ExpireAfterSeconds', { expireAfterSeconds: undefined }, true],
    ['Removal', { policies: POLICIES }, false],
  ])('an empty %s means none where the default has one', (field, expected, destroy) => {
    const member = decode({ N: 'svc/a', [field]: '' }, DEFAULTS);

    expect(member.spec).toMatchObject(expected);
    expect(member.destroy).toBe(destroy);
  });

  test('`Tags: []` overrides the default tags', () => {
    expect(decode({ N: 'svc/a', Tags: [] }, DEFAULTS).spec.tags).toEqual([]);
  });

  test('Adopt is true only for "true"', () => {
    expect(decode({ N: 'svc/a', Adopt: 'false' }).spec.adopt).toBe(false);
  });
});

describe('fingerprints', () => {
  test.each<[string, MemberEntry]>([
    ['the string entry', 'svc/a'],
    ['an object entry with the name only', { N: 'svc/a' }],
    ['an object entry spelling out the default source', { N: 'svc/a', Source: { Type: 'generated' } }],
    ['an object entry spelling out a default', { N: 'svc/a', Tier: 'Advanced' }],
  ])('the same member is the same fingerprint: %s', (_name, entry) => {
    expect(decode(entry, DEFAULTS).fingerprint).toBe(decode('svc/a', DEFAULTS).fingerprint);
  });

  test.each<[string, MemberEntry, MemberDefaults?, string?]>([
    ['its name', 'svc/b'],
    ['its source', { N: 'svc/a', Source: { Type: 'generated', Options: '{"generation":2}' } }],
    ['its description', { N: 'svc/a', Description: 'd' }],
    ['its allowed pattern', { N: 'svc/a', AllowedPattern: '^x$' }],
    ['its tier', { N: 'svc/a', Tier: 'Intelligent-Tiering' }],
    ['its policies', { N: 'svc/a', Policies: '[]' }],
    ['its relative expiration', { N: 'svc/a', ExpireAfterSeconds: '60' }],
    ['its adoption', { N: 'svc/a', Adopt: 'true' }],
    ['its tags', { N: 'svc/a', Tags: [{ Key: 'team', Value: 'billing' }] }],
    ['its removal policy', { N: 'svc/a', Removal: '' }],
    ['a default', 'svc/a', { ...DEFAULTS, Tier: 'Standard' }],
    ['the key', 'svc/a', DEFAULTS, 'alias/other'],
  ])('a change of %s is another fingerprint', (_name, entry, defaults = DEFAULTS, keyId = undefined) => {
    expect(decode(entry, defaults, keyId).fingerprint).not.toBe(decode('svc/a', DEFAULTS).fingerprint);
  });
});

describe('the request', () => {
  test('a Create: the chunk, its physical id, its owner tag value, and no old chunk', () => {
    const request = parseBatchRequest(batchCreate(batchProperties({ members: ['svc/a'], index: 2, chunks: 3, all: ['svc/a', 'svc/b'], writesPerSecond: 2.5 })));

    expect(request).toMatchObject({
      requestType: 'Create',
      physicalId: `${PATH}#chunk-2`,
      owner: chunkOwner(2),
      ssmArnPrefix: 'arn:aws:ssm:eu-west-1:111111111111',
      oldChunk: undefined,
    });
    expect(request.chunk).toMatchObject({ path: PATH, index: 2, chunks: 3, writesPerSecond: 2.5 });
    expect([...request.chunk.members.keys()]).toEqual(['/app/prod/svc/a']);
    expect(request.chunk.ownerOf(0)).toBe(`AppStack/${BATCH}0`);
  });

  test('`All` tells the names of the batch (any chunk) from the others', () => {
    const { chunk } = parseBatchRequest(batchCreate(batchProperties({ members: ['svc/a'], all: ['svc/a', 'svc/b'] })));

    expect([fullName('svc/a'), fullName('svc/b'), fullName('svc/c')].map(chunk.inBatch)).toEqual([true, true, false]);
  });

  test('an Update carries the old chunk, decoded with the old defaults', () => {
    const oldProps = batchProperties({ members: ['svc/a', 'svc/gone'], chunks: 1, defaults: { Tier: 'Advanced' } });
    const request = parseBatchRequest(batchUpdate(batchProperties({ members: ['svc/a', 'svc/new'], chunks: 2 }), oldProps));

    expect(request.requestType).toBe('Update');
    expect([...request.oldChunk!.members.keys()]).toEqual([fullName('svc/a'), fullName('svc/gone')]);
    expect(request.oldChunk!.members.get(fullName('svc/a'))!.spec.tier).toBe('Advanced');
    expect(request.oldChunk!.chunks).toBe(1);
    expect([...request.chunk.members.keys()]).toEqual([fullName('svc/a'), fullName('svc/new')]);
    expect(request.chunk.chunks).toBe(2);
  });

  test('an Update whose old properties are malformed still parses (its rollback must not be blocked)', () => {
    const event = { ...batchUpdate(batchProperties({ members: ['svc/a'] }), batchProperties({ members: [] })), OldResourceProperties: {} } as any;

    const request = parseBatchRequest(event);

    expect(request.oldChunk!.members.size).toBe(0);
  });

  test.each([
    ['no properties at all', {}],
    ['no members', { Path: PATH, Index: '0' }],
    ['only members', { Members: ['svc/a'] }],
  ])('a Delete is read leniently: %s', (_name, props) => {
    const event = { ...batchDelete(batchProperties({ members: [] })), ResourceProperties: props } as any;

    expect(() => parseBatchRequest(event)).not.toThrow();
    expect(parseBatchRequest(event).requestType).toBe('Delete');
  });

  test('a Delete of a chunk whose logical id is not its prefix and index is still run', () => {
    const event = { ...batchDelete(batchProperties({ members: ['svc/a'] })), LogicalResourceId: 'Renamed' } as any;

    expect(parseBatchRequest(event).chunk.members.size).toBe(1);
  });
});

describe('malformed properties are refused, naming the field', () => {
  const valid = batchProperties({ members: ['svc/a'] });
  const without = (key: keyof BatchProperties): any => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key));

  test.each<[string, string, any]>([
    ['missing Path', 'Path', without('Path')],
    ['missing KeyId', 'KeyId', without('KeyId')],
    ['missing Batch', 'Batch', without('Batch')],
    ['missing Index', 'Index', without('Index')],
    ['missing Chunks', 'Chunks', without('Chunks')],
    ['missing WritesPerSecond', 'WritesPerSecond', without('WritesPerSecond')],
    ['missing All', 'All', without('All')],
    ['missing Members', 'Members', without('Members')],
    ['Members not an array', 'Members', { ...valid, Members: 'svc/a' }],
    ['an empty Path', 'Path', { ...valid, Path: '' }],
    ['an Index that is not a string', 'Index', { ...valid, Index: 0 }],
  ])('%s', (_name, field, props) => {
    expect(() => parseBatchRequest(batchCreate(props))).toThrow(
      `the request is malformed: ResourceProperties.${field} is missing or of the wrong type. The handler and the construct versions may differ; ` +
        'redeploy with one version of cdk-secure-parameters.',
    );
  });

  test('the new properties of an Update are checked like a Create\'s', () => {
    const event = batchUpdate(without('KeyId'), valid);

    expect(() => parseBatchRequest(event)).toThrow('ResourceProperties.KeyId is missing or of the wrong type');
  });

  test.each([
    ['another name', 'DbPasswords'],
    ['another index', `${BATCH}1`],
    ['the prefix alone', BATCH],
  ])('a logical id that is not the batch prefix and the index is refused: %s', (_name, logicalId) => {
    const event = { ...batchCreate(valid), LogicalResourceId: logicalId } as any;

    expect(() => parseBatchRequest(event)).toThrow(
      `the chunk's logical id ${logicalId} is not its batch prefix followed by its index; chunks find each other by that name. ` +
        'Do not override the logical ids of a batched hierarchy.',
    );
  });
});

describe('rotating members', () => {
  test("a member rotates with the chunk's default rotation, tagged for the stack's rotator", () => {
    const member = decode('svc/a', { Rotation: { Trigger: 'every-86400' } });

    expect(member.spec.rotation).toEqual({ trigger: 'every-86400', keepPrevious: true });
    expect(member.spec.tags).toEqual([
      { Key: 'cdk-secure-parameters:rotation', Value: 'AppStack/every-86400' },
      { Key: 'cdk-secure-parameters:rotation-options', Value: 'previous=keep length=32 classes=lunp each=1' },
    ]);
  });

  test("'' stands for no rotation where the default rotates; a member's own rotation replaces the default", () => {
    const defaults: MemberDefaults = { Rotation: { Trigger: 'every-86400' } };

    expect(decode({ N: 'svc/a', Source: { Type: 'placeholder', Text: 'x' }, Rotation: '' as never }, defaults).spec.rotation).toBeUndefined();
    expect(decode({ N: 'svc/b', Rotation: { Trigger: 'before-expiration', KeepPrevious: 'false' } }, defaults).spec.rotation).toEqual({ trigger: 'before-expiration', keepPrevious: false });
  });
});
