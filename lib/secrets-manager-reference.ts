import { Resource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parameterArnFor } from './private/parameter-name';
import { ParameterValidationError } from './private/validation-error';

/** Properties of a {@link SecretsManagerReference}. */
export interface SecretsManagerReferenceProps {
  /** The secret to read through Parameter Store. */
  readonly secret: secretsmanager.ISecret;
}

/** The path under which Parameter Store serves Secrets Manager secrets. */
const REFERENCE_PATH = '/aws/reference/secretsmanager/';

/**
 * A Secrets Manager secret read through Parameter Store (`/aws/reference/secretsmanager/<name>`), for code
 * and tools that only speak Parameter Store. It is an `ssm.IParameter` whose `grantRead` gives
 * `ssm:GetParameter` on the reference, and `secretsmanager:GetSecretValue` plus the secret key's
 * `kms:Decrypt` through Secrets Manager, which Parameter Store calls as the reader.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/integration-ps-secretsmanager.html
 */
export class SecretsManagerReference extends Resource implements ssm.IParameter {
  public readonly parameterName: string;
  public readonly parameterArn: string;
  public readonly parameterType: string = ssm.ParameterType.SECURE_STRING;
  /** The secret behind the reference. */
  public readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: SecretsManagerReferenceProps) {
    super(scope, id);
    this.secret = props.secret;
    this.parameterName = `${REFERENCE_PATH}${props.secret.secretName}`;
    this.parameterArn = parameterArnFor(this, this.parameterName);
  }

  public get parameterRef(): ssm.ParameterReference {
    return { parameterName: this.parameterName };
  }

  /** `ssm:GetParameter` on the reference, and the secret's own read grant (GetSecretValue, kms:Decrypt via Secrets Manager). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const reference = iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [this.parameterArn] });
    return reference.combine(this.secret.grantRead(grantee));
  }

  /** Always throws: a reference is read-only; write the secret in Secrets Manager. */
  public grantWrite(_grantee: iam.IGrantable): iam.Grant {
    throw new ParameterValidationError(this, `${this.parameterName} is a read-only reference to a Secrets Manager secret; grant writes on the secret itself`);
  }
}
