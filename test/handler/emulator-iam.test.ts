import { EncryptCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ACCOUNT, Admin, REGION, decrypted, expectGone, run, scenarioPerFile, succeeds } from './iam-scenario';
import { SecureStringParameter, SecureValue } from '../../lib';
import { DeployedStack } from '../helpers/deployed-stack';
import { PolicyDocument } from '../helpers/iam-simulator';
import { MotoServer } from '../helpers/moto-server';
import { createEventFor, deleteEventFor, updateEventFor } from '../helpers/template-events';

/**
 * The handler's lifecycle against moto_server, every call (and every KMS call Parameter Store makes for
 * it) evaluated against the handler role's synthesized policy and the synthesized key policy. Each test
 * deploys its own stack with its own parameter names, so the tests share one server.
 */
let moto: MotoServer;
let admin: Admin;

scenarioPerFile((scenario) => {
  ({ moto, admin } = scenario);
});

type ParameterOptions = Partial<ConstructorParameters<typeof SecureStringParameter>[2]>;

type ParameterOptionsIn = (stack: Stack) => ParameterOptions;

/** One stack with one SecureString `Secret` named `name`; `options` as the template version asks. */
async function deploy(name: string, options: ParameterOptions | ParameterOptionsIn = {}, updates?: DeployedStack) {
  const stack = new Stack(new App(), 'IamStack', { env: { account: ACCOUNT, region: REGION } });
  const parameter = new SecureStringParameter(stack, 'Secret', {
    parameterName: name,
    value: SecureValue.generated(),
    removalPolicy: RemovalPolicy.DESTROY,
    ...(typeof options === 'function' ? options(stack) : options),
  });
  const deployed = await DeployedStack.deploy(stack, moto, { updates });
  return { deployed, id: deployed.logicalId(parameter) };
}

/** What a user commits for SecureValue.fromCiphertext: KMS Encrypt under the key, with the parameter's ARN as context. */
async function ciphertextFor(keyArn: string, name: string, plaintext: string): Promise<string> {
  const result = await admin.kms.send(
    new EncryptCommand({
      KeyId: keyArn,
      Plaintext: Buffer.from(plaintext),
      EncryptionContext: { PARAMETER_ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}` },
    }),
  );
  return Buffer.from(result.CiphertextBlob!).toString('base64');
}

/** The handler's policies without the statements that allow any of `actions`. */
function handlerPoliciesWithout(deployed: DeployedStack, ...actions: string[]): PolicyDocument[] {
  const allows = (statement: { Action: string | string[] }) => [statement.Action].flat().some((a) => actions.includes(a));
  return deployed
    .identityPolicies(deployed.handlerRoleLogicalId)
    .map((p) => ({ ...p, Statement: (p.Statement as Array<{ Action: string | string[] }>).filter((s) => !allows(s)) }));
}

const keyOf = (deployed: DeployedStack, id: string) => deployed.properties(id).KeyId as string;

describe.each([ssm.ParameterTier.STANDARD, ssm.ParameterTier.ADVANCED])('%s tier, with IAM enforced', (tier) => {
  const path = `/iam/${tier}`;

  test('generated: created, kept on update, deleted', async () => {
    const name = `${path}/generated`;
    const v1 = await deploy(name, { tier });
    await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
    const value = await decrypted(admin, name);
    expect(value).toHaveLength(32);

    const v2 = await deploy(name, { tier, description: 'described' }, v1.deployed);
    await succeeds(updateEventFor(v2.deployed, v1.deployed, v2.id, name), v2.deployed.handlerClients());
    expect(await decrypted(admin, name)).toBe(value);

    await succeeds(deleteEventFor(v2.deployed, v2.id, name), v2.deployed.handlerClients());
    await expectGone(admin, name);
  });

  test('ciphertext: the handler decrypts the committed ciphertext under the parameter key and context', async () => {
    const name = `${path}/ciphertext`;
    // the key exists once the stack is deployed; the ciphertext is then made under it, as a user would
    const draft = await deploy(name, { tier, value: SecureValue.fromCiphertext('AAAA') });
    const keyArn = keyOf(draft.deployed, draft.id);
    const ciphertext = await ciphertextFor(keyArn, name, 'api-key-v1');
    const v1 = await deploy(name, { tier, value: SecureValue.fromCiphertext(ciphertext) }, draft.deployed);

    await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
    expect(await decrypted(admin, name)).toBe('api-key-v1');

    const next = await ciphertextFor(keyArn, name, 'api-key-v2');
    const v2 = await deploy(name, { tier, value: SecureValue.fromCiphertext(next) }, v1.deployed);
    await succeeds(updateEventFor(v2.deployed, v1.deployed, v2.id, name), v2.deployed.handlerClients());
    expect(await decrypted(admin, name)).toBe('api-key-v2');

    await succeeds(deleteEventFor(v2.deployed, v2.id, name), v2.deployed.handlerClients());
    await expectGone(admin, name);
  });

  test('placeholder: written once, the operator\'s value survives an update', async () => {
    const name = `${path}/placeholder`;
    const v1 = await deploy(name, { tier, value: SecureValue.placeholder('set me') });
    await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
    expect(await decrypted(admin, name)).toBe('set me');
    await admin.ssm.send(new PutParameterCommand({ Name: name, Value: 'operator-value', Type: 'SecureString', KeyId: keyOf(v1.deployed, v1.id), Overwrite: true, Tier: tier }));

    const v2 = await deploy(name, { tier, value: SecureValue.placeholder('set me'), description: 'owned by ops' }, v1.deployed);
    await succeeds(updateEventFor(v2.deployed, v1.deployed, v2.id, name), v2.deployed.handlerClients());
    expect(await decrypted(admin, name)).toBe('operator-value');

    await succeeds(deleteEventFor(v2.deployed, v2.id, name), v2.deployed.handlerClients());
    await expectGone(admin, name);
  });
});

describe('a value copied from Secrets Manager, with IAM enforced', () => {
  const fromSecret = (arn: string) => (stack: Stack) => ({ value: SecureValue.fromSecret(secretsmanager.Secret.fromSecretCompleteArn(stack, 'Source', arn), 'password') });

  test('the handler reads the secret it is granted and writes its field', async () => {
    const name = '/iam/secret/copied';
    const secret = await admin.secrets.send(new CreateSecretCommand({ Name: 'iam-copied', SecretString: JSON.stringify({ password: 'from-secrets-manager' }) }));
    const { deployed, id } = await deploy(name, fromSecret(secret.ARN!));

    await succeeds(createEventFor(deployed, id), deployed.handlerClients());

    expect(await decrypted(admin, name)).toBe('from-secrets-manager');
  });

  test('without secretsmanager:GetSecretValue the copy is denied and nothing is written', async () => {
    const name = '/iam/secret/denied';
    const secret = await admin.secrets.send(new CreateSecretCommand({ Name: 'iam-denied', SecretString: JSON.stringify({ password: 'x' }) }));
    const { deployed, id } = await deploy(name, fromSecret(secret.ARN!));

    const response = await run(createEventFor(deployed, id), deployed.handlerClients({ identityPolicies: handlerPoliciesWithout(deployed, 'secretsmanager:GetSecretValue') }));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`access denied for secretsmanager:GetSecretValue on secret ${secret.ARN}`);
    await expectGone(admin, name);
  });
});

describe('the layer denies what the policies do not allow', () => {
  test.each([
    [ssm.ParameterTier.STANDARD, 'kms:Encrypt'],
    [ssm.ParameterTier.ADVANCED, 'kms:GenerateDataKey'],
  ])('%s: without the handler\'s statements allowing %s, Parameter Store\'s call for the handler is denied and nothing is written', async (tier, action) => {
    const name = `/iam/denied/${tier}/kms`;
    const { deployed, id } = await deploy(name, { tier });
    const withoutKms = deployed.handlerClients({ identityPolicies: handlerPoliciesWithout(deployed, action) });

    const response = await run(createEventFor(deployed, id), withoutKms);

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`ssm:PutParameter failed: access denied for ${action} on KMS key ${keyOf(deployed, id)}`);
    await expectGone(admin, name);
    // the same event with the template's policies succeeds: the statement removed was the one that counts
    await succeeds(createEventFor(deployed, id), deployed.handlerClients());
  });

  test('without ssm:PutParameter, the create is denied on the parameter', async () => {
    const name = '/iam/denied/ssm';
    const { deployed, id } = await deploy(name);

    const response = await run(createEventFor(deployed, id), deployed.handlerClients({ identityPolicies: handlerPoliciesWithout(deployed, 'ssm:PutParameter') }));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`ssm:PutParameter failed: access denied for ssm:PutParameter on parameter ${name}`);
    await expectGone(admin, name);
  });

  test('a key policy that does not trust the account denies the handler, whatever its IAM policy says', async () => {
    const name = '/iam/denied/key-policy';
    const { deployed, id } = await deploy(name);
    const adminOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, Action: 'kms:*', Resource: '*' }] };
    await admin.kms.send(new PutKeyPolicyCommand({ KeyId: keyOf(deployed, id), PolicyName: 'default', Policy: JSON.stringify(adminOnly) }));

    const response = await run(createEventFor(deployed, id), deployed.handlerClients());

    // the template's identity policies, which succeed in the tests above: only the key policy differs
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`access denied for kms:Encrypt on KMS key ${keyOf(deployed, id)}`);
    await expectGone(admin, name);
  });
});
