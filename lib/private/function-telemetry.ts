import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Every log stream of a log group. Not `${logGroup.logGroupArn}:log-stream:*`: CloudFormation's
 * `Fn::GetAtt <LogGroup>.Arn` ends in `:*`, which would give `…:log-group:<name>:*:log-stream:*`, a pattern that
 * no stream ARN (`…:log-group:<name>:log-stream:<stream>`) matches: the function could write no log at all.
 */
export function logStreamsArn(logGroup: logs.ILogGroup): string {
  return Stack.of(logGroup).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${logGroup.logGroupName}:log-stream:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** What each of our functions needs to write its own logs and its X-Ray traces (which have no resource-level permissions). */
export function writeOwnLogsAndTraces(logGroup: logs.ILogGroup): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreamsArn(logGroup)] }),
    new iam.PolicyStatement({ sid: 'WriteTraces', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
  ];
}
