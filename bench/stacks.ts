import { App, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { SecureStringParameter, SecureValue } from '../lib';

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

/** The baseline: `n` aws-cdk-lib StringParameters with the same names. */
export function stringParameterStack(n: number): Stack {
  const stack = new Stack(new App(), 'Bench');
  for (let i = 0; i < n; i++) {
    new ssm.StringParameter(stack, `P${i}`, { parameterName: parameterName(i), stringValue: 'configuration-value' });
  }
  return stack;
}

/** The synthesized template as CloudFormation receives it (minified JSON). */
export function synthesizedTemplate(stack: Stack): { resources: number; bytes: number } {
  const assembly = (stack.node.root as App).synth();
  const template = assembly.getStackByName(stack.stackName).template;
  return { resources: Object.keys(template.Resources).length, bytes: Buffer.byteLength(JSON.stringify(template)) };
}
