import * as path from 'path';
import { CfnResource, Duration, IResolveContext, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { CopiedSecretsPolicies } from './copied-secrets';
import { logStreamsArn, writeOwnLogsAndTraces } from './function-telemetry';
import {
  acknowledgeAsyncInvokeFindings,
  acknowledgeFunctionFindings,
  acknowledgeKeysThroughParameterStore,
  acknowledgeLogGroupFindings,
  acknowledgeOwnStackRecords,
  acknowledgeOwnershipReach,
  acknowledgeParameterPattern,
  acknowledgeUnscopableResources,
} from './handler-acknowledgements';
import {
  accountKeysArn,
  accountParametersArn,
  attachToVpc,
  decryptCommittedCiphertext,
  decryptReplicaSources,
  manageParametersOfThisStack,
  mayBeInOtherAccount,
  readOwnershipTags,
  reachParametersThisStackOwns,
  ownStackArns,
  readOwnStackRecords,
  readReplicaSources,
  sourceKeysArn,
  uniqueArns,
  useKeysOnlyThroughParameterStore,
} from './handler-policy';
import { ENCRYPTION_CONTEXT_KEY, SERVICE_TIMEOUT_SECONDS, SourceType } from './handler-protocol';
import { HandlerRole, handlerRoleArn, handlerRoleName } from './handler-role';
import { handlerRuntime } from './handler-runtime';
import { assertManagedPolicySize, checkTemplateSize } from './limit-checks';
import { acknowledgeFinding } from './nag-acknowledgements';
import { decryptContextFinding, wildcardResourceFinding } from './nag-finding-id';
import { parameterArnFor } from './parameter-name';
import { isCoveredBy, patternsWithin } from './parameter-prefixes';
import { renderedLength } from './rendered-size';
import { ParameterValidationError } from './validation-error';
import { SecureStringHandlerOptions } from '../secure-string-handler-options';

const HANDLER_ID = 'SecureStringParameterHandler';
/** Lambda's maximum: the handler paces itself against Parameter Store's throttling within it. */
const HANDLER_TIMEOUT = Duration.minutes(15);
const COPIES_SOURCES = 'The handler copies the ParameterReplica members from the parameters of the same names in the source region.';
const KEYS_OF_SOURCES =
  "kms:Decrypt on the account's keys of the source region only through that region's Parameter Store and only for the sources' encryption contexts: Parameter Store calls it for the parameters the handler may read.";
/**
 * How much of IAM's 6,144 characters the handler's parameter patterns may take (S1 and S5 name them), and a source
 * region's patterns (two statements each). Past that, the patterns widen to every name: each statement using them is
 * scoped by an owner tag. Secrets and keys are listed; limit-checks.ts verifies the whole at synth.
 */
const PATTERN_CHARACTERS = 2_400;
const SOURCE_PATTERN_CHARACTERS = 1_200;
const HANDLER_POLICY_WAY_OUT =
  'Its parameter patterns are bounded; the keys of committed ciphertexts, the source regions of replicas and ' +
  'what else the stack adds to the handler\'s role are listed one by one: move part of them to another stack.';
const BUNDLE_DIR = path.join(__dirname, '..', '..', 'assets', 'lib', 'handler', 'secure-string.lambda');

/** What a SecureStringParameter tells the handler about itself, so the role grants exactly that. */
export interface HandledParameter {
  readonly name: string;
  /** Named in the policy only when it may be in another account: S4's `key/*` covers this account's keys. */
  readonly key: kms.IKey;
  /** The key that committed ciphertext is decrypted under, for fromCiphertext values. */
  readonly ciphertextKey?: kms.IKey;
  /**
   * The key users may make committed ciphertext under for this parameter (`cdk-secure-parameters encrypt`):
   * for fromCiphertext values, and for placeholders, whose operator-set value may become a committed one.
   */
  readonly encryptableKey?: kms.IKey;
  readonly secret?: secretsmanager.ISecret;
}

/**
 * The keys a value source needs direct KMS use of: a fromCiphertext value is decrypted by the handler and
 * encrypted by users; a placeholder's value may become a committed ciphertext, which users encrypt first.
 */
export function committedCiphertextKeys(sourceType: string, key: kms.IKey): Pick<HandledParameter, 'ciphertextKey' | 'encryptableKey'> {
  return {
    ciphertextKey: sourceType === SourceType.CIPHERTEXT ? key : undefined,
    encryptableKey: sourceType === SourceType.CIPHERTEXT || sourceType === SourceType.PLACEHOLDER ? key : undefined,
  };
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
  private readonly logGroup: logs.ILogGroup;
  private readonly acknowledgedPatterns = new Set<string>();
  /** Statements that aws-cdk-lib adds to the role (e.g. for a dead-letter queue), kept in our one policy. */
  private readonly roleStatements: iam.PolicyStatement[] = [];
  /** The covering patterns of the parameters registered so far; recomputed only when a name falls outside. */
  private patterns: string[] = [];
  private readonly parameters: HandledParameter[] = [];
  /** The grants of the secrets fromSecret copies, in policies of their own: created with the first such secret. */
  private copiedSecrets?: CopiedSecretsPolicies;
  private readonly plainNames: string[] = [];
  private readonly ciphertextKeys = new Set<kms.IKey>();
  private readonly encryptableKeys = new Set<kms.IKey>();
  /** The names of the parameters replicas copy, and their covering patterns, by source region. */
  private readonly replicaSources = new Map<string, { names: string[]; patterns: string[]; stacks: string[] }>();

  private constructor(scope: Construct, id: string, public readonly options: SecureStringHandlerOptions) {
    super(scope, id);
    // every parameter of this library in the stack passes through its handler: a template over CloudFormation's size is refused here
    checkTemplateSize(Stack.of(this));

    this.role = new HandlerRole(this, 'Role', this.roleStatements, () => this.policy, {
      roleName: handlerRoleName(this),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Creates, updates and deletes the SecureString parameters of this stack',
    });
    // One policy whatever the number of parameters: computed at synth time from what is registered.
    // customer-managed, not inline: HIPAA, NIST and PCI packs refuse inline policies
    this.policy = new iam.CfnManagedPolicy(this, 'Policy', {
      description: 'What the SecureString parameter handler may do, computed from the parameters of this stack',
      roles: [this.role.roleName],
      policyDocument: Lazy.uncachedAny({ produce: (context) => this.policyDocument(context) }),
    });
    acknowledgeOwnershipReach(this.policy, accountParametersArn(this));

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: options.logEncryptionKey,
    });
    if (options.logEncryptionKey) {
      allowLogsToUse(options.logEncryptionKey);
    }
    this.logGroup = logGroup;

    this.function = new lambda.Function(this, 'Function', {
      description: 'cdk-secure-parameters: deploy-time handler of SecureString parameters',
      runtime: handlerRuntime(this, options.runtime),
      handler: 'index.handler',
      code: lambda.Code.fromAsset(BUNDLE_DIR),
      role: this.role,
      // room to outlast a 3 TPS PutParameter throttle when CloudFormation creates hundreds at once
      timeout: HANDLER_TIMEOUT,
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
    // Lambda's two asynchronous retries stay on: the handler answers a redelivered event the same way
    // (idempotent) and fails an invocation only when it could not deliver its answer, which a retry then
    // delivers. But only a retry that can still finish before CloudFormation stops waiting
    // (ServiceTimeout) may start: an older event is dropped, so nothing writes after a rollback began.
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.seconds(SERVICE_TIMEOUT_SECONDS - HANDLER_TIMEOUT.toSeconds()),
    });
    // Tracing set on the L1, so its two X-Ray actions land in our policy instead of a second one.
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    this.function.node.addDependency(this.policy);
    // lambda.Function adds a DependsOn on its role, which the Role GetAtt already implies (cfn-lint W3005)
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });

    acknowledgeFunctionFindings(this.function.node.defaultChild as lambda.CfnFunction, options);
    acknowledgeAsyncInvokeFindings(this.function.node.findChild('EventInvokeConfig').node.defaultChild as CfnResource);
    acknowledgeLogGroupFindings(logGroup.node.defaultChild as CfnResource, options);
    acknowledgeUnscopableResources(this.policy, wildcardResourceFinding(this, 'AwsSolutions-IAM5', logStreamsArn(this.logGroup)));
    acknowledgeOwnStackRecords(this.policy, wildcardResourceFinding(this, 'AwsSolutions-IAM5', ownStackArns()));
  }

  /** The ARN CloudFormation invokes for each parameter. */
  public get serviceToken(): string {
    return this.function.functionArn;
  }

  /** Grants the handler what this parameter needs, through the synth-time policy. */
  public register(parameter: HandledParameter): void {
    if (this.parameters.length === 0) {
      acknowledgeKeysThroughParameterStore(this.policy, accountKeysArn(this), accountParametersArn(this));
    }
    this.parameters.push(parameter);
    this.cover(parameter.name);
    if (parameter.ciphertextKey) {
      this.allowDirectDecrypt(parameter.ciphertextKey);
    }
    if (parameter.encryptableKey) {
      this.allowDirectEncrypt(parameter.encryptableKey);
    }
    if (parameter.secret) {
      this.copiedSecrets ??= new CopiedSecretsPolicies(this, 'CopiedSecrets', this.role.roleName, this.function);
      this.copiedSecrets.add(parameter.name, parameter.secret);
    }
  }

  /**
   * A replica member: besides the parameter itself (registered with `register`), the handler reads and
   * decrypts the parameter of the same name in the source region, which the source stack owns.
   */
  public registerReplicaSource(sourceRegion: string, name: string, sourceStackName: string): void {
    const source = this.replicaSources.get(sourceRegion) ?? { names: [], patterns: [], stacks: [] };
    if (source.names.length === 0) {
      this.replicaSources.set(sourceRegion, source);
      acknowledgeFinding(this.policy, wildcardResourceFinding(this, 'AwsSolutions-IAM5', sourceKeysArn(this, sourceRegion)), `${COPIES_SOURCES} ${KEYS_OF_SOURCES}`);
    }
    source.names.push(name);
    source.stacks.push(sourceStackName);
    if (!isCoveredBy(name, source.patterns)) {
      const length = (patterns: string[]) => 2 * renderedLength(this, this.sourceArnsOf(sourceRegion, patterns));
      source.patterns = patternsWithin(source.names, SOURCE_PATTERN_CHARACTERS, length, false);
      this.acknowledgeSourcePatterns(sourceRegion);
    }
  }

  /** A plain String/StringList parameter whose policies the handler writes: SSM permissions only, no key. */
  public registerPlain(name: string): void {
    this.plainNames.push(name);
    this.cover(name);
  }

  private cover(name: string): void {
    if (!isCoveredBy(name, this.patterns)) {
      // a name inside the current patterns cannot change them: recomputing is needed only here
      const names = [...this.parameters.map((p) => p.name), ...this.plainNames];
      const length = (patterns: string[]) => 2 * renderedLength(this, patterns.map((p) => parameterArnFor(this, p)));
      this.patterns = patternsWithin(names, PATTERN_CHARACTERS, length, false);
      this.acknowledgeParameterPatterns();
    }
  }

  /**
   * Committed ciphertext is decrypted by the handler itself, not through Parameter Store. The key policy
   * (if the key is in this app) must then allow this role's direct kms:Decrypt, only with a PARAMETER_ARN
   * of this account as context.
   */
  private allowDirectDecrypt(key: kms.IKey): void {
    if (this.ciphertextKeys.has(key)) {
      return;
    }
    this.ciphertextKeys.add(key);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowHandlerToDecryptCommittedCiphertext',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          // the role's name, not a reference to it: the key may be in another stack that this one references
          ArnEquals: { 'aws:PrincipalArn': handlerRoleArn(this) },
          StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: accountParametersArn(this) },
        },
      }),
    );
  }

  /**
   * Users make committed ciphertext with a direct kms:Encrypt (`cdk-secure-parameters encrypt`), only with a
   * PARAMETER_ARN of this account as context. Encrypting reveals nothing: only the handler may decrypt.
   */
  private allowDirectEncrypt(key: kms.IKey): void {
    if (this.encryptableKeys.has(key)) {
      return;
    }
    this.encryptableKeys.add(key);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEncryptingValuesForCommittedCiphertext',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Encrypt'],
        resources: ['*'],
        conditions: { StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: accountParametersArn(this) } },
      }),
    );
  }

  private parameterArns(): string[] {
    return this.patterns.map((p) => parameterArnFor(this, p));
  }

  /** Statements S1 to S5 of the README's table (see handler-policy.ts), then logs, traces and what aws-cdk-lib adds. */
  private policyDocument(context: IResolveContext): unknown {
    const parameterArns = this.parameterArns();
    const statements = [
      manageParametersOfThisStack(parameterArns),
      // even with no SecureString left in the template: the cleanup Delete of a removed one runs under this policy
      reachParametersThisStackOwns(this),
      readOwnershipTags(this),
      ...(this.parameters.length > 0 ? [useKeysOnlyThroughParameterStore(this, this.otherAccountKeyArns())] : []),
      ...(this.ciphertextKeys.size > 0 ? [decryptCommittedCiphertext(this.ciphertextKeyArns(), parameterArns)] : []),
      ...[...this.replicaSources.keys()].flatMap((region) => {
        const arns = this.sourcePatternArns(region);
        return [readReplicaSources(region, arns, this.replicaSources.get(region)!.stacks), decryptReplicaSources(this, region, arns)];
      }),
      // even with no batched hierarchy left: the cleanup Delete of a removed chunk runs under this policy
      readOwnStackRecords(),
      ...writeOwnLogsAndTraces(this.logGroup),
      ...this.roleStatements,
      ...(this.options.vpc ? [attachToVpc()] : []),
    ];
    const document = context.resolve(new iam.PolicyDocument({ statements }));
    assertManagedPolicySize(this.policy, document, HANDLER_POLICY_WAY_OUT);
    return document;
  }

  /** The covering patterns of a source region's names, as ARNs of that region. */
  private sourcePatternArns(region: string): string[] {
    return this.sourceArnsOf(region, this.replicaSources.get(region)!.patterns);
  }

  private sourceArnsOf(region: string, patterns: string[]): string[] {
    const stack = Stack.of(this);
    return patterns.map((p) => `arn:${stack.partition}:ssm:${region}:${stack.account}:parameter/${p}`);
  }

  /** Each source path pattern by its exact ids (cdk-nag's wildcard, our pack's decrypt context). */
  private acknowledgeSourcePatterns(region: string): void {
    for (const arn of this.sourcePatternArns(region).filter((a) => a.endsWith('/*'))) {
      for (const finding of [wildcardResourceFinding(this, 'AwsSolutions-IAM5', arn), decryptContextFinding(this, arn)]) {
        if (!this.acknowledgedPatterns.has(finding)) {
          this.acknowledgedPatterns.add(finding);
          acknowledgeFinding(this.policy, finding, `${COPIES_SOURCES} The path ends in '/' so no sibling path matches.`);
        }
      }
    }
  }

  private ciphertextKeyArns(): string[] {
    return uniqueArns(this, [...this.ciphertextKeys].map((key) => key.keyArn));
  }

  /** Keys of the template that `key/*` of this account may not cover, listed by ARN. */
  private otherAccountKeyArns(): string[] {
    const keys = this.parameters.map((p) => p.key).filter((key) => mayBeInOtherAccount(this, key));
    return uniqueArns(this, keys.map((key) => key.keyArn));
  }

  /** A path wildcard is the point of covering many parameters with one statement; each is acknowledged by its exact id. */
  private acknowledgeParameterPatterns(): void {
    for (const arn of this.parameterArns().filter((a) => a.endsWith('/*'))) {
      const finding = wildcardResourceFinding(this, 'AwsSolutions-IAM5', arn);
      if (!this.acknowledgedPatterns.has(finding)) {
        this.acknowledgedPatterns.add(finding);
        acknowledgeParameterPattern(this.policy, finding);
      }
    }
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
