// Mutation testing, one module at a time.
//
//   npx projen mutation                       every module below, one after the other
//   npx projen mutation parameter-name ...    only the named modules
//
// Each module's mutants are judged by the module's own unit tests only (test/ mirrors lib/). Stryker cannot tell
// which test covers a static mutant (a module-level constant, such as a regex), so it runs every test file related
// to the module for each of them: hundreds of tests, ~90 s a mutant on 2 cores. Limiting jest to the module's own
// files keeps "ignoreStatic" false (no mutant hidden) and a module to minutes. The shared settings are in
// stryker.config.json; the reports go to reports/mutation/<module>.html and .json.
import { Stryker } from '@stryker-mutator/core';

/** Module name → the file it mutates and the test files meant to pin it. */
const MODULES = {
  'parameter-grants': ['lib/private/parameter-grants.ts', 'test/private/parameter-grants.test.ts'],
  'parameter-name': ['lib/private/parameter-name.ts', 'test/private/parameter-name.test.ts'],
  'policy-validation': ['lib/private/policy-validation.ts', 'test/private/policy-validation.test.ts', 'test/parameter-policy.test.ts'],
  // the lifecycle's ownership and rollback rules are tested in files of their own
  'lifecycle': ['lib/handler/lifecycle.ts', 'test/handler/lifecycle.test.ts', 'test/handler/ownership.test.ts', 'test/handler/rollback.test.ts'],
  'ownership': ['lib/handler/ownership.ts', 'test/handler/ownership.test.ts'],
  'read-back': ['lib/handler/read-back.ts', 'test/handler/read-back.test.ts'],
  'source-labels': ['lib/handler/source-labels.ts', 'test/handler/rollback.test.ts'],
  'source-fingerprint': ['lib/handler/source-fingerprint.ts', 'test/handler/source-fingerprint.test.ts', 'test/handler/rollback.test.ts'],
  // a chunk's events through the entry point, against the in-memory Parameter Store (the whole-deploy scenarios of
  // removals are in batch.test.ts as well)
  'batch': ['lib/handler/batch.ts', 'test/handler/batch.test.ts'],
  'batch-removals': ['lib/handler/batch-removals.ts', 'test/handler/batch-removals.test.ts', 'test/handler/batch.test.ts'],
  // the copier's answer to one event, and the sweep's (reconcileReplica), over two fake regions
  'replica-copy': ['lib/handler/replica-copy.ts', 'test/handler/replica-copy.test.ts'],
  // the command's encrypt and --check steps (aws-sdk-client-mock; the moto suite is not its fast suite)
  'encrypt-command': ['lib/cli/encrypt-command.ts', 'test/cli/encrypt-command.test.ts'],
  // the pacer's slots, halvings and recovery, on a fake clock (never a real wait)
  'write-pacer': ['lib/handler/write-pacer.ts', 'test/handler/write-pacer.test.ts'],
  // the rotator's due rules and decisions, and its run over a tick (the fake Parameter Store, a fake clock)
  'rotation': ['lib/handler/rotation.ts', 'test/handler/rotation.test.ts', 'test/handler/rotation-write.test.ts'],
  // the rotator's invocation over a few parameters (the 8,000-member simulation, ~45 s a mutant, is not its fast suite)
  'rotation-run': ['lib/handler/rotation-run.ts', 'test/handler/rotation-run.test.ts', 'test/handler/rotation.test.ts'],
  // the two writers of a rotating parameter converging, each interleaved at every call of the other
  'rotation-write': ['lib/handler/rotation-write.ts', 'test/handler/rotation-write.test.ts', 'test/handler/rotation-interleaving.test.ts', 'test/handler/rotation.test.ts'],
  'deploy-write': ['lib/handler/deploy-write.ts', 'test/handler/deploy-write.test.ts', 'test/handler/rotation-interleaving.test.ts', 'test/handler/read-back.test.ts', 'test/handler/lifecycle.test.ts'],
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in MODULES));
if (unknown.length > 0) {
  console.error(`Unknown module(s): ${unknown.join(', ')}. Known: ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}

for (const name of requested.length > 0 ? requested : Object.keys(MODULES)) {
  const [mutated, ...tests] = MODULES[name];
  await new Stryker({
    configFile: 'stryker.config.json',
    mutate: [mutated],
    jest: { config: { testMatch: tests.map((test) => `<rootDir>/${test}`) } },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
  }).runMutationTest();
}
