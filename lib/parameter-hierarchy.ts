import { Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ram from 'aws-cdk-lib/aws-ram';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { HierarchyDeployment } from './hierarchy-deployment';
import { IParameterEventSource, ParameterChangeEventOptions, PolicyActionEventOptions } from './parameter-events';
import { HierarchySecureStringOptions, HierarchyStringListOptions, HierarchyStringOptions } from './parameter-hierarchy-options';
import { ParameterKey } from './parameter-key';
import { ParameterPolicy } from './parameter-policy';
import { ParameterRotation } from './parameter-rotation';
import { changeRule, namesUnder, policyActionRule } from './private/event-rules';
import { HierarchyBatch, sharedDeployment } from './private/hierarchy-batch';
import { HierarchyPathGrants } from './private/hierarchy-path-grants';
import { plainString, plainStringList } from './private/hierarchy-plain-parameters';
import { tierKeyActions } from './private/key-actions';
import { managedPolicyOf } from './private/managed-policy-grantee';
import { GrantTarget, READ_ACTIONS, WRITE_ACTIONS, grantOnParameters, keyContextConditions } from './private/parameter-grants';
import { resolveParameterKey } from './private/parameter-key-resolution';
import { assertValidHierarchyPath, dotLevelProblem, parameterArnFor } from './private/parameter-name';
import { claimParameterName, declaredParameterNames } from './private/parameter-name-claims';
import { ParameterRotator } from './private/parameter-rotator';
import { shareParameters } from './private/parameter-sharing';
import { SecureStringParameterBase } from './private/secure-string-parameter-base';
import { ParameterValidationError } from './private/validation-error';
import { ISecureStringParameter, SecureStringParameter, SecureStringParameterProps } from './secure-string-parameter';
import { SecureValueSource } from './secure-value-source';
import { ShareTarget } from './share-target';

/**
 * Properties of a {@link ParameterHierarchy}.
 */
export interface ParameterHierarchyProps {
  /**
   * The path, e.g. `/myapp/prod`: starts with `/`, no trailing `/`, not `/` alone.
   */
  readonly path: string;

  /**
   * The key of every SecureString in the hierarchy. An alias made in this app stands for its target key;
   * an alias imported by name is refused, except the AWS-managed `alias/aws/ssm`.
   *
   * @default - a new ParameterKey
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The default tier of the hierarchy's parameters.
   *
   * @default - Advanced for parameters with policies, else Standard
   */
  readonly tier?: ssm.ParameterTier;

  /**
   * The default policies of the hierarchy's SecureStrings; a parameter's own `policies` replace them.
   *
   * @default - no policies
   */
  readonly policies?: ParameterPolicy[];

  /**
   * The default removal policy of the hierarchy's SecureStrings.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Acknowledge, on each grantee of a path grant (`grantRead`, `grantWrite`, `grantReadByTag` of this
   * hierarchy and its children), the one cdk-nag finding the grant makes by design: `AwsSolutions-IAM5`
   * on `<path>/*`, with the reason, for cdk-nag 3 and cdk-nag 2. The grantee is your resource, so by
   * default you see the finding and decide.
   *
   * @default false
   */
  readonly acknowledgeGrantFindings?: boolean;

  /**
   * How the hierarchy's SecureStrings are deployed: one custom resource each, or in batches, for thousands of
   * SecureStrings in one stack at the pace the account's PutParameter quota allows. A child hierarchy
   * shares its parent's.
   *
   * @default HierarchyDeployment.perParameter()
   */
  readonly deployment?: HierarchyDeployment;

  /**
   * The default rotation of the hierarchy's generated SecureStrings (other values never rotate, and do not
   * take this default); a SecureString's own `rotation` replaces it. Child hierarchies share it.
   *
   * @default - no rotation
   */
  readonly rotation?: ParameterRotation;
}

/**
 * A Parameter Store path such as `/myapp/prod`, with one key and shared defaults, holding SecureStrings and
 * plain configuration. Its grants cover the whole path or a sub-path with a constant number of statements,
 * and scope `kms:Decrypt` to the path's encryption contexts.
 */
export class ParameterHierarchy extends Construct implements IParameterEventSource {
  /** The path, without trailing slash. */
  public readonly path: string;

  /** The key of every SecureString in the hierarchy (shared with child hierarchies); an alias's target key. */
  public readonly encryptionKey: kms.IKey;

  /** The default tier, if one was given. */
  public readonly tier?: ssm.ParameterTier;

  /** The hierarchy this one is a child of. */
  public readonly parentHierarchy?: ParameterHierarchy;

  /** How its SecureStrings are deployed (shared with its parent and children). */
  public readonly deployment: HierarchyDeployment;

  private readonly defaultPolicies?: ParameterPolicy[];
  private readonly defaultRemovalPolicy?: RemovalPolicy;
  private readonly defaultRotation?: ParameterRotation;
  /** Whether a SecureString of this hierarchy rotates: then the stack's rotator alarm is this hierarchy's too. */
  private rotates = false;
  private readonly acknowledgeGrantFindings: boolean;
  private readonly added = new Map<string, ssm.IParameter>();
  private readonly pathGrants: HierarchyPathGrants;
  private batch?: HierarchyBatch;

  constructor(scope: Construct, id: string, props: ParameterHierarchyProps) {
    super(scope, id);
    assertValidHierarchyPath(this, props.path);
    this.path = props.path;
    this.tier = props.tier;
    this.defaultPolicies = props.policies;
    this.defaultRemovalPolicy = props.removalPolicy;
    this.defaultRotation = props.rotation;
    this.acknowledgeGrantFindings = props.acknowledgeGrantFindings ?? false;
    this.parentHierarchy = scope instanceof ParameterHierarchy ? scope : undefined;
    this.encryptionKey = props.encryptionKey
      ? resolveParameterKey(this, props.encryptionKey)
      : new ParameterKey(this, 'Key', { description: `Encrypts the SecureString parameters under ${props.path}` });
    ParameterKey.assertSymmetric(this, this.encryptionKey);
    this.deployment = sharedDeployment(this, props.deployment, this.parentHierarchy);
    this.pathGrants = new HierarchyPathGrants(this, this.acknowledgeGrantFindings);
    this.node.addValidation({
      validate: () => this.pathGrants.grantsThatMissAParameter((n) => this.parameter(n) !== undefined, (n) => this.fullName(n)),
    });
    // validation runs once every member is added (after aspects too); it only warns, so it returns no error
    this.node.addValidation({
      validate: () => {
        this.pathGrants.warnOfGrantsMatchingNoParameter(this.path, () => declaredParameterNames(this));
        return [];
      },
    });
  }

  /** Every parameter added to this hierarchy and its children, by full name. */
  public get parameters(): ssm.IParameter[] {
    return [...this.addedByName().values()];
  }

  /**
   * A SecureString at `<path>/<name>`, encrypted with the hierarchy's key, with the hierarchy's defaults for
   * whatever `options` leave unset: a `SecureStringParameter` when deployed per parameter, a member of a chunk
   * when batched (with no per-member attribute such as `parameterVersion`).
   */
  public addSecureString(id: string, options: HierarchySecureStringOptions): ISecureStringParameter {
    return this.add(options.name, (fullName) => {
      const props: SecureStringParameterProps = {
        parameterName: fullName,
        value: options.value,
        encryptionKey: this.encryptionKey,
        tier: options.tier ?? this.tier,
        policies: options.policies ?? this.defaultPolicies,
        removalPolicy: options.removalPolicy ?? this.defaultRemovalPolicy,
        description: options.description,
        allowedPattern: options.allowedPattern,
        adoptExisting: options.adoptExisting,
        rotation: options.rotation ?? (options.value.sourceType === SecureValueSource.GENERATED ? this.defaultRotation : undefined),
      };
      this.rotates ||= props.rotation?._active !== undefined;
      return this.deployment.isBatched ? this.rootHierarchy().batchOfTree().add(this, id, props) : new SecureStringParameter(this, id, props);
    });
  }

  /** Plain configuration at `<path>/<name>`: a native `AWS::SSM::Parameter` of type String. */
  public addString(id: string, options: HierarchyStringOptions): ssm.StringParameter {
    return this.add(options.name, (fullName) => plainString(this, id, fullName, options, this.tier));
  }

  /** Plain configuration at `<path>/<name>`: a native `AWS::SSM::Parameter` of type StringList. */
  public addStringList(id: string, options: HierarchyStringListOptions): ssm.StringListParameter {
    return this.add(options.name, (fullName) => plainStringList(this, id, fullName, options, this.tier));
  }

  /**
   * A child hierarchy at `<path>/<name>`, sharing this hierarchy's key and defaults.
   * Asking twice for the same name returns the same child.
   */
  public child(name: string): ParameterHierarchy {
    const existing = this.node.tryFindChild(name);
    if (existing instanceof ParameterHierarchy) {
      return existing;
    }
    return new ParameterHierarchy(this, name, {
      path: this.fullName(name),
      encryptionKey: this.encryptionKey,
      tier: this.tier,
      policies: this.defaultPolicies,
      removalPolicy: this.defaultRemovalPolicy,
      acknowledgeGrantFindings: this.acknowledgeGrantFindings,
      deployment: this.deployment,
      rotation: this.defaultRotation,
    });
  }

  /**
   * The alarm of the stack's rotator when a SecureString of this hierarchy rotates: in alarm while a failed
   * rotation waits in the rotator's dead-letter queue. One per stack, shared by every rotating parameter.
   */
  public get rotationAlarm(): cloudwatch.Alarm | undefined {
    return this.rotates ? ParameterRotator.of(this).alarm : undefined;
  }

  /**
   * The parameter added under `name` (relative to the path), in this hierarchy or a child.
   */
  public parameter(name: string): ssm.IParameter | undefined {
    return this.addedByName().get(this.fullName(name));
  }

  /**
   * Read access to one parameter (when `subPath` names one that was added), a sub-path, or the whole path:
   * `ssm:GetParameter(s)` and `ssm:GetParameterHistory` on `<path>/*`, `ssm:GetParametersByPath` on the path
   * and `<path>/*`, and `kms:Decrypt` only for encryption contexts under `<path>/` and only via Parameter
   * Store. The same statements for 1 or 1,000 parameters. A sub-path under which the app declares no
   * parameter gets a synth warning (`cdk-secure-parameters:grantMatchesNoMember`), with the closest names.
   *
   * @param grantee who may read
   * @param subPath a name or sub-path relative to this hierarchy's path (no `.` or `..` level)
   * @default - the whole path
   */
  public grantRead(grantee: iam.IGrantable, subPath?: string): iam.Grant {
    const single = this.grantedParameter(subPath);
    if (single) {
      return single.grantRead(grantee);
    }
    const target = this.pathTarget(subPath);
    const grant = grantOnParameters(this, grantee, target, READ_ACTIONS, this.encryptionKey, ['kms:Decrypt']);
    this.pathGrants.remember('grantRead', subPath, target, grant);
    this.pathGrants.acknowledgePathWildcard(grantee, target);
    return grant;
  }

  /**
   * Write access to one parameter, a sub-path or the whole path: `ssm:PutParameter` and the KMS action of
   * the tiers in use (`kms:Encrypt` for Standard, `kms:GenerateDataKey` for Advanced) under the same
   * conditions as reads, and the same warning for a sub-path under which the app declares no parameter.
   *
   * @param grantee who may write
   * @param subPath a name or sub-path relative to this hierarchy's path (no `.` or `..` level)
   * @default - the whole path
   */
  public grantWrite(grantee: iam.IGrantable, subPath?: string): iam.Grant {
    const single = this.grantedParameter(subPath);
    if (single) {
      return single.grantWrite(grantee);
    }
    const target = this.pathTarget(subPath);
    const keyActions = tierKeyActions(this.tier ?? ssm.ParameterTier.STANDARD);
    const grant = grantOnParameters(this, grantee, target, WRITE_ACTIONS, this.encryptionKey, keyActions);
    this.pathGrants.remember('grantWrite', subPath, target, grant);
    this.pathGrants.acknowledgePathWildcard(grantee, target);
    return grant;
  }

  /**
   * A new customer-managed policy with exactly the statements of `grantRead(grantee, subPath)`, for roles
   * that must hold no inline policy (cdk-nag's `IAMNoInlinePolicy` in the HIPAA, NIST 800-53 and PCI DSS
   * packs). Attach it with `role.addManagedPolicy(policy)` or `policy.attachToRole(role)`. With
   * `acknowledgeGrantFindings`, the path wildcard finding is acknowledged on the policy. A key whose policy
   * must name each reader (it does not delegate to IAM, or is in another account) is refused: use `grantRead`.
   *
   * @param id the construct id of the policy, under this hierarchy
   * @param subPath a name or sub-path relative to this hierarchy's path (no `.` or `..` level)
   * @default - the whole path
   */
  public readPolicy(id: string, subPath?: string): iam.ManagedPolicy {
    return managedPolicyOf(this, id, (grantee) => this.grantRead(grantee, subPath));
  }

  /**
   * A new customer-managed policy with exactly the statements of `grantWrite(grantee, subPath)`, to attach
   * to a role instead of an inline grant, like `readPolicy`. A SecureString of another tier added later
   * under the path adds its KMS action to this policy, as it does to a write grant.
   *
   * @param id the construct id of the policy, under this hierarchy
   * @param subPath a name or sub-path relative to this hierarchy's path (no `.` or `..` level)
   * @default - the whole path
   */
  public writePolicy(id: string, subPath?: string): iam.ManagedPolicy {
    return managedPolicyOf(this, id, (grantee) => this.grantWrite(grantee, subPath));
  }

  /**
   * Read access to the parameters under this path that carry the tag `tagKey=tagValue`
   * (`aws:ResourceTag` on the SSM actions). Parameter Store does not evaluate tag conditions on
   * `GetParametersByPath`, so it is not granted; `kms:Decrypt` stays scoped to the path's contexts.
   */
  public grantReadByTag(grantee: iam.IGrantable, tagKey: string, tagValue: string): iam.Grant {
    const target = this.pathTarget(undefined);
    const ssmGrant = iam.Grant.addToPrincipal({
      grantee,
      actions: READ_ACTIONS,
      resourceArns: [target.parameterArns],
      conditions: { StringEquals: { [`aws:ResourceTag/${tagKey}`]: tagValue } },
    });
    const keyGrant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: keyContextConditions(this, 'StringLike', target.parameterArns),
    });
    this.pathGrants.acknowledgePathWildcard(grantee, target);
    return ssmGrant.combine(keyGrant);
  }

  /**
   * An EventBridge rule for the policy actions of every parameter under this path
   * (`parameter-name` starting with `<path>/`).
   */
  public onPolicyAction(id: string, options?: PolicyActionEventOptions): events.Rule {
    return policyActionRule(this, id, namesUnder(this.path), options);
  }

  /** An EventBridge rule for changes of every parameter under this path. */
  public onChange(id: string, options?: ParameterChangeEventOptions): events.Rule {
    return changeRule(this, id, namesUnder(this.path), options);
  }

  /**
   * Shares every SecureString under this path through AWS RAM and lets the targets' principals decrypt
   * them through Parameter Store (a key-policy statement for `<path>/*`). Every SecureString of the
   * hierarchy must be Advanced; the key must be one this app can edit.
   */
  public shareWith(id: string, targets: ShareTarget[]): ram.CfnResourceShare {
    const target = this.pathTarget(undefined);
    const share = shareParameters(this, id, {
      // the share waits for each parameter (its ARN references the resource that writes it)
      resourceArns: Lazy.list({ produce: () => [...this._secureStrings().values()].map((p) => p.parameterArn) }),
      contextOperator: 'StringLike',
      contextArns: target.parameterArns,
      key: this.encryptionKey,
      targets,
    });
    this.node.addValidation({
      validate: () => {
        const notAdvanced = [...this._secureStrings()].filter(([, p]) => p.tier !== ssm.ParameterTier.ADVANCED);
        const problems = notAdvanced.map(([name, p]) => `${this.node.path}: ${name} is ${p.tier} and cannot be shared; Parameter Store shares Advanced parameters only`);
        return this._secureStrings().size === 0 ? [`${this.node.path}: shareWith has no SecureString to share under ${this.path}`] : problems;
      },
    });
    return share;
  }

  /**
   * Its SecureStrings and its children's, by full name: a SecureString's `parameterName` is a deploy-time
   * reference, not text for a message.
   * @internal
   */
  public _secureStrings(): Map<string, SecureStringParameterBase> {
    return new Map([...this.addedByName()].filter((e): e is [string, SecureStringParameterBase] => e[1] instanceof SecureStringParameterBase));
  }

  /** `<path>/<name>` for a name relative to the path, as members, children, lookups and grants (`what`) take it. */
  private fullName(name: string, what = 'name'): string {
    if (name.startsWith('/')) {
      throw new ParameterValidationError(this, `${what} '${name}' must be relative to the path ${this.path} (no leading '/')`);
    }
    const dots = dotLevelProblem(name);
    if (dots !== undefined) {
      throw new ParameterValidationError(this, `${what} '${name}' is invalid: ${dots}`);
    }
    return `${this.path}/${name}`;
  }

  /** Creates a parameter at `<path>/<name>` unless this hierarchy or its stack already writes that name. */
  private add<T extends ssm.IParameter>(name: string, create: (fullName: string) => T): T {
    const fullName = this.fullName(name);
    if (this.added.has(fullName)) {
      throw new ParameterValidationError(this, `${fullName} was already added to this hierarchy`);
    }
    const parameter = create(fullName);
    claimParameterName(parameter, fullName);
    this.added.set(fullName, parameter);
    if (parameter instanceof SecureStringParameterBase) {
      for (let h: ParameterHierarchy | undefined = this; h; h = h.parentHierarchy) {
        h.pathGrants.extendWriteGrantsFor(fullName, parameter.tier);
      }
    }
    return parameter;
  }

  /** By full name, including children's (native parameters' names are tokens, so the map keeps them). */
  private addedByName(): Map<string, ssm.IParameter> {
    return new Map([...this.added, ...this.children().flatMap((c) => [...c.addedByName()])]);
  }

  private rootHierarchy(): ParameterHierarchy {
    return this.parentHierarchy?.rootHierarchy() ?? this;
  }

  /** The chunks of this tree of hierarchies: the root's members and its children's share them. */
  private batchOfTree(): HierarchyBatch {
    this.batch ??= new HierarchyBatch(this, 'Batch', {
      path: this.path,
      encryptionKey: this.encryptionKey,
      writesPerSecond: this.deployment.writesPerSecond!,
      defaults: {
        tier: this.tier,
        policies: this.defaultPolicies,
        removalPolicy: this.defaultRemovalPolicy,
        rotation: this.defaultRotation?._active,
      },
    });
    return this.batch;
  }

  private children(): ParameterHierarchy[] {
    return this.node.children.filter((c): c is ParameterHierarchy => c instanceof ParameterHierarchy);
  }

  /** The parameter that a grant's sub-path names, when one was added. */
  private grantedParameter(subPath: string | undefined): ssm.IParameter | undefined {
    return subPath === undefined ? undefined : this.addedByName().get(this.fullName(subPath, 'subPath'));
  }

  private pathTarget(subPath: string | undefined): GrantTarget {
    const path = subPath === undefined ? this.path : this.fullName(subPath.replace(/\/+$/, ''), 'subPath');
    const pathArn = parameterArnFor(this, path);
    return { contextOperator: 'StringLike', parameterArns: `${pathArn}/*`, pathArn };
  }
}
