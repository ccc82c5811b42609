import { FakeParameterStore } from './fake-parameter-store';
import { Clients } from '../../lib/handler/clients';
import { WriteContext } from '../../lib/handler/parameter-writes';
import { CopierConfig } from '../../lib/handler/replica-copy';
import { PacerClock, WritePacer } from '../../lib/handler/write-pacer';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * A replica's region and its source's, each a FakeParameterStore, on one fake clock: what the copier sees. The
 * fake clock stamps every write and paces the sweep's writes; the Lambda deadline stays on the real clock.
 */
export const SOURCE_REGION = 'eu-west-1';
export const REPLICA_REGION = 'us-east-1';
export const REPLICA_STACK = 'ReplicaStack';
export const SOURCE_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/source';
export const REPLICA_KEY = 'arn:aws:kms:us-east-1:111111111111:key/replica';
export const CONFIG: CopierConfig = { sourceRegion: SOURCE_REGION, names: ['/app/prod/'], stackName: REPLICA_STACK };

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export class Regions {
  public time: number;
  public readonly source: FakeParameterStore;
  public readonly replica: FakeParameterStore;
  /** The copier's clients: this region's Parameter Store, and the source region's through `ssmIn`. */
  public readonly clients: Clients;
  /** The fake clock, as the write pacer takes it: a wait moves the time on at once. */
  public readonly pacerClock: PacerClock = { now: () => this.time, sleep: async (ms) => void (this.time += ms) };

  constructor(start: number) {
    this.time = start;
    const now = () => new Date(this.time);
    this.source = new FakeParameterStore({ region: SOURCE_REGION, now });
    this.replica = new FakeParameterStore({ region: REPLICA_REGION, now });
    this.clients = {
      ...this.replica.clients,
      ssmIn: (region) => {
        if (region !== SOURCE_REGION) throw new Error(`no fake Parameter Store in ${region}`);
        return this.source.clients.ssm;
      },
    };
  }

  /** A source of the source stack and its replica of the replica stack, written `at` and `copiedAt` (fake times). */
  public seedPair(name: string, options: { value: string; policies?: string[]; at: number; copiedAt: number }): void {
    const common = { value: options.value, tier: options.policies ? 'Advanced' : 'Standard', policies: options.policies ?? [] };
    this.source.seed(name, { ...common, keyId: SOURCE_KEY, lastModified: new Date(options.at), tags: [{ Key: OWNER_TAG_KEY, Value: 'SourceStack/Db' }] });
    this.replica.seed(name, { ...common, keyId: REPLICA_KEY, lastModified: new Date(options.copiedAt), tags: [{ Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}/ReplicaDb` }] });
  }

  /** What the source's rotator (or an operator) writes at the fake time now: a new value with a renewed Expiration. */
  public renewSource(name: string, value: string, expiresAt: number): void {
    this.source.putParameter({ Name: name, Value: value, Type: 'SecureString', Overwrite: true, KeyId: SOURCE_KEY, Tier: 'Advanced', Policies: `[${expiration(expiresAt)}]` });
  }

  /** A copier invocation's context: the real-time deadline, the sweep's pacer on the fake clock. */
  public context(options: { deadlineMs?: number; writesPerSecond?: number } = {}): WriteContext {
    return {
      clients: this.clients,
      deadline: Date.now() + (options.deadlineMs ?? 60_000),
      secrets: new Set(),
      pacer: new WritePacer(options.writesPerSecond ?? 1, this.pacerClock),
    };
  }

  /** The commands each region received, in order. */
  public calls(): { replica: string[]; source: string[] } {
    const names = (store: FakeParameterStore) => store.ssm.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''));
    return { replica: names(this.replica), source: names(this.source) };
  }

  public resetCalls(): void {
    this.replica.ssm.resetHistory();
    this.source.ssm.resetHistory();
  }

  public restore(): void {
    this.source.restore();
    this.replica.restore();
  }
}

/** An Expiration policy's text, as Parameter Store stores it. */
export function expiration(at: number): string {
  return JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(at).toISOString() } });
}

/** What IAM answers for a call the role may not make. */
export function accessDenied(action: string, name: string): Error {
  return Object.assign(
    new Error(`User: arn:aws:sts::111111111111:assumed-role/ReplicaStack-Copier/fn is not authorized to perform: ${action} on resource: ` +
      `arn:aws:ssm:${REPLICA_REGION}:111111111111:parameter${name} because no identity-based policy allows the ${action} action`),
    { name: 'AccessDeniedException', $metadata: {} },
  );
}
