import { Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { canonicalParameterName } from './handler-protocol';
import { resolveParameterKey } from './parameter-key-resolution';
import { parameterArnFor, parameterNameProblems } from './parameter-name';
import { SecureStringParameterBase } from './secure-string-parameter-base';
import { ParameterValidationError } from './validation-error';
import type { SecureStringParameterAttributes } from '../secure-string-parameter';

const PARAMETER_ARN = /^arn:[^:]+:ssm:[^:]*:\d{12}:parameter\/(.+)$/;

/** A SecureString that exists outside this app, by name or ARN. */
export class ImportedSecureStringParameter extends SecureStringParameterBase {
  public readonly parameterName: string;
  public readonly parameterArn: string;
  public readonly encryptionKey: kms.IKey;
  public readonly tier: ssm.ParameterTier;
  /** @internal */
  protected readonly _eventName: string;
  /** @internal */
  protected readonly _keyPolicyArn: string;
  /** @internal */
  public readonly _valueSource = undefined;

  constructor(scope: Construct, id: string, attrs: SecureStringParameterAttributes) {
    const concreteArn = attrs.parameterArn !== undefined && !Token.isUnresolved(attrs.parameterArn) ? attrs.parameterArn : undefined;
    super(scope, id, { environmentFromArn: concreteArn });
    const { name, arn } = nameAndArn(this, attrs);
    this.parameterName = name;
    this.parameterArn = arn;
    this._eventName = name;
    this._keyPolicyArn = arn;
    this.encryptionKey = resolveParameterKey(this, attrs.encryptionKey);
    this.tier = attrs.tier ?? ssm.ParameterTier.STANDARD;
  }
}

/** One of name or ARN, enough to derive the other: grants and the encryption context need both. */
function nameAndArn(scope: IConstruct, attrs: SecureStringParameterAttributes): { name: string; arn: string } {
  if (attrs.parameterArn !== undefined) {
    return fromArn(scope, attrs.parameterArn, attrs.parameterName);
  }
  if (attrs.parameterName === undefined) {
    throw new ParameterValidationError(scope, 'an imported SecureString needs parameterName or parameterArn');
  }
  if (Token.isUnresolved(attrs.parameterName)) {
    return { name: attrs.parameterName, arn: arnForTokenName(scope, attrs.parameterName, attrs.simpleName) };
  }
  const problems = parameterNameProblems(scope, attrs.parameterName);
  if (problems.length > 0) {
    throw new ParameterValidationError(scope, `parameterName '${attrs.parameterName}' is invalid: ${problems.join('; ')}`);
  }
  assertSimpleNameAgrees(scope, attrs.parameterName, attrs.simpleName);
  return { name: attrs.parameterName, arn: parameterArnFor(scope, attrs.parameterName) };
}

function fromArn(scope: IConstruct, parameterArn: string, parameterName: string | undefined): { name: string; arn: string } {
  if (Token.isUnresolved(parameterArn)) {
    if (parameterName === undefined) {
      throw new ParameterValidationError(scope, 'parameterArn is a token, so the name cannot be read from it: give parameterName too');
    }
    return { name: parameterName, arn: parameterArn };
  }
  const match = PARAMETER_ARN.exec(parameterArn);
  if (!match) {
    throw new ParameterValidationError(scope, `parameterArn '${parameterArn}' is invalid: expected arn:<partition>:ssm:<region>:<account>:parameter/<name>`);
  }
  // Parameter Store drops the leading slash after `parameter/`: `a` and `/a` are one parameter
  const nameFromArn = match[1].includes('/') ? `/${match[1]}` : match[1];
  const given = parameterName !== undefined && !Token.isUnresolved(parameterName) ? parameterName : undefined;
  if (given !== undefined && canonicalParameterName(given) !== canonicalParameterName(nameFromArn)) {
    throw new ParameterValidationError(scope, `parameterName '${given}' does not match parameterArn '${parameterArn}'`);
  }
  return { name: parameterName ?? nameFromArn, arn: parameterArn };
}

/**
 * The ARN of a name known only at deploy time. Parameter Store drops a name's leading `/` in its ARN, which
 * no intrinsic function can do conditionally: like aws-cdk-lib's `simpleName`, the app says which it is.
 */
function arnForTokenName(scope: IConstruct, name: string, simpleName: boolean | undefined): string {
  if (simpleName === undefined) {
    throw new ParameterValidationError(
      scope,
      'parameterName is a token, so whether it starts with \'/\' is unknown at synth time: set simpleName (true for a name without \'/\', false for a path such as /app/db)',
    );
  }
  const stack = Stack.of(scope);
  const separator = simpleName ? '/' : '';
  return `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${separator}${name}`;
}

function assertSimpleNameAgrees(scope: IConstruct, name: string, simpleName: boolean | undefined): void {
  const isSimple = !name.startsWith('/');
  if (simpleName !== undefined && simpleName !== isSimple) {
    throw new ParameterValidationError(scope, `parameterName '${name}' is ${isSimple ? '' : 'not '}a simple name, but simpleName is ${simpleName}; leave simpleName unset for a concrete name`);
  }
}
