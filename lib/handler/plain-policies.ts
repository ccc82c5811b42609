import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { OperatorError, isAwsError } from './errors';
import { policiesWithExpiration } from './expiration';
import { LifecycleContext, LifecycleOutcome } from './lifecycle';
import { readHistory, samePolicies } from './read-back';
import { withRetries } from './retry';
import { PlainPolicyProperties } from '../private/handler-protocol';

/**
 * The policies of a plain String/StringList parameter that CloudFormation itself manages, when they hold
 * a relative expiration: fixed at each write of the value, kept otherwise. The value is re-written as it
 * is (plain configuration), because PutParameter takes policies only with a value.
 */
export async function runPlainPolicies(event: CloudFormationCustomResourceEvent, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  const props = event.ResourceProperties as unknown as PlainPolicyProperties;
  const physicalId = `${props.Name}#policies`;
  if (event.RequestType === 'Delete') {
    await clearPolicies(props, ctx);
    return { physicalId };
  }
  const old = event.RequestType === 'Update' ? (event.OldResourceProperties as unknown as PlainPolicyProperties) : undefined;
  const live = await readHistory(props.Name, ctx);
  const renew = !old || old.Value !== props.Value || old.ExpireAfterSeconds !== props.ExpireAfterSeconds || old.Name !== props.Name;
  const policies = policiesWithExpiration(Number(props.ExpireAfterSeconds), props.Policies, renew ? undefined : live);
  if (!samePolicies(policies, live.policies)) {
    await rewrite(props, policies, ctx);
    const written = await readHistory(props.Name, ctx);
    if (!samePolicies(policies, written.policies)) {
      throw new OperatorError(`${props.Name} was written, but reading it back found other policies. Another writer may be changing this parameter; stop it and retry.`);
    }
    return { physicalId, version: written.version };
  }
  return { physicalId, version: live.version };
}

async function rewrite(props: PlainPolicyProperties, policies: string, ctx: LifecycleContext): Promise<void> {
  const current = await withRetries('ssm:GetParameter', (options) => ctx.clients.ssm.send(new GetParameterCommand({ Name: props.Name }), options), ctx.deadline);
  await withRetries(
    'ssm:PutParameter',
    (options) =>
      ctx.clients.ssm.send(
        new PutParameterCommand({
          Name: props.Name,
          Value: current.Parameter?.Value,
          Type: props.ParameterType as PutParameterCommand['input']['Type'],
          Tier: 'Advanced',
          Overwrite: true,
          Policies: policies,
        }),
        options,
      ),
    ctx.deadline,
  );
}

/** The policies go with this resource; a parameter that is already gone has none left to clear. */
async function clearPolicies(props: PlainPolicyProperties, ctx: LifecycleContext): Promise<void> {
  try {
    const live = await readHistory(props.Name, ctx);
    if (live.policies.length > 0) {
      await rewrite(props, '[{}]', ctx);
    }
  } catch (err) {
    if (!isAwsError(err, 'ParameterNotFound')) {
      throw err;
    }
  }
}
