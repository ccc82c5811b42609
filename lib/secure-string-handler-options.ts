import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Settings of a stack's deploy-time SecureString handler, for teams whose rules require them. Pass them
 * to `SecureStringParameter.configureHandler` before the stack's first SecureStringParameter.
 */
export interface SecureStringHandlerOptions {
  /**
   * Run the handler in this VPC. It calls SSM, KMS and Secrets Manager, so the subnets need a route to
   * them: a NAT gateway or interface endpoints (`ssm`, `kms`, `secretsmanager`).
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in the VPC.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the handler in the VPC.
   *
   * @default - a new security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * A dead-letter queue for invocations the handler could not process.
   *
   * @default - none: CloudFormation is the only invoker and gets each failure in the response
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * Reserved concurrency of the handler. It also paces writes under Parameter Store's 3 TPS, but fails
   * deployment in accounts whose concurrency quota is too low to reserve any. An invocation that waits in
   * Lambda's queue for more than 5 minutes is dropped (it could no longer answer CloudFormation in time),
   * and CloudFormation then times out: reserve enough for the parameters one deployment creates at once.
   *
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * A key to encrypt the handler's log group with. A key made in the app gets the key-policy statement
   * CloudWatch Logs needs.
   *
   * @default - CloudWatch Logs' own encryption (the handler logs no values)
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * How long the handler's logs are kept.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The Lambda runtime of the handler: a Node.js runtime, Node.js 22 or newer (the handler is bundled for
   * Node.js 22). The default is pinned by this library, not by aws-cdk-lib, so an aws-cdk-lib upgrade
   * does not change the handler's runtime.
   *
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
}
