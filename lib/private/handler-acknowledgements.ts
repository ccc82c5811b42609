import { CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledgeFinding } from './nag-acknowledgements';
import { decryptContextFinding, wildcardResourceFinding } from './nag-finding-id';
import { SecureStringHandlerOptions } from '../secure-string-handler-options';

const ONLY_CLOUDFORMATION_INVOKES =
  'Only CloudFormation invokes this handler; each failure is reported to CloudFormation in the response and logged.';

/**
 * The cdk-nag findings on the handler's own resources that remain by design, each acknowledged on its
 * resource by its exact id with its reason. A finding that an option of the app resolves, or that the
 * app's own choice causes, is left for the app to see.
 */

/** The policy's covering path patterns (`parameter/app/prod/*`), one finding id each. */
export function acknowledgeParameterPattern(policy: iam.CfnManagedPolicy, finding: string): void {
  acknowledgeFinding(
    policy,
    finding,
    "The handler manages every SecureString of this stack under this path; the path ends in '/' so no sibling path matches.",
  );
}

/** S2 and S3 name every parameter of the account and region, scoped by the owner tag or to tags only. */
export function acknowledgeOwnershipReach(policy: iam.CfnManagedPolicy, accountParametersArn: string): void {
  acknowledgeFinding(
    policy,
    wildcardResourceFinding(policy, 'AwsSolutions-IAM5', accountParametersArn),
    'Two statements name every parameter of this account and region: one only where the parameter carries this ' +
      "stack's owner tag (aws:ResourceTag), so the handler reaches what it owns after a rename or a re-created stack; " +
      'the other reads tags only, which hold no secret, so the handler can tell a deleted parameter from one another stack owns.',
  );
}

/**
 * S4 names every key of the account and region, usable only through Parameter Store and for any parameter of
 * the account and region: both findings (cdk-nag's wildcard, our pack's account-wide context) by their exact ids.
 */
export function acknowledgeKeysThroughParameterStore(policy: iam.CfnManagedPolicy, accountKeysArn: string, accountParametersArn: string): void {
  const reason =
    'Encrypt, GenerateDataKey and Decrypt only with kms:ViaService Parameter Store and a parameter encryption context: ' +
    'Parameter Store calls them only for parameters the SSM statements allow, and the handler must reach the old key ' +
    'of a parameter it owns after a key change.';
  acknowledgeFinding(policy, wildcardResourceFinding(policy, 'AwsSolutions-IAM5', accountKeysArn), reason);
  acknowledgeFinding(policy, decryptContextFinding(policy, accountParametersArn), reason);
}

/** X-Ray and VPC actions that take no resource, and the handler's own log streams, named by Lambda at run time. */
export function acknowledgeUnscopableResources(policy: iam.CfnManagedPolicy, logStreamsFinding: string): void {
  acknowledgeFinding(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray PutTraceSegments and PutTelemetryRecords, and (in a VPC) the network-interface actions Lambda needs, support no resource-level permissions.',
  );
  acknowledgeFinding(
    policy,
    logStreamsFinding,
    'Lambda names its log streams at run time; the wildcard covers only the streams of the handler\'s own log group.',
  );
}

/** Its asynchronous invocation settings: CloudFormation is told of every failure, no destination needed. */
export function acknowledgeAsyncInvokeFindings(config: CfnResource): void {
  acknowledgeFinding(config, 'Serverless-LambdaAsyncFailureDestination', ONLY_CLOUDFORMATION_INVOKES);
}

/** The function's findings that its options leave by design: no DLQ, no VPC, no reservation, the pinned runtime. */
export function acknowledgeFunctionFindings(fn: lambda.CfnFunction, options: SecureStringHandlerOptions): void {
  const dlqRules = options.deadLetterQueue ? [] : ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'PCI.DSS.321-LambdaDLQ', 'Serverless-LambdaDLQ'];
  for (const id of [...dlqRules, 'Serverless-LambdaAsyncFailureDestination']) {
    acknowledgeFinding(fn, id, ONLY_CLOUDFORMATION_INVOKES);
  }
  const noVpc = 'The handler calls only AWS APIs (SSM, KMS, Secrets Manager) and is invoked only by CloudFormation; it needs no access to a VPC.';
  for (const id of options.vpc ? [] : ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC']) {
    acknowledgeFinding(fn, id, noVpc);
  }
  const noReservation =
    'A reserved concurrency fails deployment in accounts with a low concurrency quota; the handler paces itself against Parameter Store throttling instead.';
  for (const id of options.reservedConcurrentExecutions !== undefined ? [] : ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency', 'PCI.DSS.321-LambdaConcurrency']) {
    acknowledgeFinding(fn, id, noReservation);
  }
  // an app that picks its own runtime sees the finding: the choice is then the app's
  const pinnedRuntime =
    'The library pins the handler to a runtime it is tested on, so that an aws-cdk-lib upgrade never changes the function by itself; ' +
    'SecureStringHandlerOptions.runtime picks another.';
  for (const id of options.runtime ? [] : ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    acknowledgeFinding(fn, id, pinnedRuntime);
  }
}

/** The log group's encryption finding, unless the app gives a log key. */
export function acknowledgeLogGroupFindings(logGroup: CfnResource, options: SecureStringHandlerOptions): void {
  const noSecretsInLogs =
    'The handler logs only request types, logical ids, parameter names and redacted reasons, never a value; CloudWatch Logs encrypts them at rest. A customer-managed key would be a fifth shared resource per stack.';
  for (const id of options.logEncryptionKey ? [] : ['HIPAA.Security-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'PCI.DSS.321-CloudWatchLogGroupEncrypted']) {
    acknowledgeFinding(logGroup, id, noSecretsInLogs);
  }
}

/** A batched chunk reads its own stack's record: the stack's id ends in a UUID known only at deploy time. */
export function acknowledgeOwnStackRecords(policy: iam.CfnManagedPolicy, stackRecordsFinding: string): void {
  acknowledgeFinding(
    policy,
    stackRecordsFinding,
    'cloudformation:DescribeStackResource on this stack only: its ARN ends in an id CloudFormation assigns at creation.',
  );
}
