import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { checkManagedPolicySize } from './limit-checks';
import { ParameterValidationError } from './validation-error';

/**
 * A grantee whose grants land in a customer-managed policy, which users attach to their roles: for teams
 * under HIPAA, NIST or PCI rules (cdk-nag's `IAMNoInlinePolicy` flags a role's inline default policy).
 *
 * It cannot stand on a key policy: a key that does not delegate to IAM (or a key of another account) must
 * name each principal, and the roles the policy will be attached to are unknown here. Naming the account
 * root instead would let every principal of the account with KMS permissions in; the grant is refused.
 */
class ManagedPolicyPrincipal extends iam.AccountPrincipal {
  constructor(public readonly policy: iam.ManagedPolicy) {
    super(Stack.of(policy).account);
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    throw new ParameterValidationError(
      this.policy,
      'a managed policy cannot grant on this key: its key policy does not delegate to IAM policies (or it is in another account), ' +
        'so each role must be named in it, and the roles this policy will be attached to are unknown. ' +
        'Use grantRead / grantWrite on each role, or a key that trusts the account\'s IAM policies (a ParameterKey, or a kms.Key of this account)',
    );
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/**
 * A new customer-managed policy (`scope`/`id`) holding exactly the statements that `grant` gives a role.
 * `grant` is the matching grant method, e.g. `(grantee) => this.grantRead(grantee, subPath)`.
 */
export function managedPolicyOf(scope: IConstruct, id: string, grant: (grantee: iam.IGrantable) => unknown): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, id);
  checkManagedPolicySize(policy);
  grant(new ManagedPolicyPrincipal(policy));
  return policy;
}

/**
 * Where a grantee's statements are written, for acknowledging a cdk-nag finding on them: the managed
 * policy of {@link managedPolicyOf}, or the grantee itself (a role, a user) and its default policy.
 * Undefined for a grantee that is not a construct (a service principal, an imported principal).
 */
export function statementHolderOf(grantee: iam.IGrantable): { scope: IConstruct; policy?: IConstruct } | undefined {
  const principal = grantee.grantPrincipal;
  if (principal instanceof ManagedPolicyPrincipal) {
    return { scope: principal.policy, policy: principal.policy.node.defaultChild };
  }
  const construct = principal as unknown as Partial<IConstruct>;
  if (!construct.node) {
    return undefined;
  }
  return { scope: construct as IConstruct, policy: construct.node.tryFindChild('DefaultPolicy')?.node.defaultChild };
}
