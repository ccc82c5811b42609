import { randomUUID } from 'crypto';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, PutKeyPolicyCommand, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { CfnElement, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { Environment } from './access-check';
import { iamEnforcedClients } from './iam-layer';
import { PolicyDocument } from './iam-simulator';
import { MotoServer } from './moto-server';
import { resolveIntrinsics } from './resolve-intrinsics';
import { parameterArn } from './ssm-access';
import { Clients } from '../../lib/handler/clients';
import { BATCH_RESOURCE_TYPE } from '../../lib/private/batch-protocol';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

export interface DeployOptions {
  /**
   * The deployment of the same stack that this one updates: its keys keep their physical key (the key
   * policy is replaced), its stack id stays. Without it the stack is created: new keys, a new stack id.
   */
  readonly updates?: DeployedStack;
}

export interface ClientOptions {
  /** Identity policies to use instead of the template's (to prove a call is denied without a statement). */
  readonly identityPolicies?: readonly PolicyDocument[];
}

/**
 * A stack "deployed" into moto_server as far as IAM is concerned: its KMS keys and aliases exist in moto
 * with their synthesized key policies, every intrinsic resolves to a physical value (keys to moto's ARNs),
 * and `clientsAs` gives SDK clients that act as one of its roles through the IAM layer (iam-layer.ts).
 * The stack needs a concrete account and region; start moto with the same account.
 */
export class DeployedStack {
  public static async deploy(stack: Stack, moto: MotoServer, options: DeployOptions = {}): Promise<DeployedStack> {
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw new Error(`stack ${stack.stackName} needs env: { account, region } to be deployed into the emulator`);
    }
    const env: Environment = { partition: 'aws', region: stack.region, account: stack.account };
    const deployed = new DeployedStack(stack, moto, env, options.updates);
    await deployed.createKeys(options.updates);
    return deployed;
  }

  public readonly stackName: string;
  public readonly stackId: string;
  private readonly resources: Record<string, TemplateResource>;
  private readonly keyArns = new Map<string, string>();

  private constructor(
    private readonly stack: Stack,
    private readonly moto: MotoServer,
    public readonly env: Environment,
    updates: DeployedStack | undefined,
  ) {
    this.stackName = stack.stackName;
    this.stackId = updates?.stackId ?? `arn:${env.partition}:cloudformation:${env.region}:${env.account}:stack/${stack.stackName}/${randomUUID()}`;
    this.resources = Template.fromStack(stack).toJSON().Resources;
  }

  /** The logical id of a construct (its default child) or of a CloudFormation element. */
  public logicalId(construct: IConstruct): string {
    const element = (construct instanceof CfnElement ? construct : construct.node.defaultChild) as CfnElement;
    return this.stack.getLogicalId(element);
  }

  /** A resource's properties with every intrinsic resolved. */
  public properties(logicalId: string): Record<string, any> {
    return this.resolve(this.resource(logicalId).Properties ?? {});
  }

  public resourceType(logicalId: string): string {
    return this.resource(logicalId).Type;
  }

  /** The ARN moto gave the key of this logical id. */
  public keyArn(keyLogicalId: string): string {
    const arn = this.keyArns.get(keyLogicalId);
    if (!arn) throw new Error(`${keyLogicalId} is not a KMS key of stack ${this.stackName}`);
    return arn;
  }

  public roleArn(roleLogicalId: string): string {
    return this.physical(roleLogicalId, 'Arn');
  }

  /** The role of the stack's SecureString handler: the role of the function behind the custom resources' ServiceToken. */
  public get handlerRoleLogicalId(): string {
    const custom = Object.values(this.resources).find((r) => r.Type === 'Custom::SecureStringParameter' || r.Type === BATCH_RESOURCE_TYPE);
    if (!custom) throw new Error(`stack ${this.stackName} has no SecureStringParameter`);
    const functionId = custom.Properties!.ServiceToken['Fn::GetAtt'][0];
    return this.resource(functionId).Properties!.Role['Fn::GetAtt'][0];
  }

  /** Every identity policy attached to the role: inline, AWS::IAM::Policy, and customer-managed. */
  public identityPolicies(roleLogicalId: string): PolicyDocument[] {
    const role = this.properties(roleLogicalId);
    const roleName = this.physical(roleLogicalId);
    const attached = Object.entries(this.resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .filter(([id]) => ((this.properties(id).Roles ?? []) as string[]).includes(roleName))
      .map(([id]) => this.properties(id).PolicyDocument as PolicyDocument);
    const inline = ((role.Policies ?? []) as Array<{ PolicyDocument: PolicyDocument }>).map((p) => p.PolicyDocument);
    const managed = ((role.ManagedPolicyArns ?? []) as string[]).map((arn) => this.managedPolicy(arn));
    return [...inline, ...attached, ...managed];
  }

  /** SDK clients acting as the role, every call checked by the IAM layer. */
  public clientsAs(roleLogicalId: string, options: ClientOptions = {}): Clients {
    const identityPolicies = options.identityPolicies ?? this.identityPolicies(roleLogicalId);
    return iamEnforcedClients(this.moto, this.env, { roleArn: this.roleArn(roleLogicalId), identityPolicies });
  }

  /** SDK clients acting as the stack's SecureString handler. */
  public handlerClients(options: ClientOptions = {}): Clients {
    return this.clientsAs(this.handlerRoleLogicalId, options);
  }

  private async createKeys(updates: DeployedStack | undefined): Promise<void> {
    const kms = new KMSClient(this.moto.clientConfig(this.env.region));
    // a ReplicaKey is made as a key of this region with its own key policy: what the IAM layer evaluates (moto
    // cannot follow its PrimaryKeyArn, which CDK passes across regions at deploy time)
    for (const [id, resource] of Object.entries(this.resources).filter(([, r]) => r.Type === 'AWS::KMS::Key' || r.Type === 'AWS::KMS::ReplicaKey')) {
      const props = resource.Properties ?? {};
      const policy = JSON.stringify(this.resolve(props.KeyPolicy));
      const kept = updates?.keyArns.get(id);
      if (kept) {
        await kms.send(new PutKeyPolicyCommand({ KeyId: kept, PolicyName: 'default', Policy: policy }));
        this.keyArns.set(id, kept);
      } else {
        const { KeySpec, KeyUsage } = props;
        const created = await kms.send(new CreateKeyCommand({ Policy: policy, Description: this.resolve(props.Description), KeySpec, KeyUsage }));
        this.keyArns.set(id, created.KeyMetadata!.Arn!);
      }
    }
    for (const id of Object.keys(this.resources).filter((k) => this.resources[k].Type === 'AWS::KMS::Alias')) {
      const { AliasName, TargetKeyId } = this.properties(id);
      try {
        await kms.send(new CreateAliasCommand({ AliasName, TargetKeyId }));
      } catch (err) {
        if (!(err instanceof Error && err.name === 'AlreadyExistsException')) throw err;
        await kms.send(new UpdateAliasCommand({ AliasName, TargetKeyId }));
      }
    }
  }

  private resolve(value: unknown): any {
    return resolveIntrinsics(value, {
      partition: this.env.partition,
      region: this.env.region,
      accountId: this.env.account,
      stackName: this.stackName,
      stackId: this.stackId,
      resource: (logicalId, attribute) => this.physical(logicalId, attribute),
    });
  }

  private resource(logicalId: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`stack ${this.stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** What `Ref` (no attribute) or `Fn::GetAtt` of a resource gives once deployed. */
  private physical(logicalId: string, attribute?: string): string {
    const { Type: type, Properties: props = {} } = this.resource(logicalId);
    const { partition, region, account } = this.env;
    switch (type) {
      case 'AWS::KMS::Key':
      case 'AWS::KMS::ReplicaKey':
        return attribute === 'Arn' ? this.keyArn(logicalId) : this.keyArn(logicalId).split('/').pop()!;
      case 'AWS::KMS::Alias':
        return this.resolve(props.AliasName);
      case 'AWS::IAM::Role': {
        const name = props.RoleName ? this.resolve(props.RoleName) : `${this.stackName}-${logicalId}`;
        return attribute === 'Arn' ? `arn:${partition}:iam::${account}:role/${name}` : name;
      }
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${partition}:iam::${account}:policy/${props.ManagedPolicyName ? this.resolve(props.ManagedPolicyName) : `${this.stackName}-${logicalId}`}`;
      case 'Custom::SecureStringParameter':
      case 'AWS::SSM::Parameter': {
        const name = props.Name ? this.resolve(props.Name) : `${this.stackName}-${logicalId}`;
        return attribute === 'Arn' ? parameterArn(name, this.env) : name;
      }
      case BATCH_RESOURCE_TYPE: {
        // a chunk answers its path and the path's ARN (batch.ts)
        const path = this.resolve(props.Path);
        return attribute === 'Arn' ? parameterArn(path, this.env) : attribute === 'Path' ? path : `${path}#chunk-${props.Index}`;
      }
      case 'AWS::Lambda::Function': {
        const name = props.FunctionName ? this.resolve(props.FunctionName) : `${this.stackName}-${logicalId}`;
        return attribute === 'Arn' ? `arn:${partition}:lambda:${region}:${account}:function:${name}` : name;
      }
      default:
        return attribute === undefined ? logicalId : `${logicalId}.${attribute}`;
    }
  }

  private managedPolicy(arn: string): PolicyDocument {
    const id = Object.keys(this.resources).find((k) => this.resources[k].Type === 'AWS::IAM::ManagedPolicy' && this.physical(k) === arn);
    if (!id) throw new Error(`the managed policy ${arn} is not in stack ${this.stackName}: the IAM layer cannot read it`);
    return this.properties(id).PolicyDocument;
  }
}
