import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Who a parameter or a hierarchy is shared with through AWS RAM: an account, an organization, or an
 * organizational unit. Each also names the consumers in the key policy, so they can decrypt through
 * Parameter Store.
 */
export class ShareTarget {
  /** One AWS account, by its 12-digit id. */
  public static account(accountId: string): ShareTarget {
    if (!/^\d{12}$/.test(accountId)) {
      throw new Error(`account '${accountId}' is not a 12-digit AWS account id`);
    }
    return new ShareTarget(accountId, [new iam.AccountPrincipal(accountId)], {}, false);
  }

  /** Every account of an organization: `arn:aws:organizations::<management account>:organization/o-xxxxxxxxxx`. */
  public static organization(organizationArn: string): ShareTarget {
    const match = /^arn:[^:]+:organizations::\d{12}:organization\/(o-[a-z0-9]{10,32})$/.exec(organizationArn);
    if (!match) {
      throw new Error(`'${organizationArn}' is not an organization ARN (arn:aws:organizations::<account>:organization/o-...)`);
    }
    return new ShareTarget(organizationArn, [new iam.AnyPrincipal()], { StringEquals: { 'aws:PrincipalOrgID': match[1] } }, true);
  }

  /** Every account under an organizational unit: `arn:aws:organizations::<management account>:ou/o-xxxxxxxxxx/ou-xxxx-xxxxxxxx`. */
  public static organizationalUnit(ouArn: string): ShareTarget {
    const match = /^arn:[^:]+:organizations::\d{12}:ou\/(o-[a-z0-9]{10,32})\/(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/.exec(ouArn);
    if (!match) {
      throw new Error(`'${ouArn}' is not an organizational unit ARN (arn:aws:organizations::<account>:ou/o-.../ou-...)`);
    }
    return new ShareTarget(ouArn, [new iam.AnyPrincipal()], {
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${match[1]}/*/${match[2]}/*` },
    }, true);
  }

  /** The principal as AWS RAM takes it: an account id, or an organization or OU ARN. */
  public readonly ramPrincipal: string;

  private constructor(
    ramPrincipal: string,
    private readonly keyPrincipals: iam.IPrincipal[],
    private readonly principalConditions: Record<string, Record<string, string>>,
    /** Whether the principal conditions can also match the key's own account (an organization or OU holding it). */
    private readonly mayMatchKeyAccount: boolean,
  ) {
    this.ramPrincipal = ramPrincipal;
  }

  /**
   * The key-policy statement that lets these consumers decrypt under `contextConditions` (the shared
   * parameters' encryption context, through Parameter Store). `keyAccount` is the account that owns the
   * key (a token when the stack is environment-agnostic).
   * @internal
   */
  public _keyPolicyStatement(contextConditions: Record<string, Record<string, unknown>>, keyAccount: string): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: `AllowSharedParameterDecrypt${this.ramPrincipal.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 100),
      principals: this.keyPrincipals,
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: mergeConditions(contextConditions, this.principalConditions, this.keyAccountExclusion(keyAccount)),
    });
  }

  /**
   * For the key's own account a key-policy allow needs no IAM allow: a `Principal: *` statement matched by
   * organization would let any principal there with `ssm:GetParameter` decrypt without `kms:Decrypt`. Its
   * principals decrypt through their IAM grants instead.
   */
  private keyAccountExclusion(keyAccount: string): Record<string, Record<string, string>> {
    return this.mayMatchKeyAccount ? { StringNotEquals: { 'aws:PrincipalAccount': keyAccount } } : {};
  }
}

/** One condition block from several: keys under the same operator are put together, not replaced. */
function mergeConditions(...blocks: Array<Record<string, Record<string, unknown>>>): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const block of blocks) {
    for (const [operator, values] of Object.entries(block)) {
      merged[operator] = { ...merged[operator], ...values };
    }
  }
  return merged;
}
