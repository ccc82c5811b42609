import { CliError } from './cli-error';
import { AssemblyStack, TemplateResource } from './cloud-assembly';
import { BATCH_RESOURCE_TYPE, BatchProperties, memberObject, memberSource } from '../private/batch-protocol';
import { closestNames } from '../private/closest-names';
import { PARAMETER_RESOURCE_TYPE, ParameterProperties, SourceProperties, SourceType, canonicalParameterName } from '../private/handler-protocol';

/** A SecureString of the assembly: where it is, and what the template says of its value and key. */
export interface AssemblyParameter {
  /** The name as the template writes it. */
  readonly name: string;
  readonly stack: AssemblyStack;
  /** The construct path of the resource that writes it (a chunk's, for a batched member). */
  readonly constructPath: string;
  /** The template's `KeyId`: a string, or an intrinsic to resolve. */
  readonly keyId: unknown;
  readonly source: SourceProperties;
  readonly allowedPattern?: string;
}

/** Every SecureString whose name the templates write as a string. */
export function assemblyParameters(stacks: AssemblyStack[]): AssemblyParameter[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {}).flatMap(([logicalId, resource]) => {
      const constructPath = String(resource.Metadata?.['aws:cdk:path'] ?? `${stack.displayName}/${logicalId}`);
      if (resource.Type === PARAMETER_RESOURCE_TYPE) {
        return singleParameter(stack, constructPath, resource);
      }
      return resource.Type === BATCH_RESOURCE_TYPE ? batchMembers(stack, constructPath, resource) : [];
    }),
  );
}

function singleParameter(stack: AssemblyStack, constructPath: string, resource: TemplateResource): AssemblyParameter[] {
  const props = (resource.Properties ?? {}) as ParameterProperties;
  if (typeof props.Name !== 'string') {
    return [];
  }
  return [{ name: props.Name, stack, constructPath, keyId: props.KeyId, source: props.Source, allowedPattern: props.AllowedPattern }];
}

function batchMembers(stack: AssemblyStack, constructPath: string, resource: TemplateResource): AssemblyParameter[] {
  const props = (resource.Properties ?? {}) as BatchProperties;
  if (typeof props.Path !== 'string') {
    return [];
  }
  return (props.Members ?? []).map((entry) => {
    const member = memberObject(entry);
    const allowedPattern = member.AllowedPattern === '' ? undefined : member.AllowedPattern;
    return { name: `${props.Path}/${member.N}`, stack, constructPath, keyId: props.KeyId, source: memberSource(entry), allowedPattern };
  });
}

/** The names of the plain String and StringList parameters (`AWS::SSM::Parameter`) the templates write as strings. */
export function plainParameterNames(stacks: AssemblyStack[]): string[] {
  return stacks.flatMap((stack) =>
    Object.values(stack.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::SSM::Parameter' && typeof r.Properties?.Name === 'string')
      .map((r) => String(r.Properties!.Name)),
  );
}

/**
 * The one parameter named `name` (`a` and `/a` are one parameter), in `stackName` when given. An unknown
 * name lists the closest names of the assembly (or says it is a plain String); a name in several stacks
 * asks for --stack.
 */
export function findParameter(parameters: AssemblyParameter[], name: string, stackName?: string, plainNames: string[] = []): AssemblyParameter {
  const inStack = stackName === undefined ? parameters : parameters.filter((p) => matchesStack(p.stack, stackName));
  if (stackName !== undefined && inStack.length === 0) {
    const stacks = [...new Set(parameters.map((p) => p.stack.stackName))];
    throw new CliError(`no stack '${stackName}' with SecureStrings in the assembly; stacks with SecureStrings: ${stacks.join(', ') || 'none'}`);
  }
  const wanted = canonicalParameterName(name);
  const named = inStack.filter((p) => canonicalParameterName(p.name) === wanted);
  // a replica's value comes from its source, the one parameter a ciphertext is made for
  const sources = named.filter((p) => p.source?.Type !== SourceType.REPLICA);
  const found = sources.length > 0 ? sources : named;
  if (found.length === 1) {
    return found[0];
  }
  if (found.length > 1) {
    const where = found.map((p) => `${p.stack.stackName} (${p.constructPath})`).join(', ');
    throw new CliError(`${name} is written by more than one stack: ${where}. Pass --stack <stack name> to choose one`);
  }
  if (plainNames.some((plain) => canonicalParameterName(plain) === wanted)) {
    throw new CliError(`${name} is a plain String parameter (AWS::SSM::Parameter), not a SecureString: only a SecureString's value comes from a ciphertext`);
  }
  const closest = closestNames(name, inStack.map((p) => p.name));
  const scope = stackName === undefined ? 'the assembly' : `stack ${stackName}`;
  throw new CliError(
    `no SecureString named ${name} in ${scope}` +
      (closest.length > 0 ? `; the closest names are ${closest.join(', ')}` : '; it has no SecureString parameters') +
      '. Check the name (the full name, with the hierarchy\'s path) and that cdk.out is from a current `cdk synth`',
  );
}

function matchesStack(stack: AssemblyStack, wanted: string): boolean {
  return [stack.stackName, stack.id, stack.displayName].includes(wanted);
}
