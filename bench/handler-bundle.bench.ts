import { execFileSync } from 'child_process';
import { mkdtempSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { BenchResult } from './bench-result';

const ROOT = path.join(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'lib', 'handler', 'secure-string.lambda', 'index.js');
const ENTRY = path.join(ROOT, 'lib', 'handler', 'secure-string.lambda.ts');
const SDK_CLIENTS = ['@aws-sdk/client-ssm', '@aws-sdk/client-kms', '@aws-sdk/client-secrets-manager'];
const RUNS = 7;

/** The same entry point bundled with the SDK inside, as a handler that does not rely on the runtime's SDK would be. */
function bundledWithSdkBytes(): number {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'bench-')), 'index.js');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [ENTRY, '--bundle', '--platform=node', '--target=node22', '--minify', `--outfile=${out}`], {
    stdio: 'ignore',
  });
  return statSync(out).size;
}

/** Median milliseconds for a fresh Node.js process to load `modules` (what a cold start pays). */
function loadMs(modules: string[]): number {
  const script = `const t=process.hrtime.bigint();${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  const times = Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT }).toString())).sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)];
}

export function handlerBundleBench(): BenchResult[] {
  const ours = statSync(BUNDLE).size;
  const withSdk = bundledWithSdkBytes();
  const sdkLoad = loadMs(SDK_CLIENTS);
  const handlerLoad = loadMs([BUNDLE]);
  return [
    {
      name: 'handler bundle size (minified, SDK external)',
      unit: 'bytes',
      ours,
      baseline: withSdk,
      baselineName: 'the same handler with the SDK bundled',
      // a ratio to the same run's baseline: the handler's own code (operator messages, ownership, labels)
      // may grow with features; what must hold is that the SDK stays out of the bundle
      goal: '≤ 5% of the SDK-bundled handler',
      met: ours / withSdk <= 0.05,
    },
    {
      name: `handler module load time, fresh process (median of ${RUNS})`,
      unit: 'ms',
      ours: Math.round(handlerLoad * 10) / 10,
      baseline: Math.round(sdkLoad * 10) / 10,
      baselineName: 'loading the three SDK clients alone',
      goal: '≤ 1.2× (our code adds little to the SDK it needs)',
      met: handlerLoad / sdkLoad <= 1.2,
    },
  ];
}
