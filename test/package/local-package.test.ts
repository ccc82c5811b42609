import { SpawnSyncReturns, spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';

/**
 * README "Before it is published: install from a clone", as a new user does it: the README's own commands
 * build the npm package from this working tree, and a fresh TypeScript CDK app installs it, compiles,
 * synthesizes and runs the package's command. Offline apart from the npm registry (npm's cache, in practice).
 */
const REPO = join(__dirname, '..', '..');
const BUILD_TIMEOUT = 15 * 60_000;
const APP_TIMEOUT = 10 * 60_000;
const PARAMETER_NAME = '/smoke/prod/db/password';
const HANDLER_ASSET = 'assets/lib/handler/secure-string.lambda/index.js';

/** The two commands of the README's install-from-a-clone block: build in the clone, install in the app. */
interface ReadmeInstall {
  /** The clone's command without `npm ci` (the copy links the repository's node_modules). */
  readonly build: string;
  /** The app's `npm install` of the tarball, with the README's `/path/to/clone` still in it. */
  readonly install: string;
  /** Where the tarball is, relative to the clone. */
  readonly tarball: string;
}

/** Read like .ci/readme-commands.js reads "Developing: a fresh machine": the first sh block of the section, comments dropped. */
function readmeInstall(readme: string): ReadmeInstall {
  const section = readme.split(/^### Before it is published: install from a clone$/m)[1] ?? '';
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
  const commands = block.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter((line) => line.length > 0);
  if (commands.length !== 2) {
    throw new Error(`README.md: expected two commands (the clone's build, the app's install) in the sh block of "Before it is published", found ${commands.length}`);
  }
  const [clone, install] = commands;
  const tarball = install.match(/\/path\/to\/clone\/(\S+\.tgz)/)?.[1];
  if (tarball === undefined) {
    throw new Error(`README.md: the app's command names no /path/to/clone/<tarball>: ${install}`);
  }
  const build = clone.split('&&').map((step) => step.trim()).filter((step) => step !== 'npm ci').join(' && ');
  return { build, install, tarball };
}

/**
 * The environment of a user's shell: nothing of this package's npm script (`npm test`) may leak into the app's
 * npm, and NODE_PATH could resolve a module the app lacks. The cdk CLI asks the registry for no newer version.
 */
function userEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' };
  for (const name of Object.keys(env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|INIT_CWD$|NODE_PATH$)/.test(name)) {
      delete env[name];
    }
  }
  return env;
}

/** Runs a shell command; anything but `expectedStatus` fails with the command's output. */
function sh(command: string, cwd: string, expectedStatus = 0): SpawnSyncReturns<string> {
  const result = spawnSync('sh', ['-c', command], { cwd, env: userEnvironment(), encoding: 'utf8', input: '', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== expectedStatus) {
    const tail = (text: string) => text.slice(-4000);
    throw new Error(`\`${command}\` in ${cwd} exited ${result.status ?? result.signal} (expected ${expectedStatus})\nstdout:\n${tail(result.stdout)}\nstderr:\n${tail(result.stderr)}`);
  }
  return result;
}

/** The working tree as a clone would have it, plus untracked work that is not ignored (no build output, no assets/). */
function copyWorkingTree(to: string): void {
  const files = sh('git ls-files -co --exclude-standard -z', REPO).stdout.split('\0').filter((file) => file.length > 0);
  for (const file of files) {
    // a tracked file deleted in the working tree is not part of it
    if (existsSync(join(REPO, file))) {
      mkdirSync(dirname(join(to, file)), { recursive: true });
      copyFileSync(join(REPO, file), join(to, file));
    }
  }
  symlinkSync(join(REPO, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/** The version of a dependency the repository builds and tests with: the app gets the same peer. */
function repoVersion(name: string): string {
  return JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** A user's app: a hierarchy with a generated SecureString, read by a function's grant and by a managed policy. */
function writeApp(dir: string): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'smoke-app', version: '0.0.0', private: true }, undefined, 2));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    // types only from the app's own node_modules: the package's .d.ts, not the repository's lib/
    compilerOptions: { target: 'ES2022', module: 'node16', strict: true, skipLibCheck: true, types: [], typeRoots: ['./node_modules/@types'] },
    files: ['app.ts'],
  }, undefined, 2));
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.js', output: 'cdk.out', notices: false, context: { 'cli-telemetry': false } }, undefined, 2));
  writeFileSync(join(dir, 'app.ts'), `import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ParameterHierarchy, SecureValue } from 'cdk-secure-parameters';

const app = new App();
const stack = new Stack(app, 'SmokeStack', { env: { account: '111111111111', region: 'eu-west-1' } });
const prod = new ParameterHierarchy(stack, 'Prod', { path: '/smoke/prod' });
prod.addSecureString('DbPassword', { name: 'db/password', value: SecureValue.generated({ length: 40 }) });
const reader = new lambda.Function(stack, 'Reader', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
});
prod.grantRead(reader);
const taskRole = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
taskRole.addManagedPolicy(prod.readPolicy('ReadPolicy'));
app.synth();
`);
}

/** Every directory named `name` under `root`, at any depth (symbolic links not followed). */
function directoriesNamed(root: string, name: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory()) {
      return [];
    }
    const path = join(root, entry.name);
    return [...(entry.name === name ? [path] : []), ...directoriesNamed(path, name)];
  });
}

/** The logical id of the resource at a construct path (`cdk synth` writes the paths). */
function logicalIdAt(template: Template, constructPath: string): string {
  const resources: Record<string, { Metadata?: Record<string, unknown> }> = template.toJSON().Resources;
  const ids = Object.entries(resources).filter(([, resource]) => resource.Metadata?.['aws:cdk:path'] === constructPath).map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** A `kms:Decrypt` statement on the hierarchy's key for the path's parameters only, through the encryption context. */
const DECRYPT_UNDER_PATH = Match.objectLike({
  Action: 'kms:Decrypt',
  Condition: Match.objectLike({
    StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':parameter/smoke/prod/\\*$')])] } },
  }),
});

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs) {
    // the clone's node_modules is the repository's: unlink it before removing the rest
    if (existsSync(join(dir, 'node_modules')) && realpathSync(join(dir, 'node_modules')) === realpathSync(join(REPO, 'node_modules'))) {
      unlinkSync(join(dir, 'node_modules'));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the README install from a clone', () => {
  let clone: string;
  let install: ReadmeInstall;

  beforeAll(() => {
    clone = tempDir('local-package-clone-');
    copyWorkingTree(clone);
    install = readmeInstall(readFileSync(join(clone, 'README.md'), 'utf8'));
    sh(install.build, clone);
  }, BUILD_TIMEOUT);

  test('the tarball carries the compiled library, the bundled functions and command, and no sources or tooling', () => {
    const tarball = join(clone, install.tarball);
    expect(existsSync(tarball)).toBe(true);
    const entries = sh(`tar tzf '${tarball}'`, clone).stdout.split('\n').filter((entry) => entry.length > 0);
    expect(entries).toEqual(expect.arrayContaining([
      'package/assets/lib/handler/secure-string.lambda/index.js',
      'package/assets/lib/handler/rotator.lambda/index.js',
      'package/assets/lib/handler/copier.lambda/index.js',
      'package/assets/lib/cli/cdk-secure-parameters/index.js',
      'package/lib/index.js',
      'package/lib/index.d.ts',
      'package/.jsii',
    ]));
    expect(entries.filter((entry) => /^package\/lib\/.*\.ts$/.test(entry) && !entry.endsWith('.d.ts'))).toEqual([]);
    expect(entries.filter((entry) => /^package\/(test|integ|bin)\//.test(entry))).toEqual([]);
  });

  describe('a fresh TypeScript CDK app that installs it', () => {
    let app: string;
    let template: Template;

    beforeAll(() => {
      app = tempDir('local-package-app-');
      writeApp(app);
      const peers = ['aws-cdk-lib', 'constructs', 'cdk-nag'].map((name) => `${name}@${repoVersion(name)}`);
      sh(`${install.install.replace('/path/to/clone', `'${clone}'`)} ${peers.join(' ')} --prefer-offline --no-audit --no-fund`, app);
      sh(`'${join(REPO, 'node_modules', '.bin', 'tsc')}' -p tsconfig.json`, app);
      sh(`'${join(REPO, 'node_modules', '.bin', 'cdk')}' synth --quiet`, app);
      template = Template.fromJSON(JSON.parse(readFileSync(join(app, 'cdk.out', 'SmokeStack.template.json'), 'utf8')));
    }, APP_TIMEOUT);

    test('the generated SecureString is a custom resource with its full name, generated at deploy time', () => {
      template.hasResourceProperties('Custom::SecureStringParameter', { Name: PARAMETER_NAME, Source: Match.objectLike({ Type: 'generated' }) });
    });

    test("the handler's code is the function bundled in the package", () => {
      const parameter = Object.values(template.findResources('Custom::SecureStringParameter'))[0];
      const handlerId: string = parameter.Properties.ServiceToken['Fn::GetAtt'][0];
      const handler = template.toJSON().Resources[handlerId];
      expect(handler.Type).toBe('AWS::Lambda::Function');
      const assetDir = join(app, 'cdk.out', handler.Metadata['aws:asset:path']);
      expect(existsSync(join(assetDir, 'index.js'))).toBe(true);
      const shipped = readFileSync(join(app, 'node_modules', 'cdk-secure-parameters', HANDLER_ASSET));
      expect(readFileSync(join(assetDir, 'index.js')).equals(shipped)).toBe(true);
    });

    test("grantRead and readPolicy decrypt only the path's parameters, through the encryption context", () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalIdAt(template, 'SmokeStack/Reader/ServiceRole/Resource') }],
        PolicyDocument: { Statement: Match.arrayWith([DECRYPT_UNDER_PATH]) },
      });
      const readPolicy = logicalIdAt(template, 'SmokeStack/Prod/ReadPolicy/Resource');
      template.hasResource('AWS::IAM::ManagedPolicy', {
        Metadata: { 'aws:cdk:path': 'SmokeStack/Prod/ReadPolicy/Resource' },
        Properties: { PolicyDocument: { Statement: Match.arrayWith([DECRYPT_UNDER_PATH]) } },
      });
      template.hasResource('AWS::IAM::Role', {
        Metadata: { 'aws:cdk:path': 'SmokeStack/TaskRole/Resource' },
        Properties: { ManagedPolicyArns: [{ Ref: readPolicy }] },
      });
    });

    test('the app needs no AWS SDK: the package declares none and its command bundles its own', () => {
      expect(directoriesNamed(join(app, 'node_modules'), '@aws-sdk')).toEqual([]);
      // npx runs the package's bin, not a command of the same name elsewhere
      expect(realpathSync(join(app, 'node_modules', '.bin', 'cdk-secure-parameters')))
        .toBe(realpathSync(join(app, 'node_modules', 'cdk-secure-parameters', 'assets/lib/cli/cdk-secure-parameters/index.js')));
    });

    test('npx cdk-secure-parameters --help prints the usage', () => {
      expect(sh('npx --no-install cdk-secure-parameters --help', app).stdout).toMatch(/^Usage: cdk-secure-parameters encrypt/);
    });

    test('npx cdk-secure-parameters encrypt reads the app\'s assembly and refuses a generated value without calling AWS', () => {
      const result = sh(`npx --no-install cdk-secure-parameters encrypt --parameter ${PARAMETER_NAME} --app cdk.out`, app, 2);
      expect(result.stderr).toContain(`${PARAMETER_NAME} (SmokeStack/Prod/DbPassword/Resource) has a generated value, not SecureValue.fromCiphertext`);
    });
  });
});
