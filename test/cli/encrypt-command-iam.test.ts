import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runCli, commandClients, appWithOutdir } from './cli-run';
import { exampleStack } from '../../bin/app';
import { ParameterHierarchy, ParameterKey, SecureValue } from '../../lib';
import { resolveValue } from '../../lib/handler/value-source';
import { ACCOUNT, Admin, REGION, decrypted, failureOf, scenarioPerFile, succeeds } from '../handler/iam-scenario';
import { DeployedStack } from '../helpers/deployed-stack';
import { iamEnforcedClients } from '../helpers/iam-layer';
import { MotoServer } from '../helpers/moto-server';
import { STACK_RECORDS } from '../helpers/stack-records';
import { createEventFor, updateEventFor } from '../helpers/template-events';

/**
 * `cdk-secure-parameters encrypt` against moto_server with the real SDK, behind the IAM layer: a developer
 * whose IAM policy allows kms:Encrypt and kms:Decrypt encrypts for a parameter of a synthesized assembly
 * (the key policy of a ParameterKey decides the rest); the handler then decrypts it for that parameter and
 * KMS refuses it for any other.
 */
let moto: MotoServer;
let admin: Admin;

scenarioPerFile((scenario) => {
  ({ moto, admin } = scenario);
});

const ENV = { partition: 'aws', region: REGION, account: ACCOUNT };
const DEVELOPER = {
  roleArn: `arn:aws:iam::${ACCOUNT}:role/Developer`,
  identityPolicies: [
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'cloudformation:DescribeStackResource',
          Resource: ['Cli*', 'SecureParametersExample'].map((stack) => `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/*`),
        },
      ],
    },
  ],
};
const VALUE = 'vendor-api-key-0123456789';

interface Assembly {
  readonly app: App;
  readonly stack: Stack;
  readonly outdir: string;
}

/**
 * The user's app: /cli/prod under a ParameterKey with an alias (a committed ciphertext, a placeholder, a
 * generated value), and /cli/other under a default key without one. `ciphertext` is what the app commits.
 */
function synthesize(stackName: string, ciphertext = 'AAAA'): Assembly {
  const app = appWithOutdir();
  const stack = new Stack(app, stackName, { env: { account: ACCOUNT, region: REGION } });
  const prod = new ParameterHierarchy(stack, 'Prod', {
    path: `/${stackName}/prod`,
    encryptionKey: new ParameterKey(stack, 'Key', { alias: `alias/${stackName}/prod` }),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  prod.addSecureString('ApiKey', { name: 'api-key', value: SecureValue.fromCiphertext(ciphertext) });
  prod.addSecureString('OtherKey', { name: 'other-key', value: SecureValue.fromCiphertext(ciphertext) });
  prod.addSecureString('OpsToken', { name: 'ops-token', value: SecureValue.placeholder() });
  const other = new ParameterHierarchy(stack, 'Other', { path: `/${stackName}/other`, removalPolicy: RemovalPolicy.DESTROY });
  other.addSecureString('Token', { name: 'token', value: SecureValue.fromCiphertext(ciphertext) });
  app.synth();
  return { app, stack, outdir: app.outdir };
}

const developer = () => commandClients(iamEnforcedClients(moto, ENV, DEVELOPER));

test('encrypts stdin for the parameter: only the ciphertext on stdout, the handler decrypts it for that parameter', async () => {
  const draft = synthesize('CliEncrypt');
  const first = await DeployedStack.deploy(draft.stack, moto);

  const run = await runCli(['encrypt', '--parameter', '/CliEncrypt/prod/api-key', '--app', draft.outdir], developer(), { stdin: `${VALUE}\n` });

  expect(run).toMatchObject({ code: 0 });
  expect(run.stdout).toMatch(/^[A-Za-z0-9+/]+={0,2}\n$/);
  expect(run.stdout + run.stderr).not.toContain(VALUE);
  expect(run.stderr).toContain(`encrypted the value (its trailing line break dropped; --keep-trailing-newline keeps it) for arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/CliEncrypt/prod/api-key`);
  expect(run.stderr).toContain('key from the alias alias/CliEncrypt/prod in the template');

  // the app commits it: the handler decrypts it under the key and the parameter's context, trailing newline dropped
  const committed = synthesize('CliEncrypt', run.stdout.trim());
  const deployed = await DeployedStack.deploy(committed.stack, moto, { updates: first });
  await succeeds(createEventFor(deployed, deployed.logicalId(committed.stack.node.findChild('Prod').node.findChild('ApiKey'))), deployed.handlerClients());
  expect(await decrypted(admin, '/CliEncrypt/prod/api-key')).toBe(VALUE);

  // KMS refuses the same ciphertext under another parameter's context: the handler fails that one
  const otherId = deployed.logicalId(committed.stack.node.findChild('Prod').node.findChild('OtherKey'));
  expect(await failureOf(createEventFor(deployed, otherId), deployed.handlerClients())).toContain('the committed ciphertext cannot be decrypted');
});

describe('--check tells whether a ciphertext belongs to the parameter, printing no value', () => {
  let assembly: Assembly;
  let deployed: DeployedStack;
  let ciphertext: string;

  beforeAll(async () => {
    assembly = synthesize('CliCheck');
    deployed = await DeployedStack.deploy(assembly.stack, moto);
    const run = await runCli(['encrypt', '--parameter', '/CliCheck/prod/api-key', '--app', assembly.outdir], developer(), { stdin: VALUE });
    ciphertext = run.stdout.trim();
  });

  const check = (parameter: string, clients = commandClients(deployed.handlerClients())) =>
    runCli(['encrypt', '--parameter', parameter, '--app', assembly.outdir, '--check', ciphertext], clients);

  test('its own parameter: exit 0', async () => {
    const run = await check('/CliCheck/prod/api-key');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      `the ciphertext belongs to /CliCheck/prod/api-key: it decrypts under arn:aws:kms:${REGION}:${ACCOUNT}:alias/CliCheck/prod ` +
        `with PARAMETER_ARN=arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/CliCheck/prod/api-key\n`,
    );
  });

  test('another parameter: exit 1, and why', async () => {
    const run = await check('/CliCheck/prod/other-key');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('the ciphertext does not belong to this parameter');
    expect(run.stderr).not.toContain(VALUE);
  });

  test('a principal the key policy does not let decrypt directly: exit 2, and who may', async () => {
    const run = await check('/CliCheck/prod/api-key', developer());
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('KMS refused kms:Decrypt');
    expect(run.stderr).toContain("lets only the stack's handler role decrypt committed ciphertext directly");
  });
});

describe('the key', () => {
  test('from the deployed stack when the template has no alias for it', async () => {
    const assembly = synthesize('CliDeployedKey');
    const deployed = await DeployedStack.deploy(assembly.stack, moto);
    const keyLogicalId = deployed.logicalId(assembly.stack.node.findChild('Other').node.findChild('Key'));
    const args = ['encrypt', '--parameter', '/CliDeployedKey/other/token', '--app', assembly.outdir];

    const undeployed = await runCli(args, developer(), { stdin: VALUE });
    expect(undeployed).toMatchObject({ code: 2, stdout: '' });
    expect(undeployed.stderr).toContain(`has no alias in the template, and CloudFormation could not tell its id in ${REGION}`);
    expect(undeployed.stderr).toContain('Provide one of: --key <key ARN, key id or alias>');

    STACK_RECORDS.record('CliDeployedKey', keyLogicalId, deployed.keyArn(keyLogicalId).split('/').pop()!);
    const run = await runCli(args, developer(), { stdin: VALUE });
    expect(run.stderr).toContain(`under ${deployed.keyArn(keyLogicalId)} (key from deployed stack CliDeployedKey)`);
    expect(run).toMatchObject({ code: 0 });
  });

  test('--key wins over the template', async () => {
    const assembly = synthesize('CliKeyOption');
    const deployed = await DeployedStack.deploy(assembly.stack, moto);
    const keyArn = deployed.keyArn(deployed.logicalId(assembly.stack.node.findChild('Key')));
    const run = await runCli(['encrypt', '--parameter', '/CliKeyOption/other/token', '--app', assembly.outdir, '--key', keyArn], developer(), { stdin: VALUE });
    // the key of /CliKeyOption/prod, not the parameter's: KMS encrypts, and the handler would refuse it
    expect(run).toMatchObject({ code: 0 });
    expect(run.stderr).toContain(`under ${keyArn} (key from --key)`);
  });
});

test('a placeholder becomes a committed ciphertext: its key lets the account encrypt, and the next deploy writes the value over it', async () => {
  const synthesizeOps = (value: SecureValue) => {
    const app = appWithOutdir();
    const stack = new Stack(app, 'CliPlaceholder', { env: { account: ACCOUNT, region: REGION } });
    new ParameterHierarchy(stack, 'Ops', { path: '/CliPlaceholder', encryptionKey: new ParameterKey(stack, 'Key', { alias: 'alias/CliPlaceholder' }) })
      .addSecureString('Token', { name: 'token', value });
    app.synth();
    return { app, stack, id: (deployed: DeployedStack) => deployed.logicalId(stack.node.findChild('Ops').node.findChild('Token')) };
  };
  const placeholder = synthesizeOps(SecureValue.placeholder());
  const v1 = await DeployedStack.deploy(placeholder.stack, moto);
  await succeeds(createEventFor(v1, placeholder.id(v1)), v1.handlerClients());

  const run = await runCli(['encrypt', '--parameter', '/CliPlaceholder/token', '--app', placeholder.app.outdir], developer(), { stdin: VALUE });
  expect(run).toMatchObject({ code: 0 });
  expect(run.stderr).toContain('Its value is a placeholder today: change it to SecureValue.fromCiphertext(...)');

  const committed = synthesizeOps(SecureValue.fromCiphertext(run.stdout.trim()));
  const v2 = await DeployedStack.deploy(committed.stack, moto, { updates: v1 });
  await succeeds(updateEventFor(v2, v1, committed.id(v2), '/CliPlaceholder/token'), v2.handlerClients());
  expect(await decrypted(admin, '/CliPlaceholder/token')).toBe(VALUE);
});

test('without kms:Encrypt in the IAM policy: KMS refuses, and the message names the action and the key policy statement', async () => {
  const assembly = synthesize('CliDenied');
  await DeployedStack.deploy(assembly.stack, moto);
  const readOnly = { ...DEVELOPER, identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] }] };

  const run = await runCli(['encrypt', '--parameter', '/CliDenied/prod/api-key', '--app', assembly.outdir], commandClients(iamEnforcedClients(moto, ENV, readOnly)), { stdin: VALUE });

  expect(run).toMatchObject({ code: 2, stdout: '' });
  expect(run.stderr).toContain(`KMS refused kms:Encrypt on arn:aws:kms:${REGION}:${ACCOUNT}:alias/CliDenied/prod`);
  expect(run.stderr).toContain('AllowEncryptingValuesForCommittedCiphertext');
  expect(run.stderr).not.toContain(VALUE);
});

test('the example app: encrypt for its environment-agnostic assembly, deploy, and only that parameter decrypts it', async () => {
  // what `npx cdk synth` writes (no env), and the same app deployed to an account and region
  const synthesized = appWithOutdir();
  exampleStack(synthesized);
  synthesized.synth();
  const env = { account: ACCOUNT, region: REGION };
  const placeholderStack = exampleStack(new App(), { env });
  const v1 = await DeployedStack.deploy(placeholderStack, moto);
  const apiKeyId = logicalIdOfName(placeholderStack, '/myapp/prod/payments/api-key');
  await succeeds(createEventFor(v1, apiKeyId), v1.handlerClients());
  const keyLogicalId = v1.logicalId(placeholderStack.node.findChild('Prod').node.findChild('Key'));
  STACK_RECORDS.record('SecureParametersExample', keyLogicalId, v1.keyArn(keyLogicalId).split('/').pop()!);

  const args = ['encrypt', '--parameter', '/myapp/prod/payments/api-key', '--app', synthesized.outdir];
  const withoutEnv = await runCli(args, developer(), { stdin: VALUE });
  expect(withoutEnv.stderr).toContain('stack SecureParametersExample is environment-agnostic (no env), so the parameter\'s ARN needs its region: pass --region');
  const run = await runCli([...args, '--region', REGION, '--account', ACCOUNT], developer(), { stdin: `${VALUE}\n` });
  expect(run.stderr).toContain(`for arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/myapp/prod/payments/api-key under ${v1.keyArn(keyLogicalId)} (key from deployed stack SecureParametersExample)`);
  expect(run.code).toBe(0);

  const committedStack = exampleStack(new App(), { env, apiKeyCiphertext: run.stdout.trim() });
  const v2 = await DeployedStack.deploy(committedStack, moto, { updates: v1 });
  await succeeds(updateEventFor(v2, v1, apiKeyId, '/myapp/prod/payments/api-key'), v2.handlerClients());
  expect(await decrypted(admin, '/myapp/prod/payments/api-key')).toBe(VALUE);

  // the handler's decrypt of the same ciphertext for another parameter of the stack: KMS refuses it
  const anotherParameter = {
    name: '/myapp/prod/db/password',
    parameterArn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/myapp/prod/db/password`,
    keyId: v1.keyArn(keyLogicalId),
    deadline: Date.now() + 10_000,
  };
  const source = { Type: 'ciphertext', Ciphertext: run.stdout.trim() };
  await expect(resolveValue(source, anotherParameter, v2.handlerClients())).rejects.toThrow(expect.objectContaining({ name: 'InvalidCiphertextException' }));
});

function logicalIdOfName(stack: Stack, name: string): string {
  const [id] = Object.keys(Template.fromStack(stack).findResources('Custom::SecureStringParameter', { Properties: { Name: name } }));
  return id;
}
