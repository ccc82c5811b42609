import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DeployedStack } from './deployed-stack';

/**
 * The events CloudFormation sends a custom resource of a deployed stack: its resolved properties (all
 * scalars as strings, as CloudFormation delivers them), the stack's id and the resource's logical id.
 */
export function createEventFor(deployed: DeployedStack, logicalId: string): CloudFormationCustomResourceEvent {
  return { ...common(deployed, logicalId), RequestType: 'Create' } as CloudFormationCustomResourceEvent;
}

/** An Update from `previous` (the template before) to `deployed`, of the resource CloudFormation knows as `physicalId`. */
export function updateEventFor(
  deployed: DeployedStack,
  previous: DeployedStack,
  logicalId: string,
  physicalId: string,
): CloudFormationCustomResourceEvent {
  return {
    ...common(deployed, logicalId),
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    OldResourceProperties: stringified(previous.properties(logicalId)),
  } as CloudFormationCustomResourceEvent;
}

/** A Delete with the properties of the template that last deployed the resource. */
export function deleteEventFor(deployed: DeployedStack, logicalId: string, physicalId: string): CloudFormationCustomResourceEvent {
  return { ...common(deployed, logicalId), RequestType: 'Delete', PhysicalResourceId: physicalId } as CloudFormationCustomResourceEvent;
}

function common(deployed: DeployedStack, logicalId: string) {
  const properties = stringified(deployed.properties(logicalId));
  return {
    ServiceToken: properties.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
    StackId: deployed.stackId,
    RequestId: `request-${logicalId}`,
    LogicalResourceId: logicalId,
    ResourceType: deployed.resourceType(logicalId),
    ResourceProperties: properties,
  };
}

/** CloudFormation passes every scalar property of a custom resource as a string. */
function stringified(value: any): any {
  if (Array.isArray(value)) return value.map(stringified);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringified(v)]));
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}
