import { GetParameterCommand, Parameter } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError, explainError } from './errors';
import { LiveParameter, readHistoryIn } from './read-back';
import { ParameterSpec } from './request';
import { withRetries } from './retry';
import { SourceProperties, SourceType } from '../private/handler-protocol';

/**
 * A ParameterReplica's member copies the parameter of the same name in the source region: its value, and the
 * description, allowed pattern and policies of its newest version (an Expiration keeps the source's timestamp).
 * The tier, key and tags are the replica's own, from the template.
 */
export function isReplica(spec: ParameterSpec): boolean {
  return spec.source.Type === SourceType.REPLICA;
}

/**
 * The spec with the source's attributes, and the source version it holds in its `SourceVersion`: the version
 * label of the replica then names the source version, so a source that has not changed since is not written
 * again. One or two GetParameterHistory calls in the source region.
 */
export async function withSourceAttributes(spec: ParameterSpec, clients: Clients, deadline: number): Promise<ParameterSpec> {
  const region = sourceRegion(spec.source);
  const source = await readingSource(spec.name, region, () => readHistoryIn(clients.ssmIn(region), spec.name, deadline));
  if (source.type !== undefined && source.type !== 'SecureString') {
    throw new OperatorError(`the source parameter in ${region} is a ${source.type}, not a SecureString: only SecureStrings are replicated`);
  }
  return {
    ...spec,
    source: { ...spec.source, SourceVersion: String(source.version) },
    description: source.description || undefined,
    allowedPattern: source.allowedPattern || undefined,
    policies: policiesOf(source),
    expireAfterSeconds: undefined,
  };
}

/**
 * The plaintext of the source version that {@link withSourceAttributes} found, decrypted by Parameter Store of
 * the source region under the source's key (the caller must never log or return it).
 */
export async function sourceValue(name: string, source: SourceProperties, clients: Clients, deadline: number): Promise<string> {
  const version = source.SourceVersion === undefined ? undefined : Number(source.SourceVersion);
  const parameter = await readSource(name, sourceRegion(source), { decrypt: true, version }, clients, deadline);
  return parameter.Value ?? '';
}

/**
 * GetParameter of a source in its region, its newest version or `version`, with errors that say what to do. With
 * `decrypt`, Parameter Store of the source region decrypts it under the source's key: never log or return the value.
 */
export async function readSource(
  name: string,
  region: string,
  options: { readonly decrypt: boolean; readonly version?: number },
  clients: Clients,
  deadline: number,
): Promise<Parameter> {
  const get = new GetParameterCommand({ Name: options.version === undefined ? name : `${name}:${options.version}`, WithDecryption: options.decrypt });
  const result = await readingSource(name, region, () => withRetries('ssm:GetParameter', (send) => clients.ssmIn(region).send(get, send), deadline));
  return result.Parameter ?? {};
}

/** The policies of a parameter's newest version as PutParameter takes them: one JSON array, or none. */
export function policiesOf(live: LiveParameter): string | undefined {
  return live.policies.length > 0 ? `[${live.policies.join(',')}]` : undefined;
}

function sourceRegion(source: SourceProperties): string {
  if (!source.SourceRegion) {
    throw new OperatorError('the request is malformed: a replica has no SourceRegion. Redeploy with one version of cdk-secure-parameters.');
  }
  return source.SourceRegion;
}

/**
 * The source's newest version now (no decryption): after a replica is written, a source that moved meanwhile is
 * copied again, so that a change made while a copy was in flight is never lost behind the copy.
 */
export async function currentSourceVersion(name: string, region: string, clients: Clients, deadline: number): Promise<number | undefined> {
  return (await readSource(name, region, { decrypt: false }, clients, deadline)).Version;
}

/** The source does not exist, or is not the source stack's (IAM cannot tell those apart from here). */
export class SourceUnreadableError extends OperatorError {}

/**
 * Errors of the source region say so, and what to do. The role may read only sources that carry their stack's
 * owner tag, so a source that does not exist is refused by IAM before Parameter Store could say so.
 */
async function readingSource<T>(name: string, region: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    const denied = err instanceof Error && err.name === 'AccessDeniedException' && /perform:? ssm:/.test(err.message);
    if (denied || (err instanceof Error && err.name === 'ParameterNotFound')) {
      throw new SourceUnreadableError(
        `the source parameter ${name} cannot be read in ${region}: it does not exist (deploy the source stack first, or create the source again ` +
          'if it was deleted outside CloudFormation), or it is not the source stack\'s SecureString (its owner tag)' +
          (denied ? ', or the role lacks its ReadReplicaSources statement for that region.' : '.'),
      );
    }
    const reason = explainError(err, { parameterName: `${name} in ${region}`, keyId: `of ${name} in ${region}` });
    throw new OperatorError(`reading the source parameter failed: ${reason}`);
  }
}
