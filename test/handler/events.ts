import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ParameterProperties } from '../../lib/private/handler-protocol';

export const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/AppStack/8d2a5f30-0000-11ef-9d1c-0a1b2c3d4e5f';
export const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const OWNER = 'AppStack/DbPassword';

export function properties(overrides: Partial<ParameterProperties> = {}): ParameterProperties {
  return { Name: '/app/prod/db/password', KeyId: KEY_ARN, Tier: 'Standard', Source: { Type: 'generated' }, ...overrides };
}

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:handler',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
  StackId: STACK_ID,
  RequestId: 'request-1',
  LogicalResourceId: 'DbPassword',
  ResourceType: 'Custom::SecureStringParameter',
};

export function createEvent(props: ParameterProperties = properties()): CloudFormationCustomResourceEvent {
  return { ...common, RequestType: 'Create', ResourceProperties: withToken(props) } as CloudFormationCustomResourceEvent;
}

export function updateEvent(
  props: ParameterProperties,
  oldProps: ParameterProperties,
  physicalId = oldProps.Name,
): CloudFormationCustomResourceEvent {
  return {
    ...common,
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    ResourceProperties: withToken(props),
    OldResourceProperties: withToken(oldProps),
  } as CloudFormationCustomResourceEvent;
}

export function deleteEvent(props: ParameterProperties = properties(), physicalId = props.Name): CloudFormationCustomResourceEvent {
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: withToken(props) } as CloudFormationCustomResourceEvent;
}

function withToken(props: ParameterProperties): any {
  return { ServiceToken: common.ServiceToken, ...props };
}

/** An AWS SDK error as the SDK throws it: what matters to the handler is the name and message. */
export function awsError(name: string, message = ''): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}
