import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { buildResponse, sendResponse } from './cfn-response';
import { Clients, createClients } from './clients';
import { explainError } from './errors';
import { LifecycleContext, LifecycleOutcome, runLifecycle } from './lifecycle';
import { runPlainPolicies } from './plain-policies';
import { redact } from './redact';
import { parseRequest } from './request';
import { ATTRIBUTE_VERSION, PLAIN_POLICIES_TYPE } from '../private/handler-protocol';

/** Time kept back from the Lambda deadline to report the outcome to CloudFormation. */
const RESPONSE_MARGIN_MS = 15_000;

let clients: Clients | undefined;

/**
 * The deploy-time handler of SecureStringParameter: one per stack. It logs the request type,
 * logical id and parameter name only, and never a value, a property or an AWS message unredacted.
 */
export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  clients ??= createClients();
  const response = await handleEvent(event, clients, Date.now() + context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
  await sendResponse(event.ResponseURL, response);
}

/** Runs the request and builds CloudFormation's response. Exported for tests: no Lambda needed. */
export async function handleEvent(event: CloudFormationCustomResourceEvent, sdk: Clients, deadline: number) {
  if (event.ResourceType === PLAIN_POLICIES_TYPE) {
    // plain parameters hold configuration, not secrets
    const name = String(event.ResourceProperties.Name);
    const ctx: LifecycleContext = { clients: sdk, deadline, secrets: new Set() };
    return respond(event, name, `${name}#policies`, '-', ctx, () => runPlainPolicies(event, ctx));
  }
  const request = parseRequest(event);
  const name = request.physicalId ?? request.spec.name;
  const ctx: LifecycleContext = { clients: sdk, deadline, secrets: secretsOfTemplate(request.spec.source.Text) };
  return respond(event, name, name, request.spec.keyId, ctx, () => runLifecycle(request, ctx), request.spec.source.SecretArn);
}

/**
 * SUCCESS with the version, or FAILED with the operator's message, scrubbed of every value the request
 * touched. A failed Create reports `failedPhysicalId`, so the rollback's Delete finds what it must check.
 */
async function respond(
  event: CloudFormationCustomResourceEvent,
  name: string,
  failedPhysicalId: string,
  keyId: string,
  ctx: LifecycleContext,
  run: () => Promise<LifecycleOutcome>,
  secretArn?: string,
) {
  try {
    const outcome = await run();
    console.log(`${event.RequestType} ${event.LogicalResourceId} (${outcome.physicalId}): SUCCESS, version ${outcome.version ?? '-'}`);
    const data: Record<string, string> = outcome.version === undefined ? {} : { [ATTRIBUTE_VERSION]: String(outcome.version) };
    return buildResponse(event, { status: 'SUCCESS', physicalId: outcome.physicalId, data });
  } catch (err) {
    const reason = redact(explainError(err, { parameterName: name, keyId, secretArn }), ctx.secrets);
    console.error(`${event.RequestType} ${event.LogicalResourceId} (${name}): FAILED: ${reason}`);
    return buildResponse(event, { status: 'FAILED', physicalId: failedPhysicalId, reason });
  }
}

function secretsOfTemplate(text: string | undefined): Set<string> {
  return new Set(text ? [text] : []);
}
