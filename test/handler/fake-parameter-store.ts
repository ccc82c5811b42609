import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  Tag,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { awsError } from './events';
import { Clients } from '../../lib/handler/clients';
import { canonicalParameterName } from '../../lib/private/handler-protocol';
import { BeforeCall, interceptedClients } from '../helpers/intercepted-clients';

/** One version of a parameter. */
export interface StoredVersion {
  value: string;
  keyId: string;
  tier: string;
  description?: string;
  allowedPattern?: string;
  policies: string[];
  version: number;
  labels: string[];
  /** When the version was written; a seeded parameter without one was written long ago. */
  lastModified?: Date;
}

/** The newest version's fields (tests may change them, as another writer would), the older ones, the tags. */
export interface StoredParameter extends StoredVersion {
  tags: Tag[];
  /** Older kept versions, oldest first (the newest is the parameter itself). */
  older: StoredVersion[];
}

const KEPT_VERSIONS = 100;

/** How the store answers one command's input. */
type Answer = (input: any) => unknown;

/** How a fake stands for Parameter Store. */
export interface FakeParameterStoreOptions {
  /**
   * Mock only the clients of this fake, in this region, instead of every client of each class: two fakes then
   * stand for two regions (a replica's and its source's).
   */
  readonly region?: string;
  /** The time a write records as its last change (a fake clock); the real time by default. */
  readonly now?: () => Date;
}

function versionOnly({ value, keyId, tier, description, allowedPattern, policies, version, labels, lastModified }: StoredVersion): StoredVersion {
  return { value, keyId, tier, description, allowedPattern, policies, version, labels, lastModified };
}

/**
 * Parameter Store's observable behaviour for the calls the handler makes, in memory:
 * `a` and `/a` are one parameter; Overwrite false refuses an existing name, Overwrite with Tags is invalid;
 * 100 versions are kept and a write fails when the oldest carries a label; a label names one version and
 * moves when set on another; GetParameter reads `name:label` and `name:version`.
 * Tests inject faults with `ssm.on(Command).rejectsOnce(...)`.
 */
export class FakeParameterStore {
  /** Keyed by canonical name: use `a`, not `/a`, for one-level names. */
  public readonly parameters = new Map<string, StoredParameter>();
  public readonly ssm: AwsStub<any, any, any>;
  public readonly kms: AwsStub<any, any, any>;
  public readonly secrets: AwsStub<any, any, any>;
  public readonly cloudformation: AwsStub<any, any, any>;
  /** CloudFormation's record of each chunk's physical id (by logical id); none means the stack has no such resource. */
  public readonly stackRecords = new Map<string, string>();
  public readonly clients: Clients;
  private readonly now: () => Date;
  /** The listing in progress: its filters, and the names they matched. */
  private listing?: { readonly filters: string; readonly names: readonly string[] };

  /** How the store answers each command, through the mocks (install) or directly (directClients). */
  private readonly cloudformationAnswers = new Map<unknown, Answer>([
    [DescribeStackResourceCommand, (input) => {
      const physicalId = this.stackRecords.get(input.LogicalResourceId);
      if (physicalId === undefined) {
        throw Object.assign(new Error(`Resource ${input.LogicalResourceId} does not exist for stack ${input.StackName}`), { name: 'ValidationError' });
      }
      return { StackResourceDetail: { LogicalResourceId: input.LogicalResourceId, PhysicalResourceId: physicalId } };
    }],
  ]);

  private readonly ssmAnswers = new Map<unknown, Answer>([
    [PutParameterCommand, (input) => this.putParameter(input)],
    [GetParameterCommand, (input) => {
      const [name, selector] = input.Name.split(':');
      const v = this.select(name, selector);
      return { Parameter: { Name: name, Value: v.value, Version: v.version, Type: 'SecureString', LastModifiedDate: v.lastModified ?? new Date(0) } };
    }],
    [GetParametersCommand, (input) => this.getParameters(input)],
    [GetParameterHistoryCommand, (input) => {
      const all = this.versions(input.Name);
      const start = Number(input.NextToken ?? 0);
      const size = input.MaxResults ?? 50;
      return {
        Parameters: all.slice(start, start + size).map((v) => this.history(input.Name, v)),
        NextToken: start + size < all.length ? String(start + size) : undefined,
      };
    }],
    [DescribeParametersCommand, (input) => this.describeParameters(input)],
    [LabelParameterVersionCommand, (input) => {
      const versions = this.versions(input.Name);
      const target = versions.find((v) => v.version === input.ParameterVersion);
      if (!target) throw awsError('ParameterVersionNotFound', `Version ${input.ParameterVersion} not found`);
      for (const label of input.Labels as string[]) {
        for (const v of versions) v.labels = v.labels.filter((l) => l !== label);
        target.labels.push(label);
      }
      return { InvalidLabels: [], ParameterVersion: target.version };
    }],
    [UnlabelParameterVersionCommand, (input) => {
      const target = this.versions(input.Name).find((v) => v.version === input.ParameterVersion)!;
      target.labels = target.labels.filter((l) => !input.Labels.includes(l));
      return { RemovedLabels: input.Labels, InvalidLabels: [] };
    }],
    [ListTagsForResourceCommand, (input) => {
      const p = this.parameters.get(canonicalParameterName(input.ResourceId));
      if (!p) throw awsError('InvalidResourceId', 'Invalid Resource Id');
      return { TagList: p.tags };
    }],
    [AddTagsToResourceCommand, (input) => {
      const p = this.get(input.ResourceId);
      for (const tag of input.Tags) {
        p.tags = [...p.tags.filter((t) => t.Key !== tag.Key), tag];
      }
      return {};
    }],
    [RemoveTagsFromResourceCommand, (input) => {
      const p = this.get(input.ResourceId);
      p.tags = p.tags.filter((t) => !input.TagKeys.includes(t.Key));
      return {};
    }],
    [DeleteParameterCommand, (input) => {
      this.get(input.Name);
      this.parameters.delete(canonicalParameterName(input.Name));
      return {};
    }],
  ]);


  constructor(options: FakeParameterStoreOptions = {}) {
    const region = options.region ?? 'eu-west-1';
    this.now = options.now ?? (() => new Date());
    this.clients = {
      ssm: new SSMClient({ region }),
      kms: new KMSClient({ region }),
      secrets: new SecretsManagerClient({ region }),
      cloudformation: new CloudFormationClient({ region }),
      // without options.region, the class-level mock answers every SSMClient: another region's would see this store
      ssmIn: (other) => {
        throw new Error(`the fake Parameter Store has one region; give ${other} a fake of its own (options.region)`);
      },
    };
    const mocked = options.region
      ? this.clients
      : { ssm: SSMClient, kms: KMSClient, secrets: SecretsManagerClient, cloudformation: CloudFormationClient };
    this.ssm = mockClient(mocked.ssm);
    this.kms = mockClient(mocked.kms);
    this.secrets = mockClient(mocked.secrets);
    this.cloudformation = mockClient(mocked.cloudformation);
    this.install();
  }

  public restore(): void {
    this.ssm.restore();
    this.kms.restore();
    this.secrets.restore();
    this.cloudformation.restore();
  }

  /** Puts a parameter in place as if someone else had created it. */
  public seed(name: string, parameter: Partial<StoredParameter>): void {
    this.parameters.set(canonicalParameterName(name), {
      value: 'existing', keyId: 'alias/aws/ssm', tier: 'Standard', policies: [], tags: [], version: 1, labels: [], older: [], ...parameter,
    });
  }

  public calls(command: any): any[] {
    return this.ssm.commandCalls(command).map((c) => c.args[0].input);
  }

  /**
   * Deletes every parameter whose Expiration policy's timestamp is `at` or earlier, as Parameter Store does;
   * answers their names.
   */
  public expire(at: Date): string[] {
    const expired = [...this.parameters].filter(([, p]) => p.policies.some((text) => {
      const policy = JSON.parse(text);
      return policy.Type === 'Expiration' && new Date(policy.Attributes.Timestamp).getTime() <= at.getTime();
    })).map(([name]) => name);
    expired.forEach((name) => this.parameters.delete(name));
    return expired;
  }

  /** Every kept version, oldest first. */
  public versions(name: string): StoredVersion[] {
    const p = this.get(name);
    return [...p.older, p];
  }

  /**
   * Clients that answer from this store directly, without aws-sdk-client-mock: no call history, no faults injected
   * with `ssm.on(...)`, but a fraction of the time per call, for simulations that make hundreds of thousands of calls.
   * `overrides` answers some commands instead (e.g. a throttled PutParameter).
   */
  public directClients(overrides: ReadonlyMap<unknown, Answer> = new Map()): Clients {
    const client = (answers: ReadonlyMap<unknown, Answer>) => ({
      send: async (command: { constructor: unknown; input: unknown }) => {
        const answer = overrides.get(command.constructor) ?? answers.get(command.constructor);
        if (!answer) throw new Error(`the fake Parameter Store does not answer ${(command.constructor as { name: string }).name}`);
        return answer(command.input);
      },
    });
    return {
      ...this.clients,
      ssm: client(this.ssmAnswers) as unknown as SSMClient,
      cloudformation: client(this.cloudformationAnswers) as unknown as CloudFormationClient,
    };
  }

  /**
   * Clients of this store (through the mocks, so calls are recorded and faults apply) that await `before` just before
   * each call reaches the store (intercepted-clients.ts).
   */
  public interceptedClients(before: BeforeCall): Clients {
    return interceptedClients(this.clients, before);
  }

  private install(): void {
    for (const [command, answer] of this.cloudformationAnswers) this.cloudformation.on(command as any).callsFake(answer);
    for (const [command, answer] of this.ssmAnswers) this.ssm.on(command as any).callsFake(answer);
  }

  private get(name: string): StoredParameter {
    const p = this.parameters.get(canonicalParameterName(name));
    if (!p) throw awsError('ParameterNotFound', `Parameter ${name} not found.`);
    return p;
  }

  private select(name: string, selector: string | undefined): StoredVersion {
    const versions = this.versions(name);
    if (selector === undefined) return versions.at(-1)!;
    const found = /^\d+$/.test(selector) ? versions.find((v) => v.version === Number(selector)) : versions.find((v) => v.labels.includes(selector));
    if (!found) throw awsError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}.`);
    return found;
  }

  private history(name: string, v: StoredVersion) {
    return { ...this.metadata(name, v), Labels: [...v.labels] };
  }

  /** What DescribeParameters tells of a version (no labels, no value). */
  private metadata(name: string, v: StoredVersion) {
    return {
      Name: name,
      Type: 'SecureString',
      KeyId: v.keyId,
      Tier: v.tier,
      Description: v.description,
      AllowedPattern: v.allowedPattern,
      Policies: v.policies.map((text) => ({ PolicyText: text, PolicyType: JSON.parse(text).Type, PolicyStatus: 'Pending' })),
      Version: v.version,
      LastModifiedDate: v.lastModified ?? new Date(0),
    };
  }

  /** GetParameters: the newest version of each name that exists, the others as invalid; public so a test can chain faults before it. */
  public getParameters(input: any): { Parameters: object[]; InvalidParameters: string[] } {
    const names = input.Names as string[];
    const found = names.filter((n) => this.parameters.has(canonicalParameterName(n)));
    return {
      Parameters: found.map((n) => ({ Name: n, Type: 'SecureString', Version: this.get(n).version, ...(input.WithDecryption ? { Value: this.get(n).value } : {}) })),
      InvalidParameters: names.filter((n) => !found.includes(n)),
    };
  }

  /**
   * DescribeParameters with `tag:<key>` and `Name` filters (Equals) and `Path` filters (Recursive), paged by
   * MaxResults: the newest version's metadata, its policies included, never a value. The names are matched when a
   * listing starts, as a cursor would keep them: each next page then costs its own size (simulations list thousands).
   */
  public describeParameters(input: any): { Parameters: object[]; NextToken?: string } {
    const filters = (input.ParameterFilters ?? []) as ParameterFilter[];
    const key = JSON.stringify(filters);
    if (input.NextToken === undefined || this.listing?.filters !== key) {
      const names = [...this.parameters.entries()].filter(([name, p]) => filters.every((f) => matchesFilter(name, p, f))).map(([name]) => name);
      this.listing = { filters: key, names };
    }
    const names = this.listing.names;
    const start = Number(input.NextToken ?? 0);
    const size = input.MaxResults ?? 50;
    return {
      Parameters: names.slice(start, start + size).flatMap((name) => {
        const p = this.parameters.get(name);
        return p ? [this.metadata(name, p)] : [];
      }),
      NextToken: start + size < names.length ? String(start + size) : undefined,
    };
  }


  /** PutParameter as Parameter Store behaves; public so a test can chain faults before it. */
  public putParameter(input: any): { Version: number; Tier: string } {
    const key = canonicalParameterName(input.Name);
    const existing = this.parameters.get(key);
    if (existing && !input.Overwrite) {
      throw awsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    }
    if (input.Overwrite && input.Tags) {
      throw awsError('ValidationException', "Invalid request: tags and overwrite can't be used together.");
    }
    const kept = existing ? this.versions(input.Name) : [];
    if (kept.length >= KEPT_VERSIONS && kept[0].labels.length > 0) {
      throw awsError('ParameterMaxVersionLimitExceeded', `Version ${kept[0].version}, the oldest version, can't be deleted because it has a label associated with it.`);
    }
    const policies = input.Policies === undefined
      ? existing?.policies ?? []
      : (JSON.parse(input.Policies) as unknown[]).filter((p) => JSON.stringify(p) !== '{}').map((p) => JSON.stringify(p));
    const stored: StoredParameter = {
      value: input.Value,
      keyId: input.KeyId,
      tier: input.Tier ?? existing?.tier ?? 'Standard',
      description: input.Description === undefined ? existing?.description : input.Description || undefined,
      allowedPattern: input.AllowedPattern === undefined ? existing?.allowedPattern : input.AllowedPattern || undefined,
      policies,
      tags: existing?.tags ?? input.Tags ?? [],
      version: (existing?.version ?? 0) + 1,
      labels: [],
      lastModified: this.now(),
      older: kept.slice(kept.length >= KEPT_VERSIONS ? 1 : 0).map(versionOnly),
    };
    this.parameters.set(key, stored);
    return { Version: stored.version, Tier: stored.tier };
  }
}

interface ParameterFilter {
  readonly Key: string;
  readonly Option?: string;
  readonly Values?: string[];
}

function matchesFilter(name: string, p: StoredParameter, f: ParameterFilter): boolean {
  switch (f.Key) {
    case 'Name':
      return f.Values!.some((v) => canonicalParameterName(v) === name);
    case 'Path':
      if (f.Option !== 'Recursive') throw new Error('the fake Parameter Store knows Path filters with Option Recursive only');
      return f.Values!.some((path) => name.startsWith(`${path}/`));
    default:
      return p.tags.some((t) => `tag:${t.Key}` === f.Key && (f.Values === undefined || f.Values.includes(t.Value!)));
  }
}

/**
 * A fresh store for each test of the file, with the handler's log lines silenced (they never carry a value);
 * call at the top level of a test file and read the store through the returned function.
 */
export function useFakeParameterStore(): () => FakeParameterStore {
  let store: FakeParameterStore;
  beforeEach(() => {
    store = new FakeParameterStore();
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    store.restore();
    jest.restoreAllMocks();
  });
  return () => store;
}
