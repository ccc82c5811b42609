import { writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchResult } from './bench-result';
import { keyPolicyBench } from './key-policy.bench';

/**
 * Runs every benchmark in one process and writes bench/RESULTS.md. Each figure is a ratio or a
 * count against a baseline measured in the same run, so results compare across machines.
 */
const BENCHMARKS: Array<() => BenchResult> = [keyPolicyBench];

function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function main(): void {
  const results = BENCHMARKS.map((bench) => bench());
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${machine()}. Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| benchmark | ours | baseline (same run) | ratio | goal | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) => `| ${r.name} | ${r.ours} ${r.unit} | ${r.baseline} ${r.unit} (${r.baselineName}) | ${(r.ours / r.baseline).toFixed(2)}× | ${r.goal} | ${r.met ? 'yes' : 'no'} |`,
    ),
    '',
  ];
  const out = path.join(__dirname, 'RESULTS.md');
  writeFileSync(out, lines.join('\n'));
  console.log(lines.join('\n'));
}

main();
