import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Admin, StackVersion } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, SecureValue } from '../../lib';

/**
 * The two templates of the update scenario (batch-iam-update, batch-iam-rollback): version 1, then version 2
 * with every kind of member change in one deploy. Hierarchy default: RETAIN, 10 writes per second.
 */
export const MIX_PATH = '/batch/mix';
/** The chunk's physical id: one chunk holds every member of both versions. */
export const MIX_CHUNK = `${MIX_PATH}#chunk-0`;
/** Members no version changes: most of the hierarchy, as in a real deploy. */
const UNTOUCHED = 250;

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${MIX_PATH}/${prefix}-${i}`);

export const MIX = {
  untouched: names('untouched/u', UNTOUCHED),
  /** Generated, `generation` bumped in version 2: a new value. */
  rotated: names('rotated/r', 3),
  /** Description changed in version 2: the same value in a new version. */
  redescribed: names('redescribed/d', 3),
  /** A placeholder whose description changes; an operator set its value after version 1. */
  placeholder: `${MIX_PATH}/ops/placeholder`,
  /** In version 2 only: two kept when removed, two deleted. */
  addedRetained: names('added/retained', 2),
  addedDestroyed: names('added/destroyed', 2),
  /** In version 1 only. */
  removedRetained: `${MIX_PATH}/removed/retained`,
  removedDestroyed: `${MIX_PATH}/removed/destroyed`,
};

/** Members whose template changes in version 2 and that need a write: PutParameter once each. */
export const MIX_CHANGED = [...MIX.rotated, ...MIX.redescribed, MIX.placeholder];
export const MIX_ADDED = [...MIX.addedRetained, ...MIX.addedDestroyed];

/** The value an operator puts in the placeholder (PutParameter --overwrite), which no deploy may replace. */
export const OPERATOR_VALUE = 'set-by-the-on-call-operator';

export type MixVersion = StackVersion<ParameterHierarchy>;

export function mixTemplate(version: 1 | 2) {
  return (stack: Stack): ParameterHierarchy => {
    const h = new ParameterHierarchy(stack, 'Mix', { path: MIX_PATH, deployment: HierarchyDeployment.batched({ writesPerSecond: 10 }) });
    const add = (name: string, options: Partial<Parameters<ParameterHierarchy['addSecureString']>[1]> = {}) =>
      h.addSecureString(name.slice(MIX_PATH.length + 1).replace(/\W/g, ''), { name: name.slice(MIX_PATH.length + 1), value: SecureValue.generated(), ...options });
    MIX.untouched.forEach((name) => add(name));
    MIX.rotated.forEach((name) => add(name, { value: SecureValue.generated(version === 2 ? { generation: 2 } : {}) }));
    MIX.redescribed.forEach((name) => add(name, { description: version === 2 ? 'second' : 'first' }));
    add(MIX.placeholder, { value: SecureValue.placeholder(), description: version === 2 ? 'second' : 'first' });
    if (version === 1) {
      add(MIX.removedRetained);
      add(MIX.removedDestroyed, { removalPolicy: RemovalPolicy.DESTROY });
    } else {
      MIX.addedRetained.forEach((name) => add(name));
      MIX.addedDestroyed.forEach((name) => add(name, { removalPolicy: RemovalPolicy.DESTROY }));
    }
    return h;
  };
}

/** What an operator does to a placeholder: a new version with their value, under the hierarchy's key. */
export async function operatorSetsPlaceholder(admin: Admin, version: MixVersion): Promise<void> {
  const keyId = version.deployed.keyArn(version.deployed.logicalId(version.built.encryptionKey));
  await admin.ssm.send(new PutParameterCommand({ Name: MIX.placeholder, Value: OPERATOR_VALUE, Type: 'SecureString', KeyId: keyId, Overwrite: true }));
}
