import { App, Environment, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HierarchyDeployment, ParameterHierarchy, SecureStringParameter, SecureValue } from '../lib';

/** Realistic names: a few services under one environment path. */
export function parameterName(i: number): string {
  return `/myapp/prod/service${i % 12}/secret-${i}`;
}

/** A stack of `n` generated SecureStrings (with the handler and default key they bring). */
export function secureStringStack(n: number): Stack {
  const stack = new Stack(new App(), 'Bench');
  for (let i = 0; i < n; i++) {
    new SecureStringParameter(stack, `P${i}`, { parameterName: parameterName(i), value: SecureValue.generated() });
  }
  return stack;
}

/** The baseline: `n` aws-cdk-lib StringParameters with the same names (or those `name` gives). */
export function stringParameterStack(n: number, name: (i: number) => string = parameterName): Stack {
  const stack = new Stack(new App(), 'Bench');
  for (let i = 0; i < n; i++) {
    new ssm.StringParameter(stack, `P${i}`, { parameterName: name(i), stringValue: 'configuration-value' });
  }
  return stack;
}

/** The path of the batched hierarchy of the benchmarks. */
export const BATCH_PATH = '/myapp/prod';

/** A batched member's name relative to {@link BATCH_PATH}: 21 to 25 characters, about 24 on average at N = 5,000. */
export function memberName(i: number): string {
  return `service${i % 12}/secret-key-${i}`;
}

export interface BatchedStackOptions {
  /** A concrete account and region, for a stack deployed into the emulator. */
  readonly env?: Environment;
  /** The description of member `i`, to make a later version of the stack change some members. */
  readonly description?: (i: number) => string | undefined;
}

/** A stack with one batched hierarchy of `n` generated SecureStrings at the default writesPerSecond. */
export function batchedStack(n: number, options: BatchedStackOptions = {}): Stack {
  const stack = new Stack(new App(), 'Bench', { env: options.env });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: BATCH_PATH, deployment: HierarchyDeployment.batched() });
  for (let i = 0; i < n; i++) {
    hierarchy.addSecureString(`P${i}`, { name: memberName(i), value: SecureValue.generated(), description: options.description?.(i) });
  }
  return stack;
}

/** The synthesized template as CloudFormation receives it (minified JSON). */
export function synthesizedTemplate(stack: Stack): { resources: number; bytes: number } {
  const assembly = (stack.node.root as App).synth();
  const template = assembly.getStackByName(stack.stackName).template;
  return { resources: Object.keys(template.Resources).length, bytes: Buffer.byteLength(JSON.stringify(template)) };
}
