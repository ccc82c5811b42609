import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParameterHistoryCommand, ListTagsForResourceCommand, ParameterHistory, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { Clients } from '../../lib/handler/clients';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { DeployedStack } from '../helpers/deployed-stack';
import { PolicyDocument } from '../helpers/iam-simulator';
import { MotoServer } from '../helpers/moto-server';

/**
 * What the lifecycle scenarios under IAM share: one moto_server per test file, an administrator's clients
 * (to look at what the handler did, outside the IAM layer), stack versions deployed into the emulator, and
 * the handler role's policies with one statement or action taken out (to show a scenario depends on it).
 */
export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
export const STACK_NAME = 'ScenarioStack';

export interface Admin {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  readonly secrets: SecretsManagerClient;
}

export interface Scenario {
  readonly moto: MotoServer;
  readonly admin: Admin;
}

/** Starts the file's moto_server; call in beforeAll and stop `moto` in afterAll. */
export async function startScenario(): Promise<Scenario> {
  const moto = await MotoServer.start(ACCOUNT);
  const admin = {
    ssm: new SSMClient(moto.clientConfig(REGION)),
    kms: new KMSClient(moto.clientConfig(REGION)),
    secrets: new SecretsManagerClient(moto.clientConfig(REGION)),
  };
  return { moto, admin };
}

export interface StackVersion<T> {
  readonly deployed: DeployedStack;
  readonly stack: Stack;
  readonly built: T;
}

/**
 * One version of a stack's template, deployed into the emulator: `updates` is the version it replaces
 * (same stack id, keys kept); without it the stack is created (new stack id, new keys).
 */
export async function deployVersion<T>(
  moto: MotoServer,
  build: (stack: Stack) => T,
  options: { readonly updates?: DeployedStack; readonly stackName?: string } = {},
): Promise<StackVersion<T>> {
  const stack = new Stack(new App(), options.stackName ?? STACK_NAME, { env: { account: ACCOUNT, region: REGION } });
  const built = build(stack);
  const deployed = await DeployedStack.deploy(stack, moto, { updates: options.updates });
  return { deployed, stack, built };
}

export async function run(event: CloudFormationCustomResourceEvent, clients: Clients): Promise<CloudFormationCustomResourceResponse> {
  return handleEvent(event, clients, Date.now() + 60_000);
}

export async function succeeds(event: CloudFormationCustomResourceEvent, clients: Clients): Promise<CloudFormationCustomResourceResponse> {
  const response = await run(event, clients);
  expect(response).toMatchObject({ Status: 'SUCCESS' });
  return response;
}

/** Runs the event, expects FAILED, and returns the reason. */
export async function failureOf(event: CloudFormationCustomResourceEvent, clients: Clients): Promise<string> {
  const response = await run(event, clients);
  expect(response.Status).toBe('FAILED');
  return response.Reason ?? '';
}

type Statement = { Sid?: string; Action: string | string[]; [key: string]: unknown };

function mapStatements(
  deployed: DeployedStack,
  map: (statement: Statement) => Statement | undefined,
  roleLogicalId = deployed.handlerRoleLogicalId,
): PolicyDocument[] {
  return deployed.identityPolicies(roleLogicalId).map((policy) => ({
    ...policy,
    Statement: (policy.Statement as Statement[]).flatMap((s) => map(s) ?? []),
  }));
}

/** The handler role's policies without the statements of these Sids (S1–S5: README, "Its permissions"). */
export function handlerPoliciesWithout(deployed: DeployedStack, ...sids: string[]): PolicyDocument[] {
  return rolePoliciesWithout(deployed, deployed.handlerRoleLogicalId, ...sids);
}

/** A role's policies without the statements of these Sids. */
export function rolePoliciesWithout(deployed: DeployedStack, roleLogicalId: string, ...sids: string[]): PolicyDocument[] {
  const found = new Set<string>();
  const policies = mapStatements(deployed, (s) => {
    if (s.Sid && sids.includes(s.Sid)) {
      found.add(s.Sid);
      return undefined;
    }
    return s;
  }, roleLogicalId);
  const missing = sids.filter((sid) => !found.has(sid));
  if (missing.length > 0) throw new Error(`the role ${roleLogicalId} of ${deployed.stackName} has no statement ${missing.join(', ')}`);
  return policies;
}

/** The handler role's policies with these actions taken out of every statement (a statement left empty goes). */
export function handlerPoliciesWithoutAction(deployed: DeployedStack, ...removed: string[]): PolicyDocument[] {
  return mapStatements(deployed, (s) => {
    const actions = [s.Action].flat().filter((a) => !removed.includes(a));
    return actions.length === 0 ? undefined : { ...s, Action: actions };
  });
}

/** The handler role's policies with one statement replaced. */
export function handlerPoliciesReplacing(deployed: DeployedStack, sid: string, replace: (statement: Statement) => Statement): PolicyDocument[] {
  return mapStatements(deployed, (s) => (s.Sid === sid ? replace(s) : s));
}

export async function decrypted(admin: Admin, name: string): Promise<string> {
  return (await admin.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!.Value!;
}

/** Every kept version, oldest first, decrypted. */
export async function history(admin: Admin, name: string): Promise<ParameterHistory[]> {
  return (await admin.ssm.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: true }))).Parameters!;
}

export async function tagsOf(admin: Admin, name: string): Promise<Record<string, string>> {
  const { TagList = [] } = await admin.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
  return Object.fromEntries(TagList.map((t) => [t.Key!, t.Value!]));
}

export async function expectGone(admin: Admin, name: string): Promise<void> {
  await expect(admin.ssm.send(new GetParameterCommand({ Name: name }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
}

/** Silences the handler's log lines (they never carry a value; the tests assert on responses). */
/**
 * One moto_server for the test file: started (handler logs silenced) before its tests, stopped after.
 * `use` receives the scenario when it has started.
 */
export function scenarioPerFile(use: (scenario: Scenario) => void): void {
  let started: Scenario | undefined;
  beforeAll(async () => {
    started = await startScenario();
    quietHandlerLogs();
    use(started);
  }, 30_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await started?.moto.stop();
  });
}

export function quietHandlerLogs(): void {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
}
