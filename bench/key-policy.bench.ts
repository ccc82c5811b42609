import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BenchResult } from './bench-result';
import { ParameterKey } from '../lib';

function keyPolicyBytes(makeKey: (stack: Stack) => void): number {
  const stack = new Stack(new App(), 'Bench');
  makeKey(stack);
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  return JSON.stringify(key.Properties.KeyPolicy).length;
}

/**
 * Key policy size of a ParameterKey (explicit admin actions plus a ViaService-conditioned crypto
 * statement) against aws-cdk-lib's default kms.Key policy. Key policies are limited to 32 KB;
 * what matters is that ours leaves almost all of it for sharing statements.
 */
export function keyPolicyBench(): BenchResult[] {
  const ours = keyPolicyBytes((stack) => new ParameterKey(stack, 'Key'));
  const baseline = keyPolicyBytes((stack) => new kms.Key(stack, 'Key'));
  const limit = 32 * 1024;
  return [{
    name: 'key policy size',
    unit: 'bytes',
    ours,
    baseline,
    baselineName: 'kms.Key default policy',
    goal: `≤ 5% of the 32 KB key policy limit (${Math.round(limit * 0.05)} bytes)`,
    met: ours <= limit * 0.05,
  }];
}
