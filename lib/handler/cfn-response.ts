import * as http from 'http';
import * as https from 'https';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/** CloudFormation accepts a response body of at most 4,096 bytes ("Custom resource response" quota). */
export const MAX_RESPONSE_BYTES = 4_096;
/** The reason is the only open-ended part; it never takes more than this, and less when the rest is long. */
const MAX_REASON_LENGTH = 1_500;

export interface ResponseContent {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalId: string;
  readonly reason?: string;
  readonly data?: Record<string, string>;
}

/**
 * The response, within CloudFormation's 4,096 bytes by construction: every other field is bounded by AWS (a
 * parameter name and ARN, a stack id, a logical id), and the reason is cut to what the rest leaves.
 */
export function buildResponse(event: CloudFormationCustomResourceEvent, content: ResponseContent): CloudFormationCustomResourceResponse {
  const response = {
    Status: content.status,
    PhysicalResourceId: content.physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: content.data,
  } as CloudFormationCustomResourceResponse;
  if (content.reason === undefined) {
    return response;
  }
  // `"Reason":"",` and the JSON escapes a reason may need (a quote or a backslash takes two bytes)
  const room = MAX_RESPONSE_BYTES - Buffer.byteLength(JSON.stringify(response)) - '"Reason":"",'.length;
  return { ...response, Reason: cutToBytes(content.reason, Math.min(MAX_REASON_LENGTH, room)) };
}

/** The longest start of `text` whose JSON string form takes at most `maxBytes` bytes, never splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  let cut = '';
  let bytes = 0;
  for (const character of text) {
    const size = Buffer.byteLength(JSON.stringify(character)) - 2;
    if (bytes + size > maxBytes) {
      break;
    }
    cut += character;
    bytes += size;
  }
  return cut;
}

/** How the response travels; tests replace the parts. */
export interface ResponseTransport {
  readonly put: (url: string, body: string, timeoutMs: number) => Promise<void>;
  readonly sleep: (ms: number) => Promise<void>;
}

export const HTTPS_TRANSPORT: ResponseTransport = {
  put,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Attempts and their timing: 4 attempts of at most 3 s with 0.5, 1 and 2 s between them take at most
 * 15.5 s, within the margin the entry point keeps before the Lambda deadline.
 */
export const RESPONSE_ATTEMPTS = 4;
export const RESPONSE_TIMEOUT_MS = 3_000;
const FIRST_BACKOFF_MS = 500;

/**
 * PUTs the response to CloudFormation's pre-signed S3 URL, retrying failures with exponential backoff. The
 * last failure is thrown: the handler then fails, and Lambda's retry of the event answers again.
 */
export async function sendResponse(responseUrl: string, response: CloudFormationCustomResourceResponse, transport = HTTPS_TRANSPORT): Promise<void> {
  const body = JSON.stringify(response);
  for (let attempt = 1; ; attempt++) {
    try {
      return await transport.put(responseUrl, body, RESPONSE_TIMEOUT_MS);
    } catch (err) {
      if (attempt >= RESPONSE_ATTEMPTS) {
        throw new Error(`could not send the response to CloudFormation after ${attempt} attempts: ${err instanceof Error ? err.message : String(err)}`);
      }
      await transport.sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

/** One PUT; the body goes with an empty content type, as the pre-signed URL requires. */
function put(url: string, body: string, timeoutMs: number): Promise<void> {
  // the response URL is always https; plain http serves local tests
  const request = new URL(url).protocol === 'http:' ? http.request : https.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`CloudFormation response URL answered ${res.statusCode}`))));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from the CloudFormation response URL within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
