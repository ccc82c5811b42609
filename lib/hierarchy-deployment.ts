/**
 * Options of {@link HierarchyDeployment.batched}.
 */
export interface BatchedDeploymentOptions {
  /**
   * The PutParameter calls per second the deploy may make. Parameter Store allows 3 per second per account
   * and region by default, shared with every other writer of the account (applications, pipelines, other
   * stacks); 10 with the higher throughput setting (`aws ssm update-service-setting`, billed per call).
   * The default leaves a third of the default quota to the others.
   *
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html
   * @default 2
   */
  readonly writesPerSecond?: number;
}

/**
 * How a hierarchy's SecureStrings are deployed: one custom resource each (the default), or in batches of
 * members written by one custom resource per chunk, for thousands of parameters in one stack.
 */
export class HierarchyDeployment {
  /** The `writesPerSecond` of a batched deployment that sets none. */
  public static readonly DEFAULT_WRITES_PER_SECOND = 2;

  /** The most `writesPerSecond` may be: PutParameter's quota with the higher throughput setting. */
  public static readonly MAX_WRITES_PER_SECOND = 10;

  /** The default: one custom resource per SecureString, each with its own attributes (e.g. `parameterVersion`). */
  public static perParameter(): HierarchyDeployment {
    return new HierarchyDeployment(false, undefined);
  }

  /**
   * Members written in chunks, one custom resource per chunk, one chunk after another, at `writesPerSecond`.
   * A member has no attribute of its own (no `parameterVersion`, no `secureValue`).
   */
  public static batched(options: BatchedDeploymentOptions = {}): HierarchyDeployment {
    return new HierarchyDeployment(true, options.writesPerSecond ?? HierarchyDeployment.DEFAULT_WRITES_PER_SECOND);
  }

  /** Whether members are written in batches. */
  public readonly isBatched: boolean;

  /** The PutParameter rate of a batched deployment; undefined for per-parameter. */
  public readonly writesPerSecond?: number;

  private constructor(isBatched: boolean, writesPerSecond: number | undefined) {
    this.isBatched = isBatched;
    this.writesPerSecond = writesPerSecond;
  }
}
