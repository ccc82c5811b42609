import { BenchResult } from './bench-result';
import { secureStringStack, stringParameterStack, synthesizedTemplate } from './stacks';

const N = 100;
/** CloudFormation quotas: resources per stack, and template body size when uploaded through S3. */
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_000_000;

/** Marginal resources and bytes per parameter, from stacks of N and 1 parameters. */
function perParameter(make: (n: number) => ReturnType<typeof secureStringStack>) {
  const one = synthesizedTemplate(make(1));
  const many = synthesizedTemplate(make(N));
  return {
    resources: (many.resources - one.resources) / (N - 1),
    bytes: (many.bytes - one.bytes) / (N - 1),
    fixedResources: one.resources - (many.resources - one.resources) / (N - 1),
    fixedBytes: one.bytes - (many.bytes - one.bytes) / (N - 1),
  };
}

/** The largest N whose template stays within both quotas, confirmed by synthesizing it. */
function largestN(make: (n: number) => ReturnType<typeof secureStringStack>, unit: ReturnType<typeof perParameter>): number {
  let n = Math.floor(Math.min((MAX_RESOURCES - unit.fixedResources) / unit.resources, (MAX_TEMPLATE_BYTES - unit.fixedBytes) / unit.bytes));
  const fits = (k: number) => {
    const t = synthesizedTemplate(make(k));
    return t.resources <= MAX_RESOURCES && t.bytes <= MAX_TEMPLATE_BYTES;
  };
  while (!fits(n)) n--;
  return n;
}

export function templateSizeBench(): BenchResult[] {
  const ours = perParameter(secureStringStack);
  const baseline = perParameter(stringParameterStack);
  const oursLargest = largestN(secureStringStack, ours);
  return [
    {
      name: `CloudFormation resources per parameter (N = ${N})`,
      unit: 'resources',
      ours: ours.resources,
      baseline: baseline.resources,
      baselineName: 'ssm.StringParameter',
      goal: '1',
      met: ours.resources === 1,
    },
    {
      name: `template bytes per parameter (N = ${N}, minified)`,
      unit: 'bytes',
      ours: Math.round(ours.bytes),
      baseline: Math.round(baseline.bytes),
      baselineName: 'ssm.StringParameter',
      goal: '≤ 400 bytes',
      met: ours.bytes <= 400,
      note: `shared per stack: ${ours.fixedResources} resources (handler function, role, policy, log group, default key)`,
    },
    {
      name: 'largest N in one stack (500 resources, 1 MB template)',
      unit: 'parameters',
      ours: oursLargest,
      baseline: largestN(stringParameterStack, baseline),
      baselineName: 'ssm.StringParameter',
      goal: '≥ 450',
      met: oursLargest >= 450,
    },
  ];
}
