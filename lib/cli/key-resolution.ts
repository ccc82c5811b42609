import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { CliError } from './cli-error';
import { AssemblyStack } from './cloud-assembly';
import { NO_CREDENTIALS } from './kms-errors';
import { AssemblyParameter } from './parameter-lookup';

/** Where a parameter lives: its ARN and its key's ARN are built from this. */
export interface ParameterEnvironment {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/** The key to encrypt under, and where the command learned it (said on standard error). */
export interface ResolvedKey {
  readonly keyId: string;
  readonly from: string;
}

/** Asks CloudFormation for the physical id of a deployed stack's resource. */
export type DeployedResourceLookup = (region: string, stackName: string, logicalId: string) => Promise<string>;

/** The lookup through `cloudformation:DescribeStackResource` (a key's physical id is its key id). */
export function deployedResourceLookup(cloudformation: (region: string) => CloudFormationClient): DeployedResourceLookup {
  return async (region, stackName, logicalId) => {
    const command = new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId });
    const physicalId = (await cloudformation(region).send(command)).StackResourceDetail?.PhysicalResourceId;
    if (!physicalId) {
      throw new Error(`the stack's record of ${logicalId} has no physical id yet`);
    }
    return physicalId;
  };
}

/** A key the template names by a resource of the same stack (`Ref` or `Fn::GetAtt …Arn`), or by an export. */
interface KeyResource {
  readonly stack: AssemblyStack;
  readonly logicalId: string;
}

const KEY_TYPES = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'];

/**
 * The parameter's key: `--key` when given, else the key's alias in the template (or the key ARN the
 * template writes), else the deployed stack's record of the key resource. When none works, the error
 * says which of the three to provide, and why each failed.
 */
export async function resolveKey(
  parameter: AssemblyParameter,
  env: ParameterEnvironment,
  stacks: AssemblyStack[],
  keyOption: string | undefined,
  lookupDeployed: DeployedResourceLookup,
): Promise<ResolvedKey> {
  if (keyOption !== undefined) {
    return { keyId: keyOption, from: '--key' };
  }
  if (typeof parameter.keyId === 'string') {
    return { keyId: parameter.keyId, from: 'the template' };
  }
  const resource = keyResource(parameter.keyId, parameter.stack, stacks);
  if (!resource) {
    throw new CliError(
      `${parameter.name}: its key is ${JSON.stringify(parameter.keyId)} in the template, which this command cannot follow. ` +
        'Pass --key <key ARN, key id or alias>',
    );
  }
  const alias = aliasOf(resource);
  if (alias !== undefined) {
    return { keyId: `arn:${env.partition}:kms:${env.region}:${env.account}:${alias}`, from: `the alias ${alias} in the template` };
  }
  try {
    const keyId = await lookupDeployed(env.region, resource.stack.stackName, resource.logicalId);
    return { keyId: `arn:${env.partition}:kms:${env.region}:${env.account}:key/${keyId}`, from: `deployed stack ${resource.stack.stackName}` };
  } catch (err) {
    if ((err as { name?: string }).name === 'CredentialsProviderError') {
      throw new CliError(`${parameter.name}: ${NO_CREDENTIALS} (to ask CloudFormation for the key of stack ${resource.stack.stackName}; or pass --key)`);
    }
    throw new CliError(
      `${parameter.name}: cannot tell its KMS key. The key (${resource.logicalId} in ${resource.stack.stackName}) has no alias in the template, ` +
        `and CloudFormation could not tell its id in ${env.region} (${describe(err)}). Provide one of: ` +
        '--key <key ARN, key id or alias>; an alias on the key (ParameterKey\'s `alias` prop, then `cdk synth`); ' +
        `or deploy stack ${resource.stack.stackName} and run this with credentials that may call cloudformation:DescribeStackResource on it`,
    );
  }
}

/** The key resource that a `KeyId` intrinsic names, following an `Fn::ImportValue` to the exporting stack. */
function keyResource(keyId: unknown, stack: AssemblyStack, stacks: AssemblyStack[]): KeyResource | undefined {
  const logicalId = referencedLogicalId(keyId);
  if (logicalId !== undefined) {
    return KEY_TYPES.includes(stack.template.Resources?.[logicalId]?.Type ?? '') ? { stack, logicalId } : undefined;
  }
  const exportName = (keyId as { 'Fn::ImportValue'?: unknown } | undefined)?.['Fn::ImportValue'];
  if (typeof exportName !== 'string') {
    return undefined;
  }
  for (const exporter of stacks) {
    const output = Object.values(exporter.template.Outputs ?? {}).find((o) => o.Export?.Name === exportName);
    if (output) {
      return keyResource(output.Value, exporter, stacks);
    }
  }
  return undefined;
}

/** `{ Ref: id }` or `{ 'Fn::GetAtt': [id, 'Arn' | 'KeyId'] }`. */
function referencedLogicalId(value: unknown): string | undefined {
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref === 'string') {
    return ref;
  }
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** The name of an alias of the same stack that targets the key, if the template writes one as a string. */
function aliasOf(key: KeyResource): string | undefined {
  const aliases = Object.values(key.stack.template.Resources ?? {}).filter(
    (r) => r.Type === 'AWS::KMS::Alias' && referencedLogicalId(r.Properties?.TargetKeyId) === key.logicalId && typeof r.Properties?.AliasName === 'string',
  );
  return aliases.length > 0 ? String(aliases[0].Properties!.AliasName) : undefined;
}

function describe(err: unknown): string {
  const name = (err as { name?: string }).name ?? 'Error';
  const message = (err as { message?: string }).message ?? String(err);
  return `${name}: ${message}`;
}
