import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { AWS_LIMITS } from './aws-limits';
import { copySecrets } from './handler-policy';
import { assertManagedPolicySize } from './limit-checks';
import { renderedLength } from './rendered-size';
import { ParameterValidationError } from './validation-error';

/**
 * What a policy document adds around its statements (`{"Version":"2012-10-17","Statement":[]}`), with room for
 * the separators between them.
 */
const DOCUMENT_ENVELOPE = 64;
/**
 * IAM attaches at most 10 managed policies to a role (its default quota): the handler's own policy is one, one is
 * left for what users attach to the role; the copied secrets may take the other eight.
 */
const MAX_POLICIES = 8;
const WAY_OUT = 'Move part of the SecureStrings copied from Secrets Manager to another stack (each stack has its own handler).';

/**
 * The grants of the secrets that `SecureValue.fromSecret` copies: each secret's ARN must be listed (a secret ARN has
 * no path the handler could be scoped to, and no tag of ours), so they live apart from the handler's policy, in as
 * many customer-managed policies as they fill (about 40 secrets with 60-character names each), attached to its role.
 * Each policy is filled at construction, when a secret is registered, so its size is known before synthesis.
 */
export class CopiedSecretsPolicies extends Construct {
  private readonly policies: Array<{ readonly policy: iam.CfnManagedPolicy; readonly secrets: secretsmanager.ISecret[] }> = [];

  constructor(scope: Construct, id: string, private readonly roleName: string, private readonly dependent: IConstruct) {
    super(scope, id);
  }

  /** Grants the handler `secret` (and its key through Secrets Manager) for the parameter `name`. */
  public add(name: string, secret: secretsmanager.ISecret): void {
    let last = this.policies.at(-1);
    if (last?.secrets.includes(secret)) {
      return;
    }
    if (last === undefined || this.length([...last.secrets, secret]) > AWS_LIMITS.managedPolicyCharacters) {
      last = this.newPolicy(name);
    }
    last.secrets.push(secret);
  }

  private newPolicy(name: string): { policy: iam.CfnManagedPolicy; secrets: secretsmanager.ISecret[] } {
    if (this.policies.length === MAX_POLICIES) {
      const copied = this.policies.reduce((n, p) => n + p.secrets.length, 0);
      throw new ParameterValidationError(
        this,
        `${name}: SecureValue.fromSecret does not fit: this stack's handler already copies ${copied} secrets, whose grants fill ${MAX_POLICIES} ` +
          `managed policies of ${AWS_LIMITS.managedPolicyCharacters.toLocaleString('en-US')} characters (IAM attaches at most 10 to a role). ${WAY_OUT}`,
      );
    }
    const secrets: secretsmanager.ISecret[] = [];
    const policy = new iam.CfnManagedPolicy(this, `Policy${this.policies.length + 1}`, {
      description: 'The Secrets Manager secrets the SecureString parameter handler copies (SecureValue.fromSecret), and their keys',
      roles: [this.roleName],
      policyDocument: Lazy.uncachedAny({
        produce: (context) => {
          const document = new iam.PolicyDocument({ statements: copySecrets(this, secrets) });
          // sized as the template will hold it: a secret's partial ARN is a string joined to a reference, which some
          // resolution passes of a Lazy render as "[object Object]"
          assertManagedPolicySize(policy, Stack.of(this).resolve(document), WAY_OUT);
          return context.resolve(document);
        },
      }),
    });
    // the handler may run only once it may read the secrets
    this.dependent.node.addDependency(policy);
    this.policies.push({ policy, secrets });
    return this.policies.at(-1)!;
  }

  private length(secrets: secretsmanager.ISecret[]): number {
    return DOCUMENT_ENVELOPE + renderedLength(this, copySecrets(this, secrets).map((s) => s.toStatementJson()));
  }
}
