import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { buildResponse, sendResponse } from './cfn-response';
import { Clients, createClients } from './clients';
import { explainError } from './errors';
import { LifecycleContext, runLifecycle } from './lifecycle';
import { redact } from './redact';
import { parseRequest } from './request';
import { ATTRIBUTE_VERSION } from '../private/handler-protocol';

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

/** Runs the lifecycle and builds CloudFormation's response. Exported for tests: no Lambda needed. */
export async function handleEvent(event: CloudFormationCustomResourceEvent, sdk: Clients, deadline: number) {
  const request = parseRequest(event);
  const name = request.physicalId ?? request.spec.name;
  const ctx: LifecycleContext = { clients: sdk, deadline, secrets: secretsOfTemplate(request.spec.source.Text) };
  try {
    const outcome = await runLifecycle(request, ctx);
    console.log(`${event.RequestType} ${event.LogicalResourceId} (${outcome.physicalId}): SUCCESS, version ${outcome.version ?? '-'}`);
    const data: Record<string, string> = outcome.version === undefined ? {} : { [ATTRIBUTE_VERSION]: String(outcome.version) };
    return buildResponse(event, { status: 'SUCCESS', physicalId: outcome.physicalId, data });
  } catch (err) {
    const explained = explainError(err, { parameterName: name, keyId: request.spec.keyId, secretArn: request.spec.source.SecretArn });
    const reason = redact(explained, ctx.secrets);
    console.error(`${event.RequestType} ${event.LogicalResourceId} (${name}): FAILED: ${reason}`);
    // a failed Create reports the name, so the rollback's Delete finds it (and deletes it only if ours)
    return buildResponse(event, { status: 'FAILED', physicalId: name, reason });
  }
}

function secretsOfTemplate(text: string | undefined): Set<string> {
  return new Set(text ? [text] : []);
}
