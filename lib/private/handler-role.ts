import * as crypto from 'crypto';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';

/**
 * The handler role's name: `ssp-handler-<hash>-<region>`, at most 12 + 8 + 1 + 15 = 36 of IAM's 64 characters.
 *
 * Why a fixed name at all: the key policy of a key that committed ciphertext is made under must name this
 * role (direct kms:Decrypt), and that key may live in another stack of the app, which references this
 * stack's parameters. A reference back to the role would be a cycle between the two stacks; a name known
 * at synth time is not a reference.
 *
 * Why this name: role names are unique per account across regions, so the region is in it, and the same
 * app may be deployed under several stack names in one account and region (stages, branches), so the
 * hash covers the stack's deployed name as well as the handler's place in the app. A nested stack's name
 * is known only at deploy time: the name of the top-level stack that deploys it stands in for it, and the
 * construct path tells the nested stacks of one parent apart.
 */
export function handlerRoleName(handler: IConstruct): string {
  const stack = Stack.of(handler);
  return `ssp-handler-${shortHash(`${deployedStackName(stack)}:${handler.node.path}`)}-${stack.region}`;
}

/** The role's ARN built from its name, so that a key policy can name it without a reference. */
export function handlerRoleArn(handler: IConstruct): string {
  const stack = Stack.of(handler);
  return `arn:${stack.partition}:iam::${stack.account}:role/${handlerRoleName(handler)}`;
}

/** The name of the top-level stack whose deployment creates this stack (itself unless nested). */
function deployedStackName(stack: Stack): string {
  let top = stack;
  while (top.nestedStackParent) {
    top = top.nestedStackParent;
  }
  return top.stackName;
}

function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The handler's role: what aws-cdk-lib grants it (a dead-letter queue's SendMessage, ...) goes into the
 * handler's customer-managed policy instead of an inline default policy (HIPAA, NIST and PCI refuse those).
 */
export class HandlerRole extends iam.Role {
  constructor(
    scope: Construct,
    id: string,
    private readonly statements: iam.PolicyStatement[],
    private readonly policy: () => IConstruct,
    props: iam.RoleProps,
  ) {
    super(scope, id, props);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.statements.push(statement);
    return { statementAdded: true, policyDependable: this.policy() };
  }
}
