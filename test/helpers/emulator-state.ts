import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeParametersCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  ParameterHistory,
  ParameterMetadata,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { PolicyDocument } from './iam-simulator';
import { MotoServer } from './moto-server';

/**
 * What the IAM layer reads from the emulator to build a request context the way AWS would (a parameter's
 * tags, versions and keys, a key's policy), with clients that bypass the layer.
 */
export class EmulatorState {
  private readonly ssm: SSMClient;
  private readonly kms: KMSClient;
  private readonly secrets: SecretsManagerClient;

  constructor(moto: MotoServer, region: string) {
    this.ssm = new SSMClient(moto.clientConfig(region));
    this.kms = new KMSClient(moto.clientConfig(region));
    this.secrets = new SecretsManagerClient(moto.clientConfig(region));
  }

  /** The parameter's tags, or `undefined` when it does not exist. */
  public async parameterTags(name: string): Promise<Record<string, string> | undefined> {
    try {
      const result = await this.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
      return Object.fromEntries((result.TagList ?? []).map((t) => [t.Key!, t.Value ?? '']));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Every version of the parameter, oldest first; empty when it does not exist. */
  public async parameterVersions(name: string): Promise<ParameterHistory[]> {
    const versions: ParameterHistory[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.ssm.send(new GetParameterHistoryCommand({ Name: name, NextToken: nextToken, MaxResults: 50 }));
        versions.push(...(page.Parameters ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return versions;
  }

  /** The parameters under a path (one level or all), with their type and key. */
  public async parametersUnder(path: string, recursive: boolean): Promise<ParameterMetadata[]> {
    const found: ParameterMetadata[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.ssm.send(
        new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: recursive ? 'Recursive' : 'OneLevel', Values: [path] }], NextToken: nextToken }),
      );
      found.push(...(page.Parameters ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  /** The key ARN of a key id, key ARN, alias name or alias ARN, as KMS resolves it. */
  public async keyArn(keyId: string): Promise<string> {
    const result = await this.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return result.KeyMetadata!.Arn!;
  }

  /** The key's state (`Enabled`, `Disabled`, `PendingDeletion`, ...). */
  public async keyState(keyArn: string): Promise<string> {
    const result = await this.kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    return result.KeyMetadata!.KeyState ?? (result.KeyMetadata!.Enabled === false ? 'Disabled' : 'Enabled');
  }

  public async keyPolicy(keyArn: string): Promise<PolicyDocument> {
    const result = await this.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }));
    return JSON.parse(result.Policy!) as PolicyDocument;
  }

  /** The secret's full ARN and its customer-managed key (if any), or `undefined` when it does not exist. */
  public async secret(secretId: string): Promise<{ arn: string; kmsKeyId?: string } | undefined> {
    try {
      const result = await this.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { arn: result.ARN!, kmsKeyId: result.KmsKeyId };
    } catch (err) {
      if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err.name === 'InvalidResourceId' || err.name === 'ParameterNotFound');
}
