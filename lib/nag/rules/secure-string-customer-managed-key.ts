import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { SECURE_STRING_CHUNK_TYPE, SECURE_STRING_TYPE, StackTemplate } from './stack-template';
import { resourceText } from './template-reading';

/**
 * SecureStrings use a customer-managed key, not the AWS-managed `aws/ssm` key (which cannot carry an
 * access policy or be shared). Reads this library's SecureStrings and any custom resource that calls
 * SSM PutParameter for a SecureString (e.g. AwsCustomResource), which cdk-nag's own packs skip. A chunk of a
 * batched hierarchy has one key for all its members: the finding is the chunk's.
 */
export function SecureStringCustomerManagedKey(node: CfnResource, template: StackTemplate): NagRuleCompliance {
  const resource = template.resource(node);
  if (resource?.type === SECURE_STRING_TYPE || resource?.type === SECURE_STRING_CHUNK_TYPE) {
    return usesAwsManagedKey(resource.properties.KeyId) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
  }
  if (!resource?.type.startsWith('Custom::')) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const puts = secureStringPuts(resource.properties);
  if (puts.length === 0) {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  return puts.some((parameters) => usesAwsManagedKey(parameters.KeyId)) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT;
}

/** No KeyId means `aws/ssm`; so does the alias, by name or ARN. */
function usesAwsManagedKey(keyId: unknown): boolean {
  return keyId === undefined || /(^|:)alias\/aws\/ssm$/i.test(resourceText(keyId));
}

/** The parameters of SSM PutParameter SecureString calls in an AwsCustomResource's Create/Update. */
function secureStringPuts(properties: Record<string, unknown>): Array<Record<string, unknown>> {
  return [properties.Create, properties.Update]
    .filter((call) => call !== undefined)
    .map((call) => {
      try {
        return JSON.parse(typeof call === 'string' ? call : resourceText(call));
      } catch {
        return {};
      }
    })
    .filter((call) => /^(ssm|@aws-sdk\/client-ssm)$/i.test(String(call.service)) && /^putparameter$/i.test(String(call.action)))
    .map((call) => (call.parameters ?? {}) as Record<string, unknown>)
    .filter((parameters) => parameters.Type === 'SecureString');
}
