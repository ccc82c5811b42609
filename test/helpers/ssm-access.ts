import { ParameterHistory } from '@aws-sdk/client-ssm';
import { AccessCheck, Environment, kmsViaService, requestTagKeys, resourceTagKeys } from './access-check';
import { EmulatorState } from './emulator-state';
import { encryptActionOf, storedTier } from './parameter-tier';

type Input = Record<string, any>;
type Tags = ReadonlyArray<{ Key?: string; Value?: string }>;

/**
 * The checks AWS makes for one Parameter Store call: the SSM action on each parameter ARN (on the path
 * for GetParametersByPath, on `*` for DescribeParameters) with the parameter's current tags, the tags the
 * request sets, and the KMS calls Parameter Store makes for a SecureString with the caller's credentials.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-retrieval-authorization.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
 */
export async function ssmChecks(operation: string, input: Input, state: EmulatorState, env: Environment): Promise<AccessCheck[]> {
  const action = `ssm:${operation}`;
  switch (operation) {
    case 'PutParameter':
      return putParameterChecks(input, state, env);
    case 'GetParameter':
    case 'GetParameters':
      return readChecks(action, operation === 'GetParameter' ? [input.Name] : input.Names, input.WithDecryption === true, state, env);
    case 'GetParameterHistory':
      return historyChecks(input, state, env);
    case 'GetParametersByPath':
      return pathChecks(input, state, env);
    case 'DeleteParameter':
    case 'LabelParameterVersion':
    case 'UnlabelParameterVersion':
      return [await onParameter(action, input.Name, {}, state, env)];
    case 'DeleteParameters':
      return Promise.all((input.Names as string[]).map((name) => onParameter(action, name, {}, state, env)));
    case 'ListTagsForResource':
      return [await onParameter(action, tagged(input), {}, state, env)];
    case 'AddTagsToResource':
      return [await onParameter(action, tagged(input), requestTagKeys(input.Tags as Tags), state, env)];
    case 'RemoveTagsFromResource':
      return [await onParameter(action, tagged(input), { 'aws:TagKeys': input.TagKeys as string[] }, state, env)];
    case 'DescribeParameters':
      return [{ action, resource: '*', context: {} }];
    default:
      throw new Error(`the IAM layer does not know ${action}: describe its checks in test/helpers/ssm-access.ts`);
  }
}

/** `arn:<p>:ssm:<r>:<a>:parameter/<name without leading slash>`; a name given as an ARN is one already. */
export function parameterArn(name: string, env: Environment): string {
  return name.startsWith('arn:') ? name : `arn:${env.partition}:ssm:${env.region}:${env.account}:parameter/${name.replace(/^\//, '')}`;
}

/**
 * Creating with tags also needs ssm:AddTagsToResource (CloudFormation's AWS::SSM::Parameter page: "you must
 * have ... ssm:PutParameter and ssm:AddTagsToResource"); a SecureString write needs the tier's KMS action.
 */
async function putParameterChecks(input: Input, state: EmulatorState, env: Environment): Promise<AccessCheck[]> {
  const tags = (input.Tags ?? []) as Tags;
  const tagContext = tags.length > 0 ? requestTagKeys(tags) : {};
  const put = await onParameter('ssm:PutParameter', input.Name, { ...tagContext, 'ssm:Overwrite': String(input.Overwrite === true) }, state, env);
  const checks = [put];
  if (tags.length > 0) {
    checks.push({ ...put, action: 'ssm:AddTagsToResource', context: { ...put.context, ...tagContext } });
  }
  const current = (await state.parameterVersions(input.Name)).at(-1);
  if ((input.Type ?? current?.Type) === 'SecureString') {
    const keyId = input.KeyId ?? current?.KeyId;
    checks.push(await viaParameterStore(encryptActionOf(storedTier(input, current)), keyId, input.Name, state, env));
  }
  return checks;
}

async function readChecks(action: string, names: string[], decrypt: boolean, state: EmulatorState, env: Environment): Promise<AccessCheck[]> {
  const checks: AccessCheck[] = [];
  for (const selected of names) {
    const name = withoutSelector(selected);
    checks.push(await onParameter(action, name, {}, state, env));
    const version = decrypt ? selectVersion(await state.parameterVersions(name), selected) : undefined;
    if (version?.Type === 'SecureString') {
      checks.push(await viaParameterStore('kms:Decrypt', version.KeyId, name, state, env));
    }
  }
  return checks;
}

/** With decryption, each version is decrypted under the key it was written with. */
async function historyChecks(input: Input, state: EmulatorState, env: Environment): Promise<AccessCheck[]> {
  const checks = [await onParameter('ssm:GetParameterHistory', input.Name, {}, state, env)];
  if (input.WithDecryption === true) {
    const versions = (await state.parameterVersions(input.Name)).filter((v) => v.Type === 'SecureString');
    for (const keyId of new Set(versions.map((v) => v.KeyId))) {
      checks.push(await viaParameterStore('kms:Decrypt', keyId, input.Name, state, env));
    }
  }
  return checks;
}

/** Authorized on the path itself; with decryption, every SecureString returned must be decrypted. */
async function pathChecks(input: Input, state: EmulatorState, env: Environment): Promise<AccessCheck[]> {
  const checks: AccessCheck[] = [{ action: 'ssm:GetParametersByPath', resource: parameterArn(input.Path, env), context: {} }];
  if (input.WithDecryption === true) {
    const secure = (await state.parametersUnder(input.Path, input.Recursive === true)).filter((p) => p.Type === 'SecureString');
    for (const parameter of secure) {
      checks.push(await viaParameterStore('kms:Decrypt', parameter.KeyId, parameter.Name!, state, env));
    }
  }
  return checks;
}

type Context = Record<string, string | string[]>;

async function onParameter(action: string, name: string, context: Context, state: EmulatorState, env: Environment): Promise<AccessCheck> {
  const tags = await state.parameterTags(name);
  return { action, resource: parameterArn(name, env), context: { ...(tags ? resourceTagKeys(tags) : {}), ...context } };
}

/** The KMS call Parameter Store makes for the caller, with the parameter's ARN as encryption context. */
async function viaParameterStore(action: string, keyId: string | undefined, name: string, state: EmulatorState, env: Environment) {
  if (keyId === undefined || keyId === 'alias/aws/ssm') {
    throw new Error(`the IAM layer models customer-managed keys only: ${name} has no KeyId`);
  }
  const keyArn = await state.keyArn(keyId);
  return kmsViaService('ssm', action, keyArn, { PARAMETER_ARN: parameterArn(name, env) }, env);
}

function tagged(input: Input): string {
  if (input.ResourceType !== 'Parameter') {
    throw new Error(`the IAM layer knows tags of parameters only, not of ${input.ResourceType}`);
  }
  return input.ResourceId;
}

/** `name:3` (a version) and `name:label` select a version; an ARN keeps its colons. */
function withoutSelector(name: string): string {
  return name.startsWith('arn:') ? name : name.split(':')[0];
}

function selectVersion(versions: ParameterHistory[], selected: string): ParameterHistory | undefined {
  const selector = selected.startsWith('arn:') ? undefined : selected.split(':')[1];
  if (selector === undefined) {
    return versions.at(-1);
  }
  return /^\d+$/.test(selector) ? versions.find((v) => String(v.Version) === selector) : versions.find((v) => v.Labels?.includes(selector));
}
