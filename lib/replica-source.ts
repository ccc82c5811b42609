import { IConstruct } from 'constructs';
import type { ParameterHierarchy } from './parameter-hierarchy';
import type { SecureStringParameterBase } from './private/secure-string-parameter-base';
import type { SecureStringParameter } from './secure-string-parameter';

/**
 * What a {@link ParameterReplica} copies into its region: every SecureString of a hierarchy (and its
 * children), or a list of SecureStringParameters. The sources are read at synth time: create the replica
 * after the last SecureString is added to its source.
 */
export class ReplicaSource {
  /**
   * Every SecureString of the hierarchy and of its child hierarchies, under the same path in the replica's
   * region, batched when the hierarchy is batched. Plain String and StringList parameters are not copied.
   */
  public static hierarchy(hierarchy: ParameterHierarchy): ReplicaSource {
    return new ReplicaSource(hierarchy, () => hierarchy._secureStrings(), hierarchy);
  }

  /** These SecureStrings, each under the same name in the replica's region. */
  public static parameters(parameters: SecureStringParameter[]): ReplicaSource {
    const first = parameters[0];
    return new ReplicaSource(first, () => new Map(parameters.map((p) => [p._name, p])), undefined);
  }

  /**
   * The construct that names the source in messages and tells its stack (undefined for an empty list).
   * @internal
   */
  public readonly _scope: IConstruct | undefined;

  /**
   * The source SecureStrings by full name, as they are now.
   * @internal
   */
  public readonly _members: () => Map<string, SecureStringParameterBase>;

  /**
   * The hierarchy, for a hierarchy source.
   * @internal
   */
  public readonly _hierarchy: ParameterHierarchy | undefined;

  private constructor(
    scope: IConstruct | undefined,
    members: () => Map<string, SecureStringParameterBase>,
    hierarchy: ParameterHierarchy | undefined,
  ) {
    this._scope = scope;
    this._members = members;
    this._hierarchy = hierarchy;
  }
}
