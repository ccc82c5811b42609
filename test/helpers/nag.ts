import { Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NIST80053R5Checks,
  NagPack,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The five cdk-nag packs that the library must be clean under. */
export const NAG_PACKS: Array<{ name: string; create: () => NagPack }> = [
  { name: 'AwsSolutions', create: () => new AwsSolutionsChecks() },
  { name: 'HIPAA.Security', create: () => new HIPAASecurityChecks() },
  { name: 'NIST.800.53.R5', create: () => new NIST80053R5Checks() },
  { name: 'PCI.DSS.321', create: () => new PCIDSS321Checks() },
  { name: 'Serverless', create: () => new ServerlessChecks() },
];

/** Each violation as `rule @ resource: description`, so a failing assertion reads like a report. */
export function nagViolations(pack: NagPack, scope: IConstruct): string[] {
  const report = pack.validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.ruleName} @ ${resource.constructPath ?? resource.resourceLogicalId}: ${violation.description}`,
    ),
  );
}

/**
 * The cdk-nag 3 acknowledgements written on one construct, as [finding id, reason]. aws-cdk-lib before 2.262.1
 * writes ids as `annotation::<finding>`, later versions as `Annotation::<finding>` (cdk-nag reads both): the
 * prefix is given here as the floor writes it, so one expectation holds on every aws-cdk-lib the tests run on.
 */
export function acknowledgedRules(construct: IConstruct): Array<[string, string]> {
  return construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .map(([id, reason]) => [id.replace(/^Annotation::/, 'annotation::'), reason]);
}
