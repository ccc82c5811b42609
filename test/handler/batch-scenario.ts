import { DescribeParametersCommand, GetParametersByPathCommand, GetParametersByPathCommandOutput, ParameterMetadata } from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { Admin, StackVersion, tagsOf } from './iam-scenario';
import { Clients } from '../../lib/handler/clients';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { BATCH_RESOURCE_TYPE, MemberEntry } from '../../lib/private/batch-protocol';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * What the batched scenarios under the IAM layer add to iam-scenario.ts: a chunk's events run with the
 * time a real invocation has, the chunks of a stack version and their members, the handler's Parameter
 * Store calls counted, and everything under a path as an administrator sees it.
 */

/** What the handler has of Lambda's 15 minutes once it keeps its response margin (secure-string.lambda.ts). */
const INVOCATION_MS = 880_000;

/** Runs a chunk's event with the time a real invocation has: a thousand paced writes need minutes, not one. */
export function runChunk(event: CloudFormationCustomResourceEvent, clients: Clients): Promise<CloudFormationCustomResourceResponse> {
  return handleEvent(event, clients, Date.now() + INVOCATION_MS);
}

export async function chunkSucceeds(event: CloudFormationCustomResourceEvent, clients: Clients): Promise<CloudFormationCustomResourceResponse> {
  const response = await runChunk(event, clients);
  expect(response).toMatchObject({ Status: 'SUCCESS' });
  return response;
}

/** Runs the event, expects FAILED, and returns the reason. */
export async function chunkFailure(event: CloudFormationCustomResourceEvent, clients: Clients): Promise<string> {
  const response = await runChunk(event, clients);
  expect(response.Status).toBe('FAILED');
  return response.Reason ?? '';
}

/** The logical ids of the stack's chunks, by index. */
export function chunkIds(version: StackVersion<unknown>): string[] {
  const chunks = Object.keys(Template.fromStack(version.stack).findResources(BATCH_RESOURCE_TYPE));
  return chunks.sort((a, b) => Number(version.deployed.properties(a).Index) - Number(version.deployed.properties(b).Index));
}

/** The full names of the members a chunk's template properties list. */
export function membersOf(version: StackVersion<unknown>, chunkId: string): string[] {
  const { Path, Members } = version.deployed.properties(chunkId) as { Path: string; Members: MemberEntry[] };
  return Members.map((m) => `${Path}/${typeof m === 'string' ? m : m.N}`);
}

/** The owner tag value a chunk puts on its members: `<stack>/<chunk logical id>`. */
export function ownerOf(version: StackVersion<unknown>, chunkId: string): string {
  return `${Stack.of(version.stack).stackName}/${chunkId}`;
}

/** The handler's SSM commands as it sends them (attempts the IAM layer denies included). */
export interface SentSsm {
  readonly clients: Clients;
  /** How many of this command (`PutParameter`, …) were sent. */
  readonly count: (command: string) => number;
  /** Every parameter name a command was sent for (a label or version selector taken off). */
  readonly touched: () => ReadonlySet<string>;
  readonly sent: ReadonlyArray<{ readonly command: string; readonly input: Record<string, any> }>;
}

export function recordedSsm(clients: Clients): SentSsm {
  const sent: Array<{ command: string; input: Record<string, any> }> = [];
  const send = clients.ssm.send.bind(clients.ssm);
  jest.spyOn(clients.ssm, 'send').mockImplementation(((command: { constructor: { name: string }; input: Record<string, any> }) => {
    sent.push({ command: command.constructor.name.replace(/Command$/, ''), input: command.input });
    return send(command as any);
  }) as any);
  const namesOf = (input: Record<string, any>): string[] => [input.Name, input.ResourceId, ...(input.Names ?? [])].filter((n) => typeof n === 'string');
  return {
    clients,
    sent,
    count: (command) => sent.filter((s) => s.command === command).length,
    touched: () => new Set(sent.flatMap((s) => namesOf(s.input)).map((n) => n.split(':')[0])),
  };
}

/** One parameter as the administrator sees it: the decrypted value of its newest version and its metadata. */
export interface StoredParameter {
  readonly value: string;
  readonly version: number;
  readonly type: string;
  readonly keyId?: string;
  readonly description?: string;
  readonly tier?: string;
}

/** Every parameter under `path` (recursively), by name: ten values per call, fifty descriptions per call. */
export async function storedUnder(admin: Admin, path: string): Promise<Map<string, StoredParameter>> {
  const metadata = new Map<string, ParameterMetadata>();
  let nextToken: string | undefined;
  do {
    const page = await admin.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [path] }], MaxResults: 50, NextToken: nextToken }),
    );
    for (const p of page.Parameters ?? []) metadata.set(p.Name!, p);
    nextToken = page.NextToken;
  } while (nextToken);
  const stored = new Map<string, StoredParameter>();
  nextToken = undefined;
  do {
    const byPath = new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, MaxResults: 10, NextToken: nextToken });
    const page: GetParametersByPathCommandOutput = await admin.ssm.send(byPath);
    for (const p of page.Parameters ?? []) {
      const m = metadata.get(p.Name!);
      stored.set(p.Name!, { value: p.Value!, version: p.Version!, type: p.Type!, keyId: m?.KeyId, description: m?.Description, tier: m?.Tier });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return stored;
}

/** The owner tag of each name, read twenty at a time. */
export async function ownersOf(admin: Admin, names: readonly string[]): Promise<Map<string, string | undefined>> {
  const owners = new Map<string, string | undefined>();
  for (let i = 0; i < names.length; i += 20) {
    const group = names.slice(i, i + 20);
    const tags = await Promise.all(group.map((name) => tagsOf(admin, name)));
    group.forEach((name, j) => owners.set(name, tags[j][OWNER_TAG_KEY]));
  }
  return owners;
}
