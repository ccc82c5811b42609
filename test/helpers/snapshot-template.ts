import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * The template for a jest snapshot, with each asset's content hash (the S3 key of a function's bundle) replaced
 * by a marker: a snapshot pins the template's shape, and every change to the bundled handler would otherwise
 * change it. The bundles themselves are tested by their own suites and by the local-package test.
 */
export function snapshotTemplate(stack: Stack): unknown {
  return JSON.parse(JSON.stringify(Template.fromStack(stack).toJSON()), (key, value) =>
    key === 'S3Key' && typeof value === 'string' && /^[0-9a-f]{64}\.zip$/.test(value) ? '<asset hash>.zip' : value,
  );
}
