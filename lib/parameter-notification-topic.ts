import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IParameterEventSource } from './parameter-events';
import { ParameterPolicyType } from './parameter-policy';
import { acknowledgeFinding } from './private/nag-acknowledgements';

/** Properties of a {@link ParameterNotificationTopic}. */
export interface ParameterNotificationTopicProps {
  /**
   * The topic's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly topicName?: string;

  /**
   * Which policy actions `watch` sends to the topic.
   *
   * @default - every policy action: expirations, expiration notifications and no-change notifications
   */
  readonly policyTypes?: ParameterPolicyType[];
}

/**
 * An SNS topic for parameter expiry warnings that cdk-nag accepts as it is: encrypted with a rotating
 * customer-managed key that EventBridge may use, publish over TLS only, and a dead-letter queue (encrypted,
 * TLS only) for events EventBridge cannot deliver. Subscribe people or systems to `topic`.
 */
export class ParameterNotificationTopic extends Construct {
  /** The topic that receives the policy actions. */
  public readonly topic: sns.Topic;

  /** The key that encrypts the topic and the dead-letter queue. */
  public readonly encryptionKey: kms.Key;

  /** Where EventBridge puts the events it could not deliver to the topic. */
  public readonly deadLetterQueue: sqs.Queue;

  private readonly policyTypes?: ParameterPolicyType[];
  private readonly watchedAlarms = new Set<cloudwatch.AlarmBase>();

  constructor(scope: Construct, id: string, props: ParameterNotificationTopicProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policyTypes = props.policyTypes;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: 'Encrypts parameter expiry notifications (SNS topic and dead-letter queue)',
      enableKeyRotation: true,
    });
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeOfThisAccount',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', { topicName: props.topicName, masterKey: this.encryptionKey, enforceSSL: true });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = this.deadLetterQueue.node.defaultChild as sqs.CfnQueue;
    const isDeadLetterQueue = 'This queue is the dead-letter queue of the notification rules; a dead-letter queue of its own would never be read.';
    acknowledgeFinding(queue, 'AwsSolutions-SQS3', isDeadLetterQueue);
    acknowledgeFinding(queue, 'Serverless-SQSRedrivePolicy', isDeadLetterQueue);
  }

  /**
   * Sends the policy actions of a parameter or a hierarchy to the topic, with the dead-letter queue.
   *
   * @param id the id of the rule, created in the source's scope
   * @param source a SecureStringParameter or a ParameterHierarchy
   */
  public watch(id: string, source: IParameterEventSource): events.Rule {
    return source.onPolicyAction(id, {
      policyTypes: this.policyTypes,
      description: `Parameter Store policy actions sent to ${this.node.path}`,
      target: new targets.SnsTopic(this.topic, { deadLetterQueue: this.deadLetterQueue }),
    });
  }

  /**
   * Sends an alarm's changes to ALARM (a rotation alarm, say: `hierarchy.rotationAlarm`) to the topic: the
   * topic's policy lets this alarm publish, and the key's lets CloudWatch of this account use it. Without
   * either, CloudWatch cannot publish to the encrypted topic and the notification is lost.
   *
   * @param alarm the alarm to route (once, however often it is given)
   */
  public watchAlarm(alarm: cloudwatch.AlarmBase): void {
    if (this.watchedAlarms.has(alarm)) {
      return;
    }
    if (this.watchedAlarms.size === 0) {
      this.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsOfThisAccount',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    }
    this.watchedAlarms.add(alarm);
    // the topic has a resource policy (TLS only, EventBridge): without a statement for it, the alarm may not publish
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowAlarm${this.watchedAlarms.size}`,
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': alarm.alarmArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    alarm.addAlarmAction(new cw_actions.SnsAction(this.topic));
  }
}
