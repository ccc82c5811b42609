import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { SecureStringParameter, SecureValue } from '../../lib';
import { acknowledgeFinding } from '../../lib/private/nag-acknowledgements';
import { acknowledgedRules } from '../helpers/nag';

function acknowledgementsIn(stack: Stack): Array<{ path: string; id: string; reason: string }> {
  return stack.node.findAll().flatMap((c) =>
    acknowledgedRules(c).map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

describe('acknowledgeFinding', () => {
  test('writes one cdk-nag 3 acknowledgement and cdk-nag 2 metadata with applies_to for a granular finding', () => {
    const stack = new Stack(new App(), 'Stack');
    const resource = new CfnResource(stack, 'R', { type: 'AWS::IAM::ManagedPolicy' });

    acknowledgeFinding(resource, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:::parameter/a/*]', 'why');
    acknowledgeFinding(resource, 'HIPAA.Security-LambdaDLQ', 'because');

    expect(acknowledgementsIn(stack)).toEqual([
      { path: 'Stack/R', id: 'annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:::parameter/a/*]', reason: 'why' },
      { path: 'Stack/R', id: 'annotation::HIPAA.Security-LambdaDLQ', reason: 'because' },
    ]);
    expect(resource.getMetadata('cdk_nag')).toEqual({
      rules_to_suppress: [
        { id: 'AwsSolutions-IAM5', reason: 'why', applies_to: ['Resource::arn:<AWS::Partition>:ssm:::parameter/a/*'] },
        { id: 'HIPAA.Security-LambdaDLQ', reason: 'because' },
      ],
    });
  });
});

describe("the library's own acknowledgements", () => {
  test('each names one rule (or one finding of a rule) with a reason, on one resource', () => {
    const stack = new Stack(new App(), 'Stack');
    new SecureStringParameter(stack, 'P', { parameterName: '/app/prod/x', value: SecureValue.generated() });

    const acknowledgements = acknowledgementsIn(stack);

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason, path } of acknowledgements) {
      expect(id).toMatch(/^annotation::(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321|Serverless|ParameterStore)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(reason.length).toBeGreaterThan(30);
      expect(path).toMatch(/^Stack\/SecureStringParameterHandler\//);
    }
    // the IAM5 wildcard findings are acknowledged one by one, never as the whole rule
    expect(acknowledgements.map((a) => a.id)).not.toContain('annotation::AwsSolutions-IAM5');
    expect(acknowledgements.map((a) => a.id)).toContain(
      'annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/app/prod/*]',
    );
  });
});
