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
