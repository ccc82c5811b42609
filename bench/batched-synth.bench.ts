import { BenchResult, pairedTimings } from './bench-result';
import { BATCH_PATH, batchedStack, memberName, stringParameterStack, synthesizedTemplate } from './stacks';

/** Issue #13: a platform team's hierarchy of 5,000 SecureStrings in one stack. */
const N = 5_000;
/** The per-parameter synth time the batched one is held to: a stack of this many ssm.StringParameters. */
const BASELINE_N = 400;
const PAIRS = 7;
/** CloudFormation's template body limit when uploaded through S3. */
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_BYTES_PER_MEMBER = 120;

/**
 * The template of one batched hierarchy of N generated SecureStrings (names of about 24 characters relative
 * to the path), against ssm.StringParameters with the same full names. Bytes per member are the whole
 * template's (handler, key and chunks included) divided by N, not a marginal figure. N StringParameters
 * exceed CloudFormation's 500 resources (synth refuses them): the baseline is a stack of BASELINE_N,
 * scaled to N.
 */
export function batchedTemplateBench(): BenchResult[] {
  const ours = synthesizedTemplate(batchedStack(N));
  const sample = synthesizedTemplate(stringParameterStack(BASELINE_N, (i) => `${BATCH_PATH}/${memberName(i)}`));
  const baseline = { bytesPerMember: sample.bytes / BASELINE_N, bytes: Math.round((sample.bytes / BASELINE_N) * N), resources: N };
  const maxResources = N / 100 + 10;
  return [
    {
      name: `batched: template bytes per member (N = ${N}, minified, whole template / N)`,
      unit: 'bytes',
      ours: Math.round(ours.bytes / N),
      baseline: Math.round(baseline.bytesPerMember),
      baselineName: `ssm.StringParameter, whole template / ${BASELINE_N}`,
      goal: `≤ ${MAX_BYTES_PER_MEMBER} bytes`,
      met: ours.bytes / N <= MAX_BYTES_PER_MEMBER,
      note: `average relative name ${averageNameLength(N)} characters`,
    },
    {
      name: `batched: template size (N = ${N}, minified)`,
      unit: 'bytes',
      ours: ours.bytes,
      baseline: baseline.bytes,
      baselineName: `${N} ssm.StringParameter, scaled from ${BASELINE_N}`,
      goal: '≤ 1 MB',
      met: ours.bytes <= MAX_TEMPLATE_BYTES,
    },
    {
      name: `batched: CloudFormation resources in the stack (N = ${N})`,
      unit: 'resources',
      ours: ours.resources,
      baseline: baseline.resources,
      baselineName: `${N} ssm.StringParameter, over the 500 limit`,
      goal: `≤ N/100 + 10 = ${maxResources}`,
      met: ours.resources <= maxResources,
      note: 'the whole stack: chunks, the hierarchy key, and the handler (function, role, policy, log group, invoke config)',
    },
  ];
}

/**
 * Synth time per member of a batched hierarchy of N members, against synth time per parameter of
 * BASELINE_N ssm.StringParameters: both timed alternately in the same process, medians of PAIRS runs.
 */
export function batchedSynthTimeBench(): BenchResult[] {
  // warm both code paths (module loading, JIT) before timing
  synthesizedTemplate(batchedStack(100));
  synthesizedTemplate(stringParameterStack(100));
  const timing = pairedTimings(PAIRS, () => synthesizedTemplate(batchedStack(N)), () => synthesizedTemplate(stringParameterStack(BASELINE_N)));
  const perMemberRatio = (timing.ratio * BASELINE_N) / N;
  return [
    {
      name: `batched: synth time per member (N = ${N}, medians of ${PAIRS} alternating runs)`,
      unit: 'ms',
      ours: round3(timing.ours / N),
      baseline: round3(timing.baseline / BASELINE_N),
      baselineName: `per ssm.StringParameter of ${BASELINE_N}`,
      goal: '≤ 1×',
      met: perMemberRatio <= 1,
      note: `whole synth: ${Math.round(timing.ours)} ms for ${N}, ${Math.round(timing.baseline)} ms for ${BASELINE_N}; median of the pairwise per-member ratios: ${perMemberRatio.toFixed(2)}×`,
    },
  ];
}

function averageNameLength(n: number): string {
  let total = 0;
  for (let i = 0; i < n; i++) total += memberName(i).length;
  return (total / n).toFixed(1);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
