import { CfnResource, Validations } from 'aws-cdk-lib';

/**
 * Acknowledges one cdk-nag finding on one resource, with its reason, for cdk-nag 3 and cdk-nag 2.
 *
 * `findingId` is a rule id (`HIPAA.Security-LambdaDLQ`) or a granular finding
 * (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:...]`) — never a whole rule whose future
 * findings would be hidden too.
 *
 * cdk-nag 3 reads `Validations`' metadata; it is written here directly because aws-cdk-lib before
 * 2.269 refuses ids with more than one `::`, which every ARN-shaped finding has. cdk-nag 2 reads
 * `cdk_nag.rules_to_suppress` (with `applies_to` for a granular finding) in the template metadata.
 */
export function acknowledgeFinding(resource: CfnResource, findingId: string, reason: string): void {
  resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`annotation::${findingId}`]: reason });

  const granular = /^(.+?)\[(.+)\]$/.exec(findingId);
  const suppression = granular ? { id: granular[1], reason, applies_to: [granular[2]] } : { id: findingId, reason };
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, suppression] });
}
