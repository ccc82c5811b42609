import { Annotations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { closestNames } from './closest-names';
import { tierKeyActions } from './key-actions';
import { statementHolderOf } from './managed-policy-grantee';
import { acknowledgeForNag3, suppressForNag2 } from './nag-acknowledgements';
import { wildcardResourceFinding } from './nag-finding-id';
import { GrantTarget } from './parameter-grants';
import { parameterArnFor } from './parameter-name';

/** The id to acknowledge the warning of a sub-path grant that matches no parameter declared in the app. */
const GRANT_MATCHES_NO_MEMBER = 'cdk-secure-parameters:grantMatchesNoMember';

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
   * Warns of each sub-path grant under which the app declares no parameter: most often a typo ('db/pasword'),
   * which the grantee would otherwise meet at runtime as AccessDenied. A warning, not an error: a writer
   * outside the app may create the parameter. Called at synth, once every member has been added.
   */
  public warnOfGrantsMatchingNoParameter(path: string, declaredNames: () => string[]): void {
    let namesUnderPath: string[] | undefined;
    for (const grant of this.grants.filter((g) => g.subPath !== '')) {
      const subPath = grant.subPath.replace(/\/+$/, '');
      namesUnderPath ??= relativeNamesUnder(path, declaredNames());
      // a level prefix is no match: 'db/pass' does not cover 'db/password'
      if (!namesUnderPath.some((name) => name === subPath || name.startsWith(`${subPath}/`))) {
        Annotations.of(this.hierarchy).addWarningV2(GRANT_MATCHES_NO_MEMBER, noMatchMessage(grant, path, subPath, namesUnderPath));
      }
    }
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

/** The names under `<path>/`, relative to it, as grants' sub-paths are written. */
function relativeNamesUnder(path: string, names: string[]): string[] {
  return names.filter((name) => name.startsWith(`${path}/`)).map((name) => name.slice(path.length + 1));
}

function noMatchMessage(grant: PathGrant, path: string, subPath: string, namesUnderPath: string[]): string {
  // every level a grant could name: 'db/password' offers 'db' and 'db/password'
  const grantable = namesUnderPath.flatMap((name) => name.split('/').map((_, i, levels) => levels.slice(0, i + 1).join('/')));
  const closest = closestNames(subPath, grantable);
  const declared = closest.length > 0 ? `the closest declared names under ${path} are ${closest.join(', ')}` : `the app declares no parameter under ${path}`;
  return (
    `${grant.method}(grantee, '${grant.subPath}') matches no parameter declared in this app (none is ${path}/${subPath} or under it); ${declared}. ` +
    'Correct the sub-path; if a writer outside this app creates the parameter, acknowledge this warning on the stack or another scope above the hierarchy'
  );
}
