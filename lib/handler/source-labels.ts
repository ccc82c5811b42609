import { GetParameterCommand, LabelParameterVersionCommand, UnlabelParameterVersionCommand } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError } from './errors';
import { LiveParameter } from './read-back';
import { withRetries } from './retry';
import { SOURCE_LABEL_PREFIX } from './source-fingerprint';
import { ROTATION_LABELS } from '../private/rotation-protocol';

/**
 * Each version the handler writes is labelled with the fingerprint of its source (`src-…`), so that a
 * template asking for a source written before (CloudFormation's rollback Update, a redelivered event) gets
 * that version's value back instead of a new one. A label names one version at a time: labelling a new
 * version moves it there (LabelParameterVersion API reference).
 */
interface LabelContext {
  readonly clients: Clients;
  readonly deadline: number;
}

/** Parameter Store keeps this many versions; a write beyond drops the oldest. */
export const MAX_KEPT_VERSIONS = 100;

/** Puts `labels` on `version` (moving each from the version it named before), in one call. */
export async function labelVersion(name: string, version: number, labels: readonly string[], ctx: LabelContext): Promise<void> {
  const result = await withRetries(
    'ssm:LabelParameterVersion',
    (options) => ctx.clients.ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [...labels] }), options),
    ctx.deadline,
  );
  if ((result.InvalidLabels ?? []).length > 0) {
    throw new OperatorError(
      `Parameter Store refused the version label ${result.InvalidLabels!.join(', ')}: the handler and Parameter Store disagree on label rules. Report this to cdk-secure-parameters.`,
    );
  }
}

/**
 * A write at 100 versions drops the oldest, and fails with ParameterMaxVersionLimitExceeded when it carries
 * a label (Parameter Store user guide, "Working with parameter versions"). Our source labels on it are
 * removed first, and on a rotating parameter the `current` and `previous` labels too: the value they point
 * to is about to go anyway. An operator's label is left alone, and the write then fails with a message that
 * says which label to move.
 */
export async function makeRoomForWrite(name: string, live: LiveParameter | undefined, rotating: boolean, ctx: LabelContext): Promise<void> {
  const isOurs = (label: string) => label.startsWith(SOURCE_LABEL_PREFIX) || (rotating && ROTATION_LABELS.includes(label));
  const ours = live?.oldest?.labels.filter(isOurs) ?? [];
  if (live === undefined || live.versionCount < MAX_KEPT_VERSIONS || ours.length === 0) {
    return;
  }
  await withRetries(
    'ssm:UnlabelParameterVersion',
    (options) =>
      ctx.clients.ssm.send(new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: live.oldest!.version, Labels: ours }), options),
    ctx.deadline,
  );
}

/** The value of the version `label` names, decrypted through Parameter Store (under that version's key). */
export async function labelledValue(name: string, label: string, ctx: LabelContext): Promise<string> {
  const result = await withRetries(
    'ssm:GetParameter',
    (options) => ctx.clients.ssm.send(new GetParameterCommand({ Name: `${name}:${label}`, WithDecryption: true }), options),
    ctx.deadline,
  );
  return result.Parameter?.Value ?? '';
}
