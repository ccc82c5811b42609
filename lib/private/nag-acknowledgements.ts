import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
  acknowledgeForNag3(resource, findingId, reason);
  suppressForNag2(resource, findingId, reason);
}

/** cdk-nag 3 looks for acknowledgements on the flagged resource and every scope above it. */
export function acknowledgeForNag3(scope: IConstruct, findingId: string, reason: string): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`annotation::${findingId}`]: reason });
}

/** cdk-nag 2 reads suppressions from the flagged resource's own CloudFormation metadata. */
export function suppressForNag2(resource: CfnResource, findingId: string, reason: string): void {
  const granular = /^(.+?)\[(.+)\]$/.exec(findingId);
  const suppression = granular ? { id: granular[1], reason, applies_to: [granular[2]] } : { id: findingId, reason };
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, suppression] });
}
