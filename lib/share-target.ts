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
    return new ShareTarget(accountId, [new iam.AccountPrincipal(accountId)], {});
  }

  /** Every account of an organization: `arn:aws:organizations::<management account>:organization/o-xxxxxxxxxx`. */
  public static organization(organizationArn: string): ShareTarget {
    const match = /^arn:[^:]+:organizations::\d{12}:organization\/(o-[a-z0-9]{10,32})$/.exec(organizationArn);
    if (!match) {
      throw new Error(`'${organizationArn}' is not an organization ARN (arn:aws:organizations::<account>:organization/o-...)`);
    }
    return new ShareTarget(organizationArn, [new iam.AnyPrincipal()], { StringEquals: { 'aws:PrincipalOrgID': match[1] } });
  }

  /** Every account under an organizational unit: `arn:aws:organizations::<management account>:ou/o-xxxxxxxxxx/ou-xxxx-xxxxxxxx`. */
  public static organizationalUnit(ouArn: string): ShareTarget {
    const match = /^arn:[^:]+:organizations::\d{12}:ou\/(o-[a-z0-9]{10,32})\/(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/.exec(ouArn);
    if (!match) {
      throw new Error(`'${ouArn}' is not an organizational unit ARN (arn:aws:organizations::<account>:ou/o-.../ou-...)`);
    }
    return new ShareTarget(ouArn, [new iam.AnyPrincipal()], {
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${match[1]}/*/${match[2]}/*` },
    });
  }

  /** The principal as AWS RAM takes it: an account id, or an organization or OU ARN. */
  public readonly ramPrincipal: string;

  private constructor(
    ramPrincipal: string,
    private readonly keyPrincipals: iam.IPrincipal[],
    private readonly principalConditions: Record<string, Record<string, string>>,
  ) {
    this.ramPrincipal = ramPrincipal;
  }

  /**
   * The key-policy statement that lets these consumers decrypt under `contextConditions` (the shared
   * parameters' encryption context, through Parameter Store).
   * @internal
   */
  public _keyPolicyStatement(contextConditions: Record<string, Record<string, unknown>>): iam.PolicyStatement {
    const conditions = { ...contextConditions };
    for (const [operator, values] of Object.entries(this.principalConditions)) {
      conditions[operator] = { ...(conditions[operator] ?? {}), ...values };
    }
    return new iam.PolicyStatement({
      sid: `AllowSharedParameterDecrypt${this.ramPrincipal.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 100),
      principals: this.keyPrincipals,
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions,
    });
  }
}
