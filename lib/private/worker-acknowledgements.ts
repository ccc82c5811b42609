import { CfnResource } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { logStreamsArn } from './function-telemetry';
import { acknowledgeFinding } from './nag-acknowledgements';
import { wildcardResourceFinding } from './nag-finding-id';
import type { Worker } from './worker-function';

/** What the reasons say of the worker. */
export interface WorkerWording {
  /** `rotator`, `copier`. */
  readonly name: string;
  /** The actions on `*` of its policy, and why no resource can scope them. */
  readonly unscopable: string;
  /** Why it takes no reserved concurrency. */
  readonly noReservation: string;
  /** What it logs. */
  readonly logs: string;
}

/**
 * The cdk-nag findings on a worker's own resources that remain by design, each acknowledged by its exact id with
 * its reason. What an option of the app resolves is left for the app to see.
 */
export function acknowledgeWorkerFindings(scope: IConstruct, worker: Worker, wording: WorkerWording): void {
  const { policy, function: fn, logGroup, deadLetterQueue: queue, options } = worker;
  acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', wording.unscopable);
  acknowledgeFinding(
    policy,
    wildcardResourceFinding(scope, 'AwsSolutions-IAM5', logStreamsArn(logGroup)),
    `Lambda names its log streams at run time; the wildcard covers only the streams of the ${wording.name}'s own log group.`,
  );
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  const invokeConfig = fn.node.tryFindChild('EventInvokeConfig')?.node.defaultChild as CfnResource | undefined;
  acknowledgeFinding(
    invokeConfig ?? cfnFunction,
    'Serverless-LambdaAsyncFailureDestination',
    'A failed invocation goes to the function\'s dead-letter queue, whose alarm the construct exposes.',
  );
  const noVpc = `The ${wording.name} calls only AWS APIs; it runs in the VPC that SecureStringParameter.configureHandler gives, if any.`;
  for (const id of options.vpc ? [] : ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC']) {
    acknowledgeFinding(cfnFunction, id, noVpc);
  }
  for (const id of ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency', 'PCI.DSS.321-LambdaConcurrency']) {
    acknowledgeFinding(cfnFunction, id, wording.noReservation);
  }
  const pinnedRuntime = `The library pins the ${wording.name} to a runtime it is tested on (the handler's); SecureStringHandlerOptions.runtime picks another.`;
  for (const id of options.runtime ? [] : ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    acknowledgeFinding(cfnFunction, id, pinnedRuntime);
  }
  for (const id of options.logEncryptionKey ? [] : ['HIPAA.Security-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'PCI.DSS.321-CloudWatchLogGroupEncrypted']) {
    acknowledgeFinding(logGroup.node.defaultChild as CfnResource, id, wording.logs);
  }
  const isDeadLetterQueue = `This queue is the dead-letter queue of the ${wording.name} and of its EventBridge targets; it has no dead-letter queue of its own.`;
  for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
    acknowledgeFinding(queue.node.defaultChild as CfnResource, id, isDeadLetterQueue);
  }
}
