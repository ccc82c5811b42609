import { AddTagsToResourceCommand } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { OperatorError } from './errors';
import type { ParameterSpec, RotationSpec } from './request';
import { withRetries } from './retry';
import { generatorOptions } from './source-fingerprint';
import { SourceType } from '../private/handler-protocol';
import {
  ROTATION_OPTIONS_TAG_KEY,
  ROTATION_STOPPED_TAG_VALUE,
  ROTATION_TAG_KEY,
  RotationProperties,
  rotationOptionsTagValue,
  rotationTagValue,
} from '../private/rotation-protocol';

/**
 * The spec with the two tags the stack's rotator finds and reads a rotating parameter by (see
 * rotation-protocol.ts). They travel with the user's tags, so an Update that drops the rotation removes
 * them like a user tag the template no longer sets.
 */
export function withRotationTags(stackName: string, spec: ParameterSpec): ParameterSpec {
  if (!spec.rotation) {
    return spec;
  }
  if (spec.source.Type !== SourceType.GENERATED) {
    throw new OperatorError(
      `the request is malformed: a ${spec.source.Type} value cannot rotate. The handler and the construct versions may differ; ` +
        'redeploy with one version of cdk-secure-parameters.',
    );
  }
  const options = rotationOptionsTagValue({
    keepPrevious: spec.rotation.keepPrevious,
    generator: generatorOptions(spec.source.Options),
    expireAfterSeconds: spec.expireAfterSeconds,
  });
  return {
    ...spec,
    tags: [
      ...spec.tags,
      { Key: ROTATION_TAG_KEY, Value: rotationTagValue(stackName, spec.rotation.trigger) },
      { Key: ROTATION_OPTIONS_TAG_KEY, Value: options },
    ],
  };
}

/** A parameter's or member's `Rotation` property as the handler needs it; undefined when it does not rotate. */
export function rotationSpec(properties: RotationProperties | undefined): RotationSpec | undefined {
  return properties ? { trigger: String(properties.Trigger), keepPrevious: properties.KeepPrevious !== 'false' } : undefined;
}

/**
 * Takes a parameter off rotation before the write or the delete that ends its rotation (a source that no longer
 * rotates, a dropped rotation, a DESTROY delete): its rotation tag says {@link ROTATION_STOPPED_TAG_VALUE} from then
 * on. The rotator reads the tags right before its write, and IAM refuses its write while the tag is there with another
 * value than its stack's, so a rotation already under way stops instead of writing over the deploy's value.
 */
export async function stopRotation(name: string, ctx: { readonly clients: Clients; readonly deadline: number }): Promise<void> {
  const Tags = [{ Key: ROTATION_TAG_KEY, Value: ROTATION_STOPPED_TAG_VALUE }];
  await withRetries(
    'ssm:AddTagsToResource',
    (options) => ctx.clients.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags }), options),
    ctx.deadline,
  );
}
