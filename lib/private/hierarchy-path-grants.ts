import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { tierKeyActions } from './key-actions';
import { statementHolderOf } from './managed-policy-grantee';
import { acknowledgeForNag3, suppressForNag2 } from './nag-acknowledgements';
import { wildcardResourceFinding } from './nag-finding-id';
import { GrantTarget } from './parameter-grants';
import { parameterArnFor } from './parameter-name';

/** A path grant made before a parameter of the same name was added would silently miss it. */
interface PathGrant {
  readonly subPath: string;
  readonly method: string;
  readonly keyStatement?: iam.PolicyStatement;
  readonly pathArn: string;
}

/** What a hierarchy remembers of its path grants, to keep them right as parameters are added. */
export class HierarchyPathGrants {
  private readonly grants: PathGrant[] = [];

  constructor(private readonly hierarchy: IConstruct, private readonly acknowledgeFindings: boolean) {}

  public remember(method: string, subPath: string | undefined, target: GrantTarget, grant: iam.Grant): void {
    const keyStatement = grant.principalStatements.find((s) => s.actions.some((a) => a.startsWith('kms:')));
    this.grants.push({ subPath: subPath ?? '', method, keyStatement: method === 'grantWrite' ? keyStatement : undefined, pathArn: target.pathArn! });
  }

  /** A SecureString of another tier under a path that writers may write gets its KMS action added to their grant. */
  public extendWriteGrantsFor(parameterName: string, tier: string): void {
    const arn = parameterArnFor(this.hierarchy, parameterName);
    for (const grant of this.grants.filter((g) => g.keyStatement && arn.startsWith(`${g.pathArn}/`))) {
      const missing = tierKeyActions(tier).filter((a) => !grant.keyStatement!.actions.includes(a));
      if (missing.length > 0) {
        grant.keyStatement!.addActions(...missing);
      }
    }
  }

  /** Sub-path grants made before a parameter of that very name was added: they missed it. */
  public grantsThatMissAParameter(isParameter: (subPath: string) => boolean, fullName: (subPath: string) => string): string[] {
    return this.grants
      .filter((g) => g.subPath !== '' && isParameter(g.subPath))
      .map(
        (g) =>
          `${this.hierarchy.node.path}: ${g.method}(grantee, '${g.subPath}') was called before the parameter ${fullName(g.subPath)} was added, ` +
          'so it granted the sub-path below that name and not the parameter. Add the parameter first, or use the parameter\'s own grant.',
      );
  }

  /**
   * The path wildcard is the point of a path grant. With `acknowledgeGrantFindings`, acknowledge exactly
   * that cdk-nag finding (IAM5 on `<path>/*`) where the grantee's statements are, with the reason — never a
   * blanket suppression. Without it, the grantee's owner sees the finding: the grantee is not ours to judge.
   */
  public acknowledgePathWildcard(grantee: iam.IGrantable, target: GrantTarget): void {
    const holder = statementHolderOf(grantee);
    if (!this.acknowledgeFindings || !holder) {
      return;
    }
    const finding = wildcardResourceFinding(holder.scope, 'AwsSolutions-IAM5', target.parameterArns);
    const reason = `Access to the parameters under ${target.pathArn!.split(':parameter')[1]}/ granted by ParameterHierarchy; the wildcard follows '/', so no sibling path matches.`;
    // on the grantee (or the managed policy of readPolicy/writePolicy), so it covers whichever of its
    // policies holds the statement (cdk-nag 3)...
    acknowledgeForNag3(holder.scope, finding, reason);
    // ...and on the policy resource itself, where cdk-nag 2 reads suppressions
    if (holder.policy instanceof iam.CfnPolicy || holder.policy instanceof iam.CfnManagedPolicy) {
      suppressForNag2(holder.policy, finding, reason);
    }
  }
}
