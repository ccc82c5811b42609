import { writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { batchedDeployBench } from './batched-deploy.bench';
import { batchedSynthTimeBench, batchedTemplateBench } from './batched-synth.bench';
import { BenchResult } from './bench-result';
import { deploySimulationBench } from './deploy-simulation.bench';
import { handlerBundleBench } from './handler-bundle.bench';
import { handlerPolicyBench } from './handler-policy.bench';
import { keyPolicyBench } from './key-policy.bench';
import { nagPackBench } from './nag-pack.bench';
import { pathGrantBench } from './path-grant.bench';
import { replicaDeployBench } from './replica.bench';
import { rotationBench, rotationSimulationBench } from './rotation.bench';
import { synthTimeBench } from './synth-time.bench';
import { templateSizeBench } from './template-size.bench';

/**
 * Runs every benchmark in one process and writes bench/RESULTS.md. Each figure is a ratio or a
 * count against a baseline measured in the same run, so results compare across machines.
 * With arguments, runs only the benchmarks whose function name contains one of them, and prints
 * their rows without writing RESULTS.md (`npm run bench -- batched`).
 */
const BENCHMARKS: Array<() => BenchResult[] | Promise<BenchResult[]>> = [
  keyPolicyBench,
  templateSizeBench,
  synthTimeBench,
  handlerBundleBench,
  handlerPolicyBench,
  pathGrantBench,
  deploySimulationBench,
  nagPackBench,
  batchedTemplateBench,
  batchedSynthTimeBench,
  // 8,000 members, about 6 s: the rotator on a simulated clock
  rotationSimulationBench,
  // last: each takes about nine minutes (1,000 writes at 2 per second)
  batchedDeployBench,
  rotationBench,
  replicaDeployBench,
];

function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function row(r: BenchResult): string {
  const ratio = r.baseline === 0 ? '-' : `${(r.ours / r.baseline).toFixed(2)}×`;
  return `| ${r.name} | ${r.ours} ${r.unit} | ${r.baseline} ${r.unit} (${r.baselineName}) | ${ratio} | ${r.goal} | ${r.met ? 'yes' : '**no**'} | ${r.note ?? ''} |`;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const selected = filters.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => filters.some((f) => b.name.includes(f)));
  const results: BenchResult[] = [];
  for (const bench of selected) {
    const started = Date.now();
    results.push(...(await bench()));
    console.error(`${bench.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${machine()}. Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| benchmark | ours | baseline (same run) | ratio | goal | met | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(row),
    '',
  ];
  if (filters.length === 0) {
    writeFileSync(path.join(__dirname, 'RESULTS.md'), lines.join('\n'));
  }
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
