/**
 * The AWS hard limits this library can reach, each with where AWS states it. Every one is either bounded by
 * construction (the design stays under it whatever the app declares) or checked at synth (limit-checks.ts).
 */
export const AWS_LIMITS = {
  /** IAM and AWS STS quotas: "Managed policy size", characters, whitespace not counted. */
  managedPolicyCharacters: 6_144,
  /** IAM and AWS STS quotas: "Role policy size", all inline policies of a role together, whitespace not counted. */
  roleInlinePolicyCharacters: 10_240,
  /** CloudFormation quotas: "Template body size in an Amazon S3 object" (aws-cdk-lib warns from the same 1,000,000). */
  templateBytes: 1_000_000,
  /** CloudFormation quotas: resources declared in one template (aws-cdk-lib refuses more at synth). */
  templateResources: 500,
  /** AWS KMS quotas: "Key policy document size", 32 KB. */
  keyPolicyBytes: 32_768,
  /** Amazon EventBridge quotas: "Event pattern size", characters (the default; adjustable to 4,096). */
  eventPatternCharacters: 2_048,
  /** Lambda quotas: "Environment variables", 4 KB for all of a function's keys and values together. */
  lambdaEnvironmentBytes: 4_096,
  /** CloudFormation quotas: "Custom resource response", bytes. */
  customResourceResponseBytes: 4_096,
} as const;
