import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ram from 'aws-cdk-lib/aws-ram';
import { Construct } from 'constructs';
import { flattenReference } from './nag-finding-id';
import { keyContextConditions } from './parameter-grants';
import { ParameterValidationError } from './validation-error';
import { ShareTarget } from '../share-target';

/** What to share and how the key policy names it. */
export interface ShareRequest {
  /** The parameter ARNs to put in the share. */
  readonly resourceArns: string[];
  /** `StringEquals` with one parameter ARN, or `StringLike` with `<path ARN>/*`. */
  readonly contextOperator: 'StringEquals' | 'StringLike';
  readonly contextArns: string;
  readonly key: kms.IKey;
  readonly targets: ShareTarget[];
}

/**
 * An AWS RAM share of Advanced parameters, and the key-policy statements that let the consumers decrypt
 * them through Parameter Store (only those parameters). Refuses the `aws/ssm` key and keys whose policy
 * this app cannot edit, saying what the key owner must add.
 */
export function shareParameters(scope: Construct, id: string, request: ShareRequest): ram.CfnResourceShare {
  if (request.targets.length === 0) {
    throw new ParameterValidationError(scope, 'shareWith needs at least one ShareTarget');
  }
  if (/alias\/aws\/ssm$/.test(flattenReference(Stack.of(scope).resolve(request.key.keyArn)))) {
    throw new ParameterValidationError(scope, 'a parameter encrypted with the AWS-managed aws/ssm key cannot be shared: its key policy cannot let other accounts decrypt. Use a ParameterKey.');
  }
  const contextConditions = keyContextConditions(scope, request.contextOperator, request.contextArns);
  for (const target of request.targets) {
    const statement = target._keyPolicyStatement(contextConditions, request.key.env.account);
    if (!request.key.addToResourcePolicy(statement).statementAdded) {
      throw new ParameterValidationError(
        scope,
        `the key ${request.key.node.path} is imported, so this app cannot edit its policy. Its owner must add: ` +
          JSON.stringify(readable(Stack.of(scope).resolve(statement.toStatementJson()))),
      );
    }
  }
  const stack = Stack.of(scope);
  return new ram.CfnResourceShare(scope, id, {
    name: `${stack.stackName}-${scope.node.id}-parameters`.slice(0, 255),
    resourceArns: request.resourceArns,
    principals: request.targets.map((t) => t.ramPrincipal),
    // sharing with an account outside the organization needs this; organizations and OUs do not
    allowExternalPrincipals: request.targets.some((t) => /^\d{12}$/.test(t.ramPrincipal)),
    permissionArns: [`arn:${stack.partition}:ram::aws:permission/AWSRAMDefaultPermissionSSMParameterReadOnly`],
  });
}

/** A resolved statement with each intrinsic written as text (`arn:<AWS::Partition>:ssm:...`), for a person to read. */
function readable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return flattenReference(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  }
  return value;
}
