import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { ParameterStoreChecks } from '../../lib';

export const ACCOUNT = '111111111111';
export const ENV = { account: ACCOUNT, region: 'eu-west-1' };

export function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

/** Each finding of ParameterStoreChecks as `rule (level) @ construct path`. */
export function findings(scope: IConstruct): string[] {
  return new ParameterStoreChecks().validateScope(scope).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) @ ${r.constructPath}`),
  );
}

export function lambdaRole(scope: IConstruct, id: string): iam.Role {
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

/** A customer-managed policy holding exactly `statement`, as written (raw JSON reaches the template unchanged). */
export function policyWith(scope: IConstruct, id: string, statement: Record<string, unknown>): iam.CfnManagedPolicy {
  return new iam.CfnManagedPolicy(scope, id, { policyDocument: { Version: '2012-10-17', Statement: [statement] } });
}
