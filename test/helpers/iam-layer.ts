import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AccessCheck, Environment } from './access-check';
import { EmulatorState } from './emulator-state';
import { PolicyDocument, authorize } from './iam-simulator';
import { kmsChecks } from './kms-access';
import { MotoServer } from './moto-server';
import { storedTier } from './parameter-tier';
import { secretsChecks } from './secrets-access';
import { ssmChecks } from './ssm-access';
import { STACK_RECORDS } from './stack-records';
import { Clients } from '../../lib/handler/clients';

/** Who calls: a role, with the identity policies attached to it. */
export interface Principal {
  readonly roleArn: string;
  readonly identityPolicies: readonly PolicyDocument[];
}

/**
 * SDK clients bound to moto_server that act as `principal` in a real account: before a call leaves the
 * client, every check AWS would make for it (see ssm-access.ts, kms-access.ts, secrets-access.ts) is
 * evaluated with iam-simulate against the principal's identity policies and, for KMS keys, the key policy
 * moto holds. A denied call never reaches moto and fails as AWS fails it, with AccessDeniedException.
 * `IAM_LAYER_TRACE=1` prints each decision with its request context to stderr.
 */
export function iamEnforcedClients(moto: MotoServer, env: Environment, principal: Principal): Clients {
  const state = new EmulatorState(moto, env.region);
  const ssm = enforcedSsm(moto, env, principal);
  const kms = new KMSClient(moto.clientConfig(env.region));
  const secrets = new SecretsManagerClient(moto.clientConfig(env.region));
  const cloudformation = new CloudFormationClient(moto.clientConfig(env.region));
  enforce(kms, (op, input) => kmsChecks(op, input, state, env.account), principal, state);
  enforce(secrets, (op, input) => secretsChecks(op, input, state, env), principal, state);
  // a chunk reads its own stack's record of itself: the stack's ARN is the resource (a stack named by name is
  // authorized against its ARN, whose id part a policy matches with `stack/<name>/*`)
  const stackArn = (stack: string) => (stack.startsWith('arn:') ? stack : `arn:${env.partition}:cloudformation:${env.region}:${env.account}:stack/${stack}/id`);
  enforce(cloudformation, async (op, input) => [{ action: `cloudformation:${op}`, resource: stackArn(String(input.StackName)), context: {} }], principal, state);
  STACK_RECORDS.answerFor(cloudformation);
  const ssmByRegion = new Map<string, SSMClient>();
  const ssmIn = (region: string) => {
    // the same principal in another region: its checks use that region's parameters, keys and key policies
    if (!ssmByRegion.has(region)) ssmByRegion.set(region, enforcedSsm(moto, { ...env, region }, principal));
    return ssmByRegion.get(region)!;
  };
  return { ssm, kms, secrets, cloudformation, ssmIn };
}

/** Parameter Store of one region, every call checked (with the KMS calls Parameter Store makes in that region). */
function enforcedSsm(moto: MotoServer, env: Environment, principal: Principal): SSMClient {
  const state = new EmulatorState(moto, env.region);
  const ssm = new SSMClient(moto.clientConfig(env.region));
  enforce(
    ssm,
    async (op, input) => {
      const checks = await ssmChecks(op, input, state, env);
      await assertKeysUsable(checks, state);
      return checks;
    },
    principal,
    state,
  );
  emulateIntelligentTiering(ssm, state);
  return ssm;
}

type ChecksOf = (operation: string, input: Record<string, any>) => Promise<AccessCheck[]>;

interface MiddlewareClient {
  readonly middlewareStack: { add: (middleware: any, options: { step: 'initialize'; name: string; priority?: 'high' | 'normal' | 'low' }) => void };
}

/** At the initialize step the command's input is complete and nothing has been sent yet. */
function enforce(client: MiddlewareClient, checksOf: ChecksOf, principal: Principal, state: EmulatorState): void {
  client.middlewareStack.add(
    (next: (args: any) => Promise<unknown>, context: { commandName: string }) => async (args: { input: Record<string, any> }) => {
      const operation = context.commandName.replace(/Command$/, '');
      for (const check of await checksOf(operation, args.input)) {
        await assertAllowed(check, principal, state);
      }
      return next(args);
    },
    { step: 'initialize', name: 'iamEnforcement' },
  );
}

async function assertAllowed(check: AccessCheck, principal: Principal, state: EmulatorState): Promise<void> {
  const [, partition, , , account] = principal.roleArn.split(':');
  const decision = await authorize(
    {
      principalArn: principal.roleArn,
      action: check.action,
      resource: check.resource,
      context: { 'aws:PrincipalArn': principal.roleArn, 'aws:PrincipalAccount': account, ...check.context },
    },
    { identity: principal.identityPolicies, resource: check.keyArn ? await state.keyPolicy(check.keyArn) : undefined },
  );
  if (process.env.IAM_LAYER_TRACE) {
    process.stderr.write(`${decision.allowed ? 'ALLOW' : 'DENY'} ${check.action} ${check.resource} ${JSON.stringify(check.context)}\n`);
  }
  if (!decision.allowed) {
    const session = `arn:${partition}:sts::${account}:assumed-role/${principal.roleArn.split('/').pop()}/session`;
    throw accessDenied(`User: ${session} is not authorized to perform: ${check.action} on resource: ${check.resource} ${decision.reason}`);
  }
}

/**
 * moto's Parameter Store does not ask KMS: a disabled key or one pending deletion fails the call as Parameter
 * Store fails it (InvalidKeyId, with the key's state in the message).
 */
async function assertKeysUsable(checks: AccessCheck[], state: EmulatorState): Promise<void> {
  for (const keyArn of new Set(checks.flatMap((c) => (c.keyArn && c.action.startsWith('kms:') ? [c.keyArn] : [])))) {
    const keyState = await state.keyState(keyArn);
    if (keyState !== 'Enabled') {
      throw Object.assign(new Error(`${keyArn} is ${keyState === 'Disabled' ? 'disabled' : keyState}.`), {
        name: 'InvalidKeyId',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
  }
}

/** The error the SDK raises for AWS's answer: the handler reads `name` and the action in `message`. */
function accessDenied(message: string): Error {
  return Object.assign(new Error(message), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** moto stores "Intelligent-Tiering" as a tier; Parameter Store stores Standard or Advanced (parameter-tier.ts). */
function emulateIntelligentTiering(ssm: MiddlewareClient, state: EmulatorState): void {
  ssm.middlewareStack.add(
    (next: (args: any) => Promise<any>, context: { commandName: string }) => async (args: { input: Record<string, any> }) => {
      if (context.commandName !== 'PutParameterCommand' || args.input.Tier !== 'Intelligent-Tiering') {
        return next(args);
      }
      const current = (await state.parameterVersions(args.input.Name)).at(-1);
      return next({ ...args, input: { ...args.input, Tier: storedTier(args.input, current) } });
    },
    // after the IAM check, which sees the request as the caller sent it
    { step: 'initialize', name: 'intelligentTieringEmulation', priority: 'low' },
  );
}
