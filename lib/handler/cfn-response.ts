import { request } from 'https';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/** CloudFormation accepts a response body of at most 4 KB; the reason is the only open-ended part. */
const MAX_REASON_LENGTH = 1_500;

export interface ResponseContent {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalId: string;
  readonly reason?: string;
  readonly data?: Record<string, string>;
}

export function buildResponse(event: CloudFormationCustomResourceEvent, content: ResponseContent): CloudFormationCustomResourceResponse {
  return {
    Status: content.status,
    Reason: content.reason === undefined ? undefined : content.reason.slice(0, MAX_REASON_LENGTH),
    PhysicalResourceId: content.physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: content.data,
  } as CloudFormationCustomResourceResponse;
}

/** PUTs the response to CloudFormation's pre-signed S3 URL, retrying transient network failures. */
export async function sendResponse(responseUrl: string, response: CloudFormationCustomResourceResponse, attempts = 3): Promise<void> {
  const body = JSON.stringify(response);
  for (let attempt = 1; ; attempt++) {
    try {
      return await put(responseUrl, body);
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

function put(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`CloudFormation response URL answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
