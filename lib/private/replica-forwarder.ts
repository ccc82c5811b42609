import { Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmedDeadLetterQueue } from './dead-letter-queue';
import { HandlerRole } from './handler-role';
import { checkEventPatternSize } from './limit-checks';
import { acknowledgeFinding } from './nag-acknowledgements';
import { REPLICATED_NAMES_WAY_OUT } from './replica-copier';
import { ParameterEventType } from '../parameter-events';

const DEAD_LETTER_QUEUE = 'This queue is the dead-letter queue of the forwarding rule; it has no dead-letter queue of its own.';

export interface ReplicaForwarderProps {
  readonly replicaRegion: string;
  /** The event pattern values of the replicated names (ReplicaCopier.eventNames). */
  readonly eventNames: string[];
}

/**
 * The source side of `follow`, in the source's stack: a rule for the `Parameter Store Change` events of the
 * replicated names (create, update, delete) that forwards them to the default event bus of the replica's region,
 * with a role that may put events there only, and a dead-letter queue with an alarm for events it could not
 * deliver. It reads nothing and writes no parameter: replicas never write back.
 */
export class ReplicaForwarder extends Construct {
  public readonly deadLetterQueue: sqs.Queue;
  public readonly alarm: cloudwatch.Alarm;
  private readonly roleStatements: iam.PolicyStatement[] = [];
  private readonly policy: iam.CfnManagedPolicy;

  constructor(scope: Construct, id: string, props: ReplicaForwarderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const role = new HandlerRole(this, 'Role', this.roleStatements, () => this.policy, {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Forwards changes of replicated SecureStrings to the default event bus of ${props.replicaRegion}`,
    });
    this.policy = new iam.CfnManagedPolicy(this, 'Policy', {
      description: `Puts events on the default event bus of ${props.replicaRegion} only`,
      roles: [role.roleName],
      // the statement targets.EventBus adds to the role (events:PutEvents on the bus), once the target is added
      policyDocument: Lazy.any({ produce: () => new iam.PolicyDocument({ statements: this.roleStatements }) }),
    });
    const { queue, alarm } = alarmedDeadLetterQueue(
      this,
      'UndeliveredChanges',
      `A change of a replicated SecureString could not be forwarded to ${props.replicaRegion}: its replica there is behind until the next change or deploy.`,
    );
    acknowledgeFinding(queue.node.defaultChild as sqs.CfnQueue, 'AwsSolutions-SQS3', DEAD_LETTER_QUEUE);
    acknowledgeFinding(queue.node.defaultChild as sqs.CfnQueue, 'Serverless-SQSRedrivePolicy', DEAD_LETTER_QUEUE);
    this.deadLetterQueue = queue;
    this.alarm = alarm;
    const rule = new events.Rule(this, 'Changes', {
      description: `Forwards changes of replicated SecureStrings to ${props.replicaRegion}`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: [ParameterEventType.CHANGE],
        detail: { name: props.eventNames, operation: ['Create', 'Update', 'Delete'] },
      },
    });
    checkEventPatternSize(rule.node.defaultChild as events.CfnRule, REPLICATED_NAMES_WAY_OUT);
    const bus = events.EventBus.fromEventBusArn(this, 'ReplicaRegionBus', `arn:${stack.partition}:events:${props.replicaRegion}:${stack.account}:event-bus/default`);
    rule.addTarget(new targets.EventBus(bus, { role, deadLetterQueue: this.deadLetterQueue }));
  }
}
