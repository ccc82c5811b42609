import { IConstruct } from 'constructs';
import { acknowledgeWorkerFindings } from './worker-acknowledgements';
import type { Worker } from './worker-function';

/**
 * The cdk-nag findings on the rotator's own resources that remain by design, each acknowledged by its exact
 * id with its reason. What an option of the app resolves is left for the app to see.
 */
export function acknowledgeRotatorFindings(scope: IConstruct, worker: Worker): void {
  acknowledgeWorkerFindings(scope, worker, {
    name: 'rotator',
    unscopable:
      'ssm:DescribeParameters (the one Parameter Store call that filters by tag, returning metadata and never a value) and X-Ray ' +
      'PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    noReservation:
      'A reserved concurrency fails deployment in accounts with a low concurrency quota; the rotator paces its writes to the PutParameter quota instead.',
    logs: 'The rotator logs parameter names, versions and redacted reasons, never a value; CloudWatch Logs encrypts them at rest.',
  });
}
