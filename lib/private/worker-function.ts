import { Duration, Lazy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmedDeadLetterQueue } from './dead-letter-queue';
import { attachToVpc } from './handler-policy';
import { HandlerRole } from './handler-role';
import { handlerRuntime } from './handler-runtime';
import { assertManagedPolicySize } from './limit-checks';
import { SecureStringHandler } from './secure-string-handler';
import { SecureStringHandlerOptions } from '../secure-string-handler-options';

/** What a worker (the rotator, a replica's copier) is: its own words and code. */
export interface WorkerProps {
  /** The bundle directory under assets/. */
  readonly bundleDir: string;
  readonly functionDescription: string;
  readonly roleDescription: string;
  readonly policyDescription: string;
  /** The policy's statements, computed at synth time; what aws-cdk-lib adds to the role is appended. */
  readonly statements: (logGroup: logs.ILogGroup) => iam.PolicyStatement[];
  /** What to do when the policy would not fit IAM's managed policy size. */
  readonly policyWayOut: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly alarmId: string;
  readonly alarmDescription: string;
}

/** The resources of a worker, for its rules and its acknowledgements. */
export interface Worker {
  readonly function: lambda.Function;
  readonly policy: iam.CfnManagedPolicy;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
  /** The stack's handler options, which the worker follows (runtime, VPC, log key and retention). */
  readonly options: SecureStringHandlerOptions;
}

/**
 * A function that EventBridge invokes for the library, in `scope`: its role with one customer-managed policy
 * (HIPAA, NIST and PCI packs refuse inline ones; what aws-cdk-lib grants the role lands there too), its log
 * group, and a dead-letter queue with an alarm for invocations that failed after Lambda's retries. It follows
 * the stack's handler settings (in a VPC, its role may attach the function to it, as the handler's).
 */
export function createWorker(scope: Construct, props: WorkerProps): Worker {
  const options = SecureStringHandler.of(scope).options;
  const roleStatements: iam.PolicyStatement[] = [];
  let policy: iam.CfnManagedPolicy | undefined;
  const role = new HandlerRole(scope, 'Role', roleStatements, () => policy!, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  policy = new iam.CfnManagedPolicy(scope, 'Policy', {
    description: props.policyDescription,
    roles: [role.roleName],
    policyDocument: Lazy.uncachedAny({
      produce: (context) => {
        const vpcStatements = options.vpc ? [attachToVpc()] : [];
        const statements = [...props.statements(logGroup), ...vpcStatements, ...roleStatements];
        const document = context.resolve(new iam.PolicyDocument({ statements }));
        assertManagedPolicySize(policy!, document, props.policyWayOut);
        return document;
      },
    }),
  });
  const { queue, alarm } = alarmedDeadLetterQueue(scope, props.alarmId, props.alarmDescription);
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
    encryptionKey: options.logEncryptionKey,
  });
  const fn = new lambda.Function(scope, 'Function', {
    description: props.functionDescription,
    runtime: handlerRuntime(scope, options.runtime),
    handler: 'index.handler',
    code: lambda.Code.fromAsset(props.bundleDir),
    role,
    timeout: props.timeout,
    memorySize: 256,
    logGroup,
    environment: props.environment,
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets,
    securityGroups: options.securityGroups,
    deadLetterQueue: queue,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
  });
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  cfnFunction.tracingConfig = { mode: 'Active' };
  fn.node.addDependency(policy);
  // lambda.Function adds a DependsOn on its role, which the Role GetAtt already implies (cfn-lint W3005)
  cfnFunction.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
  return { function: fn, policy, logGroup, deadLetterQueue: queue, alarm, options };
}
