import { BenchResult, pairedTimings } from './bench-result';
import { secureStringStack, stringParameterStack, synthesizedTemplate } from './stacks';

const N = 400;
const PAIRS = 9;

/** Construct and synthesize N parameters, alternating with N StringParameters in the same process. */
export function synthTimeBench(): BenchResult[] {
  // warm both code paths (module loading, JIT) before timing
  synthesizedTemplate(secureStringStack(10));
  synthesizedTemplate(stringParameterStack(10));
  const timing = pairedTimings(PAIRS, () => synthesizedTemplate(secureStringStack(N)), () => synthesizedTemplate(stringParameterStack(N)));
  return [
    {
      name: `synth time of ${N} parameters (medians of ${PAIRS} alternating runs)`,
      unit: 'ms',
      ours: Math.round(timing.ours),
      baseline: Math.round(timing.baseline),
      baselineName: `${N} ssm.StringParameter`,
      goal: '≤ 1.5×',
      met: timing.ratio <= 1.5,
      note: `median of the pairwise ratios: ${timing.ratio.toFixed(2)}×`,
    },
  ];
}
