import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BenchResult, pairedTimings } from './bench-result';
import { parameterName } from './stacks';
import { ParameterHierarchy, ParameterStoreChecks, SecureValue } from '../lib';

const N = 450;
const PAIRS = 15;

/** N SecureStrings under one hierarchy, with a reader and a writer: the app both packs check. */
function appWithParameters(n: number): Stack {
  const stack = new Stack(new App(), 'Bench', { env: { account: '111111111111', region: 'eu-west-1' } });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/myapp/prod' });
  for (let i = 0; i < n; i++) {
    hierarchy.addSecureString(`P${i}`, { name: parameterName(i).slice('/myapp/prod/'.length), value: SecureValue.generated() });
  }
  const lambdaPrincipal = { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') };
  hierarchy.grantRead(new iam.Role(stack, 'Reader', lambdaPrincipal));
  hierarchy.grantWrite(new iam.Role(stack, 'Writer', lambdaPrincipal), 'service1');
  return stack;
}

/**
 * One ParameterStoreChecks run against one AwsSolutionsChecks run on the same app, alternating: our pack
 * resolves each stack once, so it should cost no more than cdk-nag's own pack of ~100 rules.
 */
export function nagPackBench(): BenchResult[] {
  const stack = appWithParameters(N);
  const ours = () => new ParameterStoreChecks().validateScope(stack);
  const baseline = () => new AwsSolutionsChecks().validateScope(stack);
  // warm both code paths (module loading, JIT) before timing
  for (let i = 0; i < 3; i++) {
    ours();
    baseline();
  }
  const timing = pairedTimings(PAIRS, ours, baseline);
  return [
    {
      name: `cdk-nag run on an app of ${N} SecureStrings (medians of ${PAIRS} alternating runs)`,
      unit: 'ms',
      ours: Math.round(timing.ours),
      baseline: Math.round(timing.baseline),
      baselineName: 'AwsSolutionsChecks on the same app',
      goal: '≤ 1×',
      met: timing.ratio <= 1,
      note: `median of the pairwise ratios: ${timing.ratio.toFixed(2)}×`,
    },
  ];
}
