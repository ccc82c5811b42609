/**
 * The contract between a ParameterReplica (synth time) and its copier: the event EventBridge delivers, and the
 * names the copier serves. No aws-cdk-lib import here: the copier bundle includes this file.
 */

/** A `Parameter Store Change` event, forwarded from the source region. */
export interface ParameterChangeEvent {
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  readonly 'region'?: string;
  readonly 'detail': {
    readonly name?: string;
    readonly operation?: string;
    readonly type?: string;
  };
}

/** The copier's environment variable with its source region. */
export const SOURCE_REGION_ENV = 'SOURCE_REGION';
/** The copier's environment variable with the replicated names: paths ending in `/`, or exact names (JSON). */
export const REPLICATED_NAMES_ENV = 'REPLICATED_NAMES';

/** Whether `name` is one of `names`, or under one of the paths (each ending in `/`) among them. */
export function isReplicated(name: string, names: readonly string[]): boolean {
  return names.some((n) => (n.endsWith('/') ? name.startsWith(n) : name === n));
}

/** The copier's environment variable with its stack's name: the owner tags of its replicas start with it. */
export const REPLICA_STACK_ENV = 'REPLICA_STACK_NAME';

/**
 * The input of the copier's schedule: compare every replica with its source and copy what a lost change event
 * left behind. The next sweep comes `IntervalSeconds` later, so one sweep never runs longer than that.
 */
export interface ReplicaSweepInput {
  readonly Sweep: 'replicas';
  readonly IntervalSeconds: number;
}

/** Whether the copier's event is its schedule's. */
export function isSweep(event: unknown): event is ReplicaSweepInput {
  const input = event as Partial<ReplicaSweepInput> | undefined;
  return input?.Sweep === 'replicas' && typeof input.IntervalSeconds === 'number' && input.IntervalSeconds > 0;
}
