import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A dead-letter queue and the alarm that is on while it holds a message. */
export interface AlarmedQueue {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
}

/**
 * A dead-letter queue (SQS-managed encryption, TLS only, 14 days) in `scope` as `DeadLetterQueue`, and an alarm
 * as `alarmId` that goes off while a message waits there: what failed after its retries is kept and seen.
 */
export function alarmedDeadLetterQueue(scope: Construct, alarmId: string, alarmDescription: string): AlarmedQueue {
  const queue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const alarm = new cloudwatch.Alarm(scope, alarmId, {
    alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { queue, alarm };
}
