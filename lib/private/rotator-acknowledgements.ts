import { CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { acknowledgeFinding } from './nag-acknowledgements';
import { wildcardResourceFinding } from './nag-finding-id';
import { SecureStringHandlerOptions } from '../secure-string-handler-options';

/** The rotator's resources, as {@link acknowledgeRotatorFindings} needs them. */
export interface RotatorResources {
  readonly policy: iam.CfnManagedPolicy;
  readonly fn: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly queue: sqs.Queue;
  /** The stack's handler options, which the rotator follows (runtime, VPC, log key). */
  readonly options: SecureStringHandlerOptions;
}

/**
 * The cdk-nag findings on the rotator's own resources that remain by design, each acknowledged by its exact
 * id with its reason. What an option of the app resolves is left for the app to see.
 */
export function acknowledgeRotatorFindings(scope: IConstruct, resources: RotatorResources): void {
  const { policy, fn, logGroup, queue, options } = resources;
  acknowledgeFinding(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    'ssm:DescribeParameters (the one Parameter Store call that filters by tag, returning metadata and never a value) and X-Ray ' +
      'PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
  );
  acknowledgeFinding(
    policy,
    wildcardResourceFinding(scope, 'AwsSolutions-IAM5', `${logGroup.logGroupArn}:log-stream:*`),
    'Lambda names its log streams at run time; the wildcard covers only the streams of the rotator\'s own log group.',
  );
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  acknowledgeFinding(
    fn.node.findChild('EventInvokeConfig').node.defaultChild as CfnResource,
    'Serverless-LambdaAsyncFailureDestination',
    'A failed rotation goes to the function\'s dead-letter queue, whose alarm the construct exposes.',
  );
  const noVpc = 'The rotator calls only Parameter Store; it runs in the VPC that SecureStringParameter.configureHandler gives, if any.';
  for (const id of options.vpc ? [] : ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC']) {
    acknowledgeFinding(cfnFunction, id, noVpc);
  }
  const noReservation =
    'A reserved concurrency fails deployment in accounts with a low concurrency quota; the rotator paces its writes to the PutParameter quota instead.';
  for (const id of ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency', 'PCI.DSS.321-LambdaConcurrency']) {
    acknowledgeFinding(cfnFunction, id, noReservation);
  }
  const pinnedRuntime =
    'The library pins the rotator to a runtime it is tested on (the handler\'s); SecureStringHandlerOptions.runtime picks another.';
  for (const id of options.runtime ? [] : ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    acknowledgeFinding(cfnFunction, id, pinnedRuntime);
  }
  const noSecretsInLogs =
    'The rotator logs parameter names, versions and redacted reasons, never a value; CloudWatch Logs encrypts them at rest.';
  for (const id of options.logEncryptionKey ? [] : ['HIPAA.Security-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'PCI.DSS.321-CloudWatchLogGroupEncrypted']) {
    acknowledgeFinding(logGroup.node.defaultChild as CfnResource, id, noSecretsInLogs);
  }
  const isDeadLetterQueue = 'This queue is the dead-letter queue of the rotator and of its EventBridge targets; it has no dead-letter queue of its own.';
  for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
    acknowledgeFinding(queue.node.defaultChild as CfnResource, id, isDeadLetterQueue);
  }
}
