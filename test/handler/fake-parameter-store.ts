import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  Tag,
} from '@aws-sdk/client-ssm';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { awsError } from './events';
import { Clients } from '../../lib/handler/clients';

export interface StoredParameter {
  value: string;
  keyId: string;
  tier: string;
  description?: string;
  allowedPattern?: string;
  policies: string[];
  tags: Tag[];
  version: number;
}

/**
 * Parameter Store's observable behaviour for the calls the handler makes, in memory:
 * Overwrite false refuses an existing name, Overwrite with Tags is invalid, history reports the
 * newest version's attributes. Tests inject faults with `ssm.on(Command).rejectsOnce(...)`.
 */
export class FakeParameterStore {
  public readonly parameters = new Map<string, StoredParameter>();
  public readonly ssm: AwsStub<any, any, any>;
  public readonly kms: AwsStub<any, any, any>;
  public readonly secrets: AwsStub<any, any, any>;
  public readonly clients: Clients;

  constructor() {
    this.ssm = mockClient(SSMClient);
    this.kms = mockClient(KMSClient);
    this.secrets = mockClient(SecretsManagerClient);
    this.clients = {
      ssm: new SSMClient({ region: 'eu-west-1' }),
      kms: new KMSClient({ region: 'eu-west-1' }),
      secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    };
    this.install();
  }

  public restore(): void {
    this.ssm.restore();
    this.kms.restore();
    this.secrets.restore();
  }

  /** Puts a parameter in place as if someone else had created it. */
  public seed(name: string, parameter: Partial<StoredParameter>): void {
    this.parameters.set(name, { value: 'existing', keyId: 'alias/aws/ssm', tier: 'Standard', policies: [], tags: [], version: 1, ...parameter });
  }

  public calls(command: any): any[] {
    return this.ssm.commandCalls(command).map((c) => c.args[0].input);
  }

  private install(): void {
    this.ssm.on(PutParameterCommand).callsFake((input) => this.putParameter(input));
    this.ssm.on(GetParameterCommand).callsFake((input) => {
      const p = this.get(input.Name);
      return { Parameter: { Name: input.Name, Value: p.value, Version: p.version, Type: 'SecureString' } };
    });
    this.ssm.on(GetParameterHistoryCommand).callsFake((input) => {
      const p = this.get(input.Name);
      return {
        Parameters: [
          {
            Name: input.Name,
            Type: 'SecureString',
            KeyId: p.keyId,
            Tier: p.tier,
            Description: p.description,
            AllowedPattern: p.allowedPattern,
            Policies: p.policies.map((text) => ({ PolicyText: text, PolicyType: JSON.parse(text).Type, PolicyStatus: 'Pending' })),
            Version: p.version,
          },
        ],
      };
    });
    this.ssm.on(ListTagsForResourceCommand).callsFake((input) => {
      const p = this.parameters.get(input.ResourceId);
      if (!p) throw awsError('InvalidResourceId', 'Invalid Resource Id');
      return { TagList: p.tags };
    });
    this.ssm.on(AddTagsToResourceCommand).callsFake((input) => {
      const p = this.get(input.ResourceId);
      for (const tag of input.Tags) {
        p.tags = [...p.tags.filter((t) => t.Key !== tag.Key), tag];
      }
      return {};
    });
    this.ssm.on(RemoveTagsFromResourceCommand).callsFake((input) => {
      const p = this.get(input.ResourceId);
      p.tags = p.tags.filter((t) => !input.TagKeys.includes(t.Key));
      return {};
    });
    this.ssm.on(DeleteParameterCommand).callsFake((input) => {
      this.get(input.Name);
      this.parameters.delete(input.Name);
      return {};
    });
  }

  private get(name: string): StoredParameter {
    const p = this.parameters.get(name);
    if (!p) throw awsError('ParameterNotFound', `Parameter ${name} not found.`);
    return p;
  }

  /** PutParameter as Parameter Store behaves; public so a test can chain faults before it. */
  public putParameter(input: any): { Version: number; Tier: string } {
    const existing = this.parameters.get(input.Name);
    if (existing && !input.Overwrite) {
      throw awsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    }
    if (input.Overwrite && input.Tags) {
      throw awsError('ValidationException', "Invalid request: tags and overwrite can't be used together.");
    }
    const policies = input.Policies === undefined
      ? existing?.policies ?? []
      : (JSON.parse(input.Policies) as unknown[]).filter((p) => JSON.stringify(p) !== '{}').map((p) => JSON.stringify(p));
    const stored: StoredParameter = {
      value: input.Value,
      keyId: input.KeyId,
      tier: input.Tier ?? existing?.tier ?? 'Standard',
      description: input.Description === undefined ? existing?.description : input.Description || undefined,
      allowedPattern: input.AllowedPattern === undefined ? existing?.allowedPattern : input.AllowedPattern || undefined,
      policies,
      tags: existing?.tags ?? input.Tags ?? [],
      version: (existing?.version ?? 0) + 1,
    };
    this.parameters.set(input.Name, stored);
    return { Version: stored.version, Tier: stored.tier };
  }
}
