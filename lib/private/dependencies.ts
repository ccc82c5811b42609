import { CfnResource, Stack } from 'aws-cdk-lib';

/*
 * aws-cdk-lib renamed CfnResource#addDependency and Stack#addDependency to addResourceDependency and
 * addStackDependency, and deprecates the old names on its newest releases: with JSII_DEPRECATED=fail (set by many
 * pipelines) a call to them stops synth. The floor this library accepts (2.257) has only the old names. Each helper
 * calls the new name where the user's aws-cdk-lib has it, so no version this library accepts sees a deprecated call.
 */

type ResourceWithNewName = CfnResource & { addResourceDependency?: (target: CfnResource) => void };
type StackWithNewName = Stack & { addStackDependency?: (target: Stack, reason?: string) => void };

/** `source` is created after `target` (a `DependsOn` in the template). */
export function addResourceDependency(source: CfnResource, target: CfnResource): void {
  const resource = source as ResourceWithNewName;
  if (typeof resource.addResourceDependency === 'function') {
    resource.addResourceDependency(target);
  } else {
    source.addDependency(target);
  }
}

/** `source` is deployed after `target`, for `reason` (shown by `cdk ls` and in the assembly). */
export function addStackDependency(source: Stack, target: Stack, reason: string): void {
  const stack = source as StackWithNewName;
  if (typeof stack.addStackDependency === 'function') {
    stack.addStackDependency(target, reason);
  } else {
    source.addDependency(target, reason);
  }
}
