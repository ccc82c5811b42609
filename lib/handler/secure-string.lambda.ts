import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';
import { runBatch } from './batch';
import { chunkPhysicalId, parseBatchRequest } from './batch-request';
import { buildResponse, sendResponse } from './cfn-response';
import { Clients, createClients } from './clients';
import { explainError } from './errors';
import { LifecycleContext, LifecycleOutcome, runLifecycle } from './lifecycle';
import { runPlainPolicies } from './plain-policies';
import { redact } from './redact';
import { notCreatedPhysicalId, parseRequest } from './request';
import { BATCH_RESOURCE_TYPE } from '../private/batch-protocol';
import { ATTRIBUTE_ARN, ATTRIBUTE_VERSION, PLAIN_POLICIES_TYPE } from '../private/handler-protocol';

/**
 * Time kept back from the Lambda deadline to report the outcome to CloudFormation: enough for every
 * attempt of `sendResponse` (see cfn-response.ts).
 */
const RESPONSE_MARGIN_MS = 20_000;

let clients: Clients | undefined;

/**
 * The deploy-time handler of SecureStringParameter: one per stack. It logs the request type,
 * logical id and parameter name only, and never a value, a property or an AWS message unredacted.
 * It throws only when CloudFormation could not be told the outcome: Lambda then runs the event again
 * (asynchronous invocations are retried), and every request is safe to run twice.
 */
export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  clients ??= createClients();
  const response = await handleEvent(event, clients, Date.now() + context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
  await sendResponse(event.ResponseURL, response);
}

/**
 * Runs the request and builds CloudFormation's response; every failure, a malformed event included,
 * becomes a FAILED answer. Exported for tests: no Lambda needed.
 */
export async function handleEvent(
  event: CloudFormationCustomResourceEvent,
  sdk: Clients,
  deadline: number,
): Promise<CloudFormationCustomResourceResponse> {
  const ctx: LifecycleContext = { clients: sdk, deadline, secrets: secretsOfTemplate(event) };
  if (event.ResourceType === PLAIN_POLICIES_TYPE) {
    // plain parameters hold configuration, not secrets
    const parameterName = String((event.ResourceProperties as Record<string, unknown> | undefined)?.Name);
    return respond(event, parameterName, () => `${parameterName}#policies`, ctx, async () => answer(await runPlainPolicies(event, ctx)));
  }
  if (event.ResourceType === BATCH_RESOURCE_TYPE) {
    const chunkId = chunkIdOf(event);
    return respond(event, chunkId, () => chunkId, ctx, async () => runBatch(parseBatchRequest(event), ctx));
  }
  const name = nameOf(event);
  const properties = (event.ResourceProperties ?? {}) as Record<string, unknown>;
  const keyId = String(properties.KeyId ?? '-');
  const secretArn = sourceOf(properties)?.SecretArn;
  const failedPhysicalId = () => (event.RequestType === 'Create' && !ctx.created ? notCreatedPhysicalId(name) : name);
  return respond(event, name, failedPhysicalId, ctx, async () => answer(await runLifecycle(parseRequest(event), ctx)), keyId, typeof secretArn === 'string' ? secretArn : undefined);
}

/**
 * SUCCESS with the version and ARN, or FAILED with the operator's message, scrubbed of every value the
 * request touched. A failed Create reports `failedPhysicalId()`, so the rollback's Delete finds what it must
 * check: the name when this request made the parameter, else an id that names none (a parameter that
 * existed before — retained by an earlier stack of the same name — must survive the rollback).
 */
async function respond(
  event: CloudFormationCustomResourceEvent,
  name: string,
  failedPhysicalId: () => string,
  ctx: LifecycleContext,
  run: () => Promise<Answer>,
  keyId = '-',
  secretArn?: string,
): Promise<CloudFormationCustomResourceResponse> {
  try {
    const outcome = await run();
    console.log(`${event.RequestType} ${event.LogicalResourceId} (${outcome.physicalId}): SUCCESS, ${JSON.stringify(outcome.data)}`);
    return buildResponse(event, { status: 'SUCCESS', physicalId: outcome.physicalId, data: outcome.data });
  } catch (err) {
    const reason = redact(explainError(err, { parameterName: name, keyId, secretArn }), ctx.secrets);
    console.error(`${event.RequestType} ${event.LogicalResourceId} (${name}): FAILED: ${reason}`);
    return buildResponse(event, { status: 'FAILED', physicalId: failedPhysicalId(), reason });
  }
}

/** What CloudFormation is told on success: the physical id, and the attributes (never a value). */
interface Answer {
  readonly physicalId: string;
  readonly data: Record<string, string>;
}

function answer(outcome: LifecycleOutcome): Answer {
  const data = {
    ...(outcome.version === undefined ? {} : { [ATTRIBUTE_VERSION]: String(outcome.version) }),
    ...(outcome.arn === undefined ? {} : { [ATTRIBUTE_ARN]: outcome.arn }),
  };
  return { physicalId: outcome.physicalId, data };
}

/** A chunk's physical id: the one CloudFormation knows, else the one its properties give, else its logical id. */
function chunkIdOf(event: CloudFormationCustomResourceEvent): string {
  if ('PhysicalResourceId' in event && event.PhysicalResourceId) {
    return event.PhysicalResourceId;
  }
  const props = (event.ResourceProperties ?? {}) as Record<string, unknown>;
  return typeof props.Path === 'string' ? chunkPhysicalId(props.Path, Number(props.Index ?? 0)) : String(event.LogicalResourceId);
}

/**
 * The physical id CloudFormation knows, else the name the template asks for, else the logical id: a
 * malformed Create still answers an id, and the rollback's Delete of an id that names no parameter succeeds.
 */
function nameOf(event: CloudFormationCustomResourceEvent): string {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined;
  const name = (event.ResourceProperties as Record<string, unknown> | undefined)?.Name;
  return physicalId ?? (typeof name === 'string' && name.length > 0 ? name : String(event.LogicalResourceId));
}

/** The texts of placeholder or plain-text sources (new and old), redacted from any message like a generated value. */
function secretsOfTemplate(event: CloudFormationCustomResourceEvent): Set<string> {
  const old = 'OldResourceProperties' in event ? event.OldResourceProperties : undefined;
  const texts = [event.ResourceProperties, old].map((props) => sourceOf(props)?.Text);
  return new Set(texts.filter((t): t is string => typeof t === 'string' && t.length > 0));
}

function sourceOf(properties: unknown): { Text?: unknown; SecretArn?: unknown } | undefined {
  return (properties as Record<string, unknown> | undefined)?.Source as { Text?: unknown; SecretArn?: unknown } | undefined;
}
