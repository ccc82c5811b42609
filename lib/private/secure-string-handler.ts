import * as crypto from 'crypto';
import * as path from 'path';
import { Aws, CfnResource, Duration, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ENCRYPTION_CONTEXT_KEY } from './handler-protocol';
import { ParameterValidationError } from './validation-error';
import { SecureStringHandlerOptions } from '../secure-string-handler-options';
import { acknowledgeFinding } from './nag-acknowledgements';
import { wildcardResourceFinding } from './nag-finding-id';
import { parameterArnFor } from './parameter-name';
import { coveringPatterns } from './parameter-prefixes';
import { parameterStoreViaService } from './parameter-store-conditions';

const HANDLER_ID = 'SecureStringParameterHandler';
const BUNDLE_DIR = path.join(__dirname, '..', '..', 'assets', 'lib', 'handler', 'secure-string.lambda');

/** The SSM actions the handler performs on the parameters it manages, and nothing else. */
const HANDLER_SSM_ACTIONS = [
  'ssm:PutParameter',
  'ssm:GetParameter',
  'ssm:GetParameterHistory',
  'ssm:DeleteParameter',
  'ssm:ListTagsForResource',
  'ssm:AddTagsToResource',
  'ssm:RemoveTagsFromResource',
];

/** What a SecureStringParameter tells the handler about itself, so the role grants exactly that. */
export interface HandledParameter {
  readonly name: string;
  readonly key: kms.IKey;
  /** `kms:Encrypt` (Standard) or `kms:GenerateDataKey` (Advanced, Intelligent-Tiering). */
  readonly writeAction: string;
  /** The key that committed ciphertext is decrypted under, for fromCiphertext values. */
  readonly ciphertextKey?: kms.IKey;
  readonly secret?: secretsmanager.ISecret;
}

interface KeyUse {
  readonly key: kms.IKey;
  readonly viaSsm: Set<string>;
  /** Whether committed ciphertext is decrypted under this key directly (not through Parameter Store). */
  direct: boolean;
}

/**
 * The one deploy-time handler of a stack: a Lambda function, its role, one policy and a log group.
 * Four resources whatever the number of parameters: the policy is computed at synth time from every
 * parameter registered with `register`.
 */
export class SecureStringHandler extends Construct {
  /** The stack's handler, created with default settings on first use. */
  public static of(scope: IConstruct): SecureStringHandler {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(HANDLER_ID) as SecureStringHandler | undefined) ?? new SecureStringHandler(stack, HANDLER_ID, {});
  }

  /** Creates the stack's handler with these settings; refuses if it already exists. */
  public static configure(scope: IConstruct, options: SecureStringHandlerOptions): SecureStringHandler {
    const stack = Stack.of(scope);
    if (stack.node.tryFindChild(HANDLER_ID)) {
      throw new ParameterValidationError(
        scope,
        `the SecureString handler of stack ${stack.node.path} already exists; call SecureStringParameter.configureHandler before the stack's first SecureStringParameter`,
      );
    }
    return new SecureStringHandler(stack, HANDLER_ID, options);
  }

  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  private readonly policy: iam.CfnManagedPolicy;
  private readonly logGroupArn: string;
  private readonly acknowledgedPatterns = new Set<string>();
  /** Statements that aws-cdk-lib adds to the role (e.g. for a dead-letter queue), kept in our one policy. */
  private readonly roleStatements: iam.PolicyStatement[] = [];
  /** The covering patterns of the parameters registered so far; recomputed only when a name falls outside. */
  private patterns: string[] = [];
  private readonly parameters: HandledParameter[] = [];
  private readonly plainNames: string[] = [];
  private readonly keyUses = new Map<kms.IKey, KeyUse>();

  private constructor(scope: Construct, id: string, private readonly options: SecureStringHandlerOptions) {
    super(scope, id);

    this.role = new HandlerRole(this, 'Role', this.roleStatements, () => this.policy, {
      // A name known at synth time lets key policies name this role without a circular reference.
      roleName: Fn.join('-', [this.roleNamePrefix(), Aws.REGION]),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Creates, updates and deletes the SecureString parameters of this stack',
    });
    // One policy whatever the number of parameters: computed at synth time from what is registered.
    // customer-managed, not inline: HIPAA, NIST and PCI packs refuse inline policies
    this.policy = new iam.CfnManagedPolicy(this, 'Policy', {
      description: 'What the SecureString parameter handler may do, computed from the parameters of this stack',
      roles: [this.role.roleName],
      policyDocument: Lazy.any({ produce: () => this.policyDocument() }),
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: options.logEncryptionKey,
    });
    if (options.logEncryptionKey) {
      allowLogsToUse(options.logEncryptionKey);
    }
    this.logGroupArn = logGroup.logGroupArn;

    this.function = new lambda.Function(this, 'Function', {
      description: 'cdk-secure-parameters: deploy-time handler of SecureString parameters',
      runtime: newestNodeRuntime(),
      handler: 'index.handler',
      code: lambda.Code.fromAsset(BUNDLE_DIR),
      role: this.role,
      // room to outlast a 3 TPS PutParameter throttle when CloudFormation creates hundreds at once
      timeout: Duration.minutes(15),
      memorySize: 256,
      logGroup,
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
      securityGroups: options.securityGroups,
      deadLetterQueue: options.deadLetterQueue,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
    });
    // Tracing set on the L1, so its two X-Ray actions land in our policy instead of a second one.
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    this.function.node.addDependency(this.policy);
    // lambda.Function adds a DependsOn on its role, which the Role GetAtt already implies (cfn-lint W3005)
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });

    this.acknowledgeByDesign(logGroup);
  }

  /** The ARN CloudFormation invokes for each parameter. */
  public get serviceToken(): string {
    return this.function.functionArn;
  }

  /** Grants the handler what this parameter needs, through the synth-time policy. */
  public register(parameter: HandledParameter): void {
    this.parameters.push(parameter);
    this.cover(parameter.name);
    const keyUse = this.useKey(parameter.key);
    keyUse.viaSsm.add(parameter.writeAction);
    keyUse.viaSsm.add('kms:Decrypt');
    if (parameter.ciphertextKey) {
      this.allowDirectDecrypt(parameter.ciphertextKey);
    }
  }

  /** A plain String/StringList parameter whose policies the handler writes: SSM permissions only, no key. */
  public registerPlain(name: string): void {
    this.plainNames.push(name);
    this.cover(name);
  }

  private cover(name: string): void {
    if (!isCovered(name, this.patterns)) {
      // a name inside the current patterns cannot change them: recomputing is needed only here
      this.patterns = coveringPatterns([...this.parameters.map((p) => p.name), ...this.plainNames]);
      this.acknowledgeParameterPatterns();
    }
  }

  private useKey(key: kms.IKey): KeyUse {
    let use = this.keyUses.get(key);
    if (!use) {
      use = { key, viaSsm: new Set(), direct: false };
      this.keyUses.set(key, use);
    }
    return use;
  }

  /**
   * Committed ciphertext is decrypted by the handler itself, not through Parameter Store. The key policy
   * (if the key is in this app) must then allow this role's direct kms:Decrypt, and users' direct
   * kms:Encrypt to make the ciphertext, both only with a PARAMETER_ARN of this account as context.
   */
  private allowDirectDecrypt(key: kms.IKey): void {
    const use = this.useKey(key);
    if (use.direct) {
      return;
    }
    use.direct = true;
    const accountParameters = parameterArnFor(this, '*');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowHandlerToDecryptCommittedCiphertext',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:PrincipalArn': this.roleArnWithoutReference() },
          StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: accountParameters },
        },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEncryptingValuesForCommittedCiphertext',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Encrypt'],
        resources: ['*'],
        conditions: { StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: accountParameters } },
      }),
    );
  }

  /** The role's ARN built from its name, so a key policy in this stack can name it without a cycle. */
  private roleArnWithoutReference(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:iam::${stack.account}:role/${this.roleNamePrefix()}-${stack.region}`;
  }

  /** The role's name without its region: stable for this handler's place in the app. */
  private roleNamePrefix(): string {
    return `ssp-handler-${shortHash(this.node.path)}`;
  }

  private parameterArns(): string[] {
    return this.patterns.map((p) => parameterArnFor(this, p));
  }

  private logStreamsArn(): string {
    return `${this.logGroupArn}:log-stream:*`;
  }

  private policyDocument(): iam.PolicyDocument {
    const parameterArns = this.parameterArns();
    const statements = [
      new iam.PolicyStatement({ sid: 'ManageParameters', actions: HANDLER_SSM_ACTIONS, resources: parameterArns }),
      ...[...this.keyUses.values()].flatMap((use) => this.keyStatements(use, parameterArns)),
      ...this.secretStatements(),
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logStreamsArn()],
      }),
      new iam.PolicyStatement({
        sid: 'WriteTraces',
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
      ...this.roleStatements,
      ...(this.options.vpc
        ? [
          new iam.PolicyStatement({
            sid: 'AttachToVpc',
            // what AWSLambdaVPCAccessExecutionRole grants, without an AWS-managed policy (AwsSolutions-IAM4)
            actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
            resources: ['*'],
          }),
        ]
        : []),
    ];
    return new iam.PolicyDocument({ statements });
  }

  private keyStatements(use: KeyUse, parameterArns: string[]): iam.PolicyStatement[] {
    const statements = [];
    if (use.viaSsm.size > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: [...use.viaSsm].sort(),
          resources: [use.key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': parameterStoreViaService(this) },
            StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: parameterArns },
          },
        }),
      );
    }
    if (use.direct) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [use.key.keyArn],
          conditions: { StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: parameterArns } },
        }),
      );
    }
    return statements;
  }

  private secretStatements(): iam.PolicyStatement[] {
    const secrets = uniqueBy(this.parameters.flatMap((p) => (p.secret ? [p.secret] : [])), (s) => s.secretArn);
    if (secrets.length === 0) {
      return [];
    }
    const stack = Stack.of(this);
    const keys = uniqueBy(secrets.flatMap((s) => (s.encryptionKey ? [s.encryptionKey] : [])), (k) => k.keyArn);
    return [
      new iam.PolicyStatement({
        sid: 'CopySecrets',
        actions: ['secretsmanager:GetSecretValue'],
        // a secret ARN has a random suffix; a partial ARN from fromSecretNameV2 needs the wildcard
        resources: secrets.map((s) => s.secretFullArn ?? `${s.secretArn}-??????`),
      }),
      ...keys.map(
        (key) =>
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
          }),
      ),
    ];
  }

  /** A path wildcard is the point of covering many parameters with one statement; each is acknowledged by its exact id. */
  private acknowledgeParameterPatterns(): void {
    for (const arn of this.parameterArns().filter((a) => a.endsWith('/*'))) {
      const finding = wildcardResourceFinding(this, 'AwsSolutions-IAM5', arn);
      if (!this.acknowledgedPatterns.has(finding)) {
        this.acknowledgedPatterns.add(finding);
        acknowledgeFinding(
          this.policy,
          finding,
          "The handler manages every SecureString of this stack under this path; the path ends in '/' so no sibling path matches.",
        );
      }
    }
  }

  /** cdk-nag findings that remain by design, each acknowledged on its own resource with its reason. */
  private acknowledgeByDesign(logGroup: logs.LogGroup): void {
    const fn = this.function.node.defaultChild as lambda.CfnFunction;
    const cloudFormationOnly =
      'Only CloudFormation invokes this handler; each failure is reported to CloudFormation in the response and logged.';
    const dlqRules = this.options.deadLetterQueue ? [] : ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'PCI.DSS.321-LambdaDLQ', 'Serverless-LambdaDLQ'];
    for (const id of [...dlqRules, 'Serverless-LambdaAsyncFailureDestination']) {
      acknowledgeFinding(fn, id, cloudFormationOnly);
    }
    const noVpc = 'The handler calls only AWS APIs (SSM, KMS, Secrets Manager) and is invoked only by CloudFormation; it needs no access to a VPC.';
    for (const id of this.options.vpc ? [] : ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC']) {
      acknowledgeFinding(fn, id, noVpc);
    }
    const noReservation =
      'A reserved concurrency fails deployment in accounts with a low concurrency quota; the handler paces itself against Parameter Store throttling instead.';
    const reserved = this.options.reservedConcurrentExecutions !== undefined;
    for (const id of reserved ? [] : ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency', 'PCI.DSS.321-LambdaConcurrency']) {
      acknowledgeFinding(fn, id, noReservation);
    }
    const cfnLogGroup = logGroup.node.defaultChild as CfnResource;
    const noSecretsInLogs =
      'The handler logs only request types, logical ids, parameter names and redacted reasons, never a value; CloudWatch Logs encrypts them at rest. A customer-managed key would be a fifth shared resource per stack.';
    const encrypted = this.options.logEncryptionKey !== undefined;
    for (const id of encrypted ? [] : ['HIPAA.Security-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'PCI.DSS.321-CloudWatchLogGroupEncrypted']) {
      acknowledgeFinding(cfnLogGroup, id, noSecretsInLogs);
    }
    acknowledgeFinding(
      this.policy,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments and PutTelemetryRecords, and (in a VPC) the network-interface actions Lambda needs, support no resource-level permissions.',
    );
    acknowledgeFinding(
      this.policy,
      wildcardResourceFinding(this, 'AwsSolutions-IAM5', this.logStreamsArn()),
      'Lambda names its log streams at run time; the wildcard covers only the streams of the handler\'s own log group.',
    );
  }
}

/**
 * The handler's role: what aws-cdk-lib grants it (a dead-letter queue's SendMessage, ...) goes into the
 * handler's customer-managed policy instead of an inline default policy (HIPAA, NIST and PCI refuse those).
 */
class HandlerRole extends iam.Role {
  constructor(
    scope: Construct,
    id: string,
    private readonly statements: iam.PolicyStatement[],
    private readonly policy: () => IConstruct,
    props: iam.RoleProps,
  ) {
    super(scope, id, props);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.statements.push(statement);
    return { statementAdded: true, policyDependable: this.policy() };
  }
}

/** CloudWatch Logs of this account may use a log key made in the app (an imported key's owner must allow it). */
function allowLogsToUse(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
    }),
  );
}

function isCovered(name: string, patterns: string[]): boolean {
  const bare = name.replace(/^\//, '');
  return patterns.some((p) => (p.endsWith('/*') ? bare.startsWith(p.slice(0, -1)) : bare === p));
}

/** The newest Node.js runtime the installed aws-cdk-lib knows, so the handler stays on the latest. */
function newestNodeRuntime(): lambda.Runtime {
  const node = lambda.Runtime.ALL.filter((r) => /^nodejs\d+\.x$/.test(r.name));
  return node.reduce((a, b) => (parseInt(b.name.slice(6), 10) > parseInt(a.name.slice(6), 10) ? b : a));
}

function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 8);
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) {
    seen.set(JSON.stringify(Stack.of(item as unknown as IConstruct).resolve(key(item))), item);
  }
  return [...seen.values()];
}
