import { awscdk, DependencyType, javascript, JsonFile } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

// Versions are pinned on purpose: see ../shared/TOOLCHAIN.md for why each one.
const CDK_FLOOR = '2.257.0';
const CDK_CLI = '2.1148.1';
const INTEG_RUNNER = '2.197.10';
const INTEG_TESTS_ALPHA = '2.245.0-alpha.0';
const CDK_NAG = '3.0.2';
const AWS_SDK = '^3.700.0';
/**
 * The newest aws-cdk-lib the synth-level tests also run against (`npx projen test:newest-cdk`), with
 * JSII_DEPRECATED=fail: it deprecates APIs the floor still offers. Pinned so CI is repeatable; raise it with each
 * aws-cdk-lib release (CONTRIBUTING.md).
 */
const CDK_NEWEST = '2.278.0';
/** Where test:newest-cdk installs it, beside (not into) the project's node_modules. */
const NEWEST_CDK_DIR = '.newest-cdk';

/** Folders of TypeScript that are not library source but are type-checked and linted like it. */
const TS_SIDE_FOLDERS = ['test', 'integ', 'bin', 'bench'];

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-parameters',
  description:
    'Parameter Store SecureString parameters as safe, typed, least-privilege CDK constructs: customer-managed keys, deploy-time values that never reach the template, path grants conditioned on the encryption context, typed parameter policies and a cdk-nag pack.',
  keywords: ['aws-cdk', 'cdk', 'ssm', 'parameter-store', 'securestring', 'kms', 'secrets', 'cdk-nag', 'awscdk'],
  author: 'cdk-secure-parameters developers',
  authorAddress: 'maintainers@cdk-secure-parameters.dev',
  license: 'Apache-2.0',
  repositoryUrl: 'https://github.com/cdk-secure-parameters/cdk-secure-parameters.git',
  defaultReleaseBranch: 'main',
  github: false,
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  srcdir: 'lib',
  libdir: 'lib',
  jsiiVersion: '~6.0.0',

  cdkVersion: CDK_FLOOR,
  cdkVersionPinning: false,
  cdkCliVersion: CDK_CLI,
  constructsVersion: '10.5.1',
  // integ tests live in integ/ and run with integ-runner; projen's older snapshot integ tests stay off.
  integrationTestAutoDiscover: false,
  // The handler's construct is ours (lib/private/secure-string-handler.ts): it picks the newest
  // Node.js runtime of the user's aws-cdk-lib at synth time, which a generated class cannot.
  lambdaAutoDiscover: false,

  peerDeps: [`cdk-nag@^${CDK_NAG}`],
  devDeps: [
    `cdk-nag@${CDK_NAG}`,
    `aws-cdk@${CDK_CLI}`,
    'aws-sdk-client-mock@^4',
    'aws-sdk-client-mock-jest@^4',
    `@aws-sdk/client-ssm@${AWS_SDK}`,
    `@aws-sdk/client-kms@${AWS_SDK}`,
    `@aws-sdk/client-secrets-manager@${AWS_SDK}`,
    // a batched chunk asks CloudFormation whether a Delete is its last one or a replaced generation's
    `@aws-sdk/client-cloudformation@${AWS_SDK}`,
    '@types/aws-lambda@^8',
    'esbuild@^0.28',
    // an IAM policy simulator behind the emulator tests (moto evaluates no IAM)
    '@cloud-copilot/iam-simulate@0.1.173',
    // property-based tests: sizes that must stay under an AWS limit, over realistic random apps
    'fast-check@^4',
    // mutation testing (`npx projen mutation`), outside CI: which lines no test would notice changing
    '@stryker-mutator/core@9.6.1',
    '@stryker-mutator/jest-runner@9.6.1',
  ],

  publishToPypi: { distName: 'cdk-secure-parameters', module: 'cdk_secure_parameters' },
  publishToMaven: {
    javaPackage: 'io.github.cdksecureparameters',
    mavenGroupId: 'io.github.cdk-secure-parameters',
    mavenArtifactId: 'cdk-secure-parameters',
  },
  publishToNuget: { dotNetNamespace: 'CdkSecureParameters', packageId: 'CdkSecureParameters' },
  publishToGo: { moduleName: 'github.com/cdk-secure-parameters/cdk-secure-parameters-go' },

  jestOptions: {
    // CI must fail on a changed snapshot, never rewrite it; `npx projen test:update` rewrites on purpose.
    updateSnapshot: UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // `ts` first: with srcdir = libdir, a stale compiled lib/*.js must never shadow its source.
      moduleFileExtensions: ['ts', 'js', 'json', 'node'],
      testTimeout: 30_000,
    },
  },
  eslintOptions: {
    // a check, not a rewrite: CI must fail on a lint error instead of silently fixing the clone
    commandOptions: { fix: false, extraArgs: ['--max-warnings', '0'] },
    dirs: ['lib'],
    devdirs: TS_SIDE_FOLDERS,
    ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', '*.generated.ts', 'coverage', 'cdk.out', '*.snapshot/'],
  },
  gitignore: ['cdk.out/', '/integ/cdk-integ.out.*', '/bench/out/', '.jsii.tabl.json'],
});

// The deploy-time handler, bundled at build time; the SDK v3 that the Lambda runtime ships stays external.
// Its bundle ships in the npm package under assets/ (see .npmignore).
// The stack's rotator (ParameterRotation) is bundled the same way, sharing the handler's generator and writes.
for (const entrypoint of ['lib/handler/secure-string.lambda.ts', 'lib/handler/rotator.lambda.ts', 'lib/handler/copier.lambda.ts']) {
  project.bundler.addBundle(entrypoint, {
    platform: 'node',
    target: 'node22',
    externals: ['@aws-sdk/*'],
    minify: true,
    sourcemap: false,
    outfile: 'index.js',
  });
}

// The `cdk-secure-parameters` command (ciphertext for SecureValue.fromCiphertext) runs on the user's machine: its
// SDK clients are bundled in, so the package gains no runtime dependency for users who never run it.
const CLI_ENTRYPOINT = 'lib/cli/cdk-secure-parameters.ts';
project.bundler.addBundle(CLI_ENTRYPOINT, {
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  outfile: 'index.js',
});
project.addBins({ 'cdk-secure-parameters': 'assets/lib/cli/cdk-secure-parameters/index.js' });

// The handler runs on Lambda, whose Node.js runtime ships the SDK v3, and the command bundles it: dev dependencies
// for us, not runtime ones.
project.eslint?.addOverride({
  files: ['lib/handler/**/*.ts', 'lib/cli/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

// jsii's end-of-life banner for Node 20 (the machines' Node) says nothing actionable in every build log.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
// Users' pipelines refuse deprecated aws-cdk-lib APIs: so do our tests, on the floor and on the newest release.
project.testTask.env('JSII_DEPRECATED', 'fail');

// Pins that projen would otherwise float to "latest" (see TOOLCHAIN.md).
project.deps.addDependency(`@aws-cdk/integ-runner@${INTEG_RUNNER}`, DependencyType.DEVENV);
project.deps.addDependency(`@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`, DependencyType.DEVENV);
// unrs-resolver 1.13.0's platform binaries are missing from the registry: `npm ci` fails without this.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// ts-node (integ-runner, cdk synth of bin/) must prefer lib/*.ts over stale compiled lib/*.js.
project.tsconfig?.file.addOverride('ts-node', { preferTsExts: true, transpileOnly: true });

// Each side folder gets its own tsconfig so eslint's project service and `tsc --noEmit` see it.
for (const folder of TS_SIDE_FOLDERS.filter((f) => f !== 'test')) {
  new javascript.TypescriptConfig(project, {
    fileName: `${folder}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
    include: ['**/*.ts'],
    exclude: ['node_modules', '*.snapshot', 'cdk.out'],
    compilerOptions: { noEmit: true, rootDir: '..' },
  });
}

// The example app: `npx cdk synth` needs no credentials and no network. It bundles the handler first, so the
// README's `npm ci && npx cdk synth` works on a fresh clone (the bundle is a build output, not committed).
new JsonFile(project, 'cdk.json', {
  obj: {
    app: 'npx projen bundle && npx ts-node --prefer-ts-exts -P bin/tsconfig.json bin/app.ts',
    output: 'cdk.out',
    // offline by design: no notices or telemetry requests from the CLI
    notices: false,
    context: { 'cli-telemetry': false },
  },
  marker: false,
});

// integ-runner rejects projen's "//" marker key, so this file is written without it.
new JsonFile(project, 'integ.config.json', {
  obj: {
    directory: 'integ',
    language: 'typescript',
    app: 'ts-node --prefer-ts-exts -P integ/tsconfig.json {filePath}',
    testRegex: ['^integ\\..*\\.ts$'],
    parallelRegions: ['us-east-1'],
  },
  marker: false,
});

project.addTask('integ', {
  description: 'Verify the committed integ snapshots (offline, no deploy)',
  exec: 'integ-runner',
  receiveArgs: true,
});
project.addTask('integ:update', {
  description: 'Re-synthesize the integ snapshots without deploying',
  exec: 'integ-runner --update-on-failed --dry-run',
  receiveArgs: true,
});

const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests, integ apps, the example app and benchmarks',
});
for (const folder of TS_SIDE_FOLDERS) {
  typecheck.exec(`tsc --noEmit -p ${folder}/tsconfig.json`);
}

const cfnLint = project.addTask('cfn-lint', {
  description: "Synthesize the example app and lint its templates with AWS's cfn-lint",
});
cfnLint.exec('cdk synth --quiet');
cfnLint.exec('cfn-lint cdk.out/*.template.json');

// Every TypeScript example of the README and the API docs compiles, in strict mode (rosetta/default.ts-fixture).
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every TypeScript example of the README and API docs with jsii-rosetta --strict',
  exec: 'jsii-rosetta extract --strict --fail',
});
project.postCompileTask.spawn(rosetta);
const docsCheck = project.addTask('docs:check', { description: 'jsii compile, then the strict example check' });
docsCheck.spawn(project.compileTask);
docsCheck.spawn(rosetta);

project.addTask('bench', {
  description: 'Run the benchmarks and write bench/RESULTS.md',
  exec: 'ts-node --prefer-ts-exts -P bench/tsconfig.json bench/run.ts',
});

// Mutation testing, outside CI (minutes per module on two cores): stryker.config.json names the modules.
const mutation = project.addTask('mutation', {
  description: 'Mutation testing, one module at a time against its own tests (stryker/run.mjs); reports in reports/mutation/',
});
mutation.spawn(project.tasks.tryFind('bundle')!);
mutation.exec('node stryker/run.mjs', { receiveArgs: true });
project.gitignore.exclude('/reports/', '/.stryker-tmp/');
project.addPackageIgnore('/stryker.config.json');
project.addPackageIgnore('/stryker.jest.config.js');
project.addPackageIgnore('/stryker/');

// The synth-level tests (constructs, grants, nag; not the emulator and handler suites, whose code does not touch
// aws-cdk-lib) a second time, against the newest aws-cdk-lib. Only aws-cdk-lib is swapped (cdk-nag and our code
// load it through jest's module map); `constructs` stays one copy. Snapshots of that version live apart.
const SYNTH_LEVEL_TESTS = ['<rootDir>/test/*.test.ts', '<rootDir>/test/private/**/*.test.ts', '<rootDir>/test/nag/**/*.test.ts'];
new JsonFile(project, 'test/newest-cdk/jest.config.json', {
  obj: {
    rootDir: '../..',
    testMatch: SYNTH_LEVEL_TESTS,
    moduleFileExtensions: ['ts', 'js', 'json', 'node'],
    moduleNameMapper: {
      '^aws-cdk-lib$': `<rootDir>/${NEWEST_CDK_DIR}/node_modules/aws-cdk-lib`,
      '^aws-cdk-lib/(.*)$': `<rootDir>/${NEWEST_CDK_DIR}/node_modules/aws-cdk-lib/$1`,
      '^constructs$': '<rootDir>/node_modules/constructs',
    },
    testTimeout: 30_000,
    clearMocks: true,
    reporters: ['default', ['jest-junit', { outputDirectory: 'test-reports', outputName: 'junit-newest-cdk.xml' }]],
    transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
  },
  marker: false,
});
const newestCdk = project.addTask('test:newest-cdk', {
  description: `The synth-level tests against aws-cdk-lib ${CDK_NEWEST} (the newest tested), with JSII_DEPRECATED=fail`,
  env: { JSII_DEPRECATED: 'fail' },
});
newestCdk.exec(`npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix ${NEWEST_CDK_DIR} aws-cdk-lib@${CDK_NEWEST}`);
newestCdk.exec('jest --ci --config test/newest-cdk/jest.config.json');
project.gitignore.exclude(`/${NEWEST_CDK_DIR}/`);
project.addPackageIgnore(`/${NEWEST_CDK_DIR}/`);

// `npm test`: type-check, jest, lint, integ snapshots, cfn-lint. Order: cheap and broad first.
// `--ci` makes a missing snapshot a failure instead of writing it.
project.testTask.reset();
project.testTask.spawn(project.tasks.tryFind('bundle')!);
project.testTask.spawn(typecheck);
project.testTask.exec('jest --ci', { receiveArgs: true });
project.testTask.spawn(newestCdk);
project.testTask.spawn(project.tasks.tryFind('eslint')!);
project.testTask.spawn(project.tasks.tryFind('integ')!);
project.testTask.spawn(cfnLint);
project.testTask.spawn(docsCheck);

project.addPackageIgnore('/bin/');
project.addPackageIgnore('/integ/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/rosetta/');
project.addPackageIgnore('/.cfnlintrc.yaml');
project.addPackageIgnore('/cdk.json');
project.addPackageIgnore('/integ.config.json');
project.addPackageIgnore('/cdk.out/');
project.addPackageIgnore('/lib/**/*.ts');
project.addPackageIgnore('!/lib/**/*.d.ts');

project.synth();
