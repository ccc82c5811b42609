import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { lambdaRole, newStack } from './pack-findings';
import { ParameterHierarchy, SecureValue } from '../../lib';
import { acknowledgedRules } from '../helpers/nag';

const PATH_FINDING = (path: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:eu-west-1:111111111111:parameter${path}/*]`;

/** A reader and a writer of a hierarchy, granted on the path, a child's path and by tag. */
function grantedStack(acknowledgeGrantFindings?: boolean): Stack {
  const stack = newStack();
  const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', acknowledgeGrantFindings });
  prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
  const reader = lambdaRole(stack, 'Reader');
  const writer = lambdaRole(stack, 'Writer');
  prod.grantRead(reader);
  prod.grantReadByTag(reader, 'team', 'payments');
  prod.child('ci').grantWrite(writer);
  return stack;
}

function awsSolutionsFindings(stack: Stack): string[] {
  return new AwsSolutionsChecks().validateScope(stack).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
}

function acknowledgedOn(construct: IConstruct): string[] {
  return acknowledgedRules(construct).map(([id]) => id);
}

describe('acknowledgements on the grantees of path grants', () => {
  test('by default the grantee owner sees the path wildcard findings; nothing is written on their roles', () => {
    const stack = grantedStack();
    const reader = stack.node.findChild('Reader') as iam.Role;
    const readerPolicy = reader.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;

    expect(awsSolutionsFindings(stack)).toEqual([
      `${PATH_FINDING('/app/prod')} @ Stack/Reader/DefaultPolicy/Resource`,
      `${PATH_FINDING('/app/prod/ci')} @ Stack/Writer/DefaultPolicy/Resource`,
    ]);
    expect(acknowledgedOn(reader)).toEqual([]);
    expect(readerPolicy.getMetadata('cdk_nag')).toBeUndefined();
  });

  test('the handler, which is ours, keeps its acknowledgements either way', () => {
    const handlerAcknowledgements = (stack: Stack) => stack.node.findChild('SecureStringParameterHandler').node.findAll().flatMap(acknowledgedOn);
    const byDefault = grantedStack();

    expect(awsSolutionsFindings(byDefault).filter((f) => f.includes('SecureStringParameterHandler'))).toEqual([]);
    expect(handlerAcknowledgements(byDefault)).toContain('annotation::AwsSolutions-IAM5[Resource::*]');
    expect(handlerAcknowledgements(byDefault)).toEqual(handlerAcknowledgements(grantedStack(true)));
  });

  test('acknowledgeGrantFindings: true acknowledges exactly the path findings, for children too, in both cdk-nag formats', () => {
    const stack = grantedStack(true);
    const reader = stack.node.findChild('Reader') as iam.Role;
    const readerPolicy = reader.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;

    expect(awsSolutionsFindings(stack)).toEqual([]);
    expect([...new Set(acknowledgedOn(reader))]).toEqual([`annotation::${PATH_FINDING('/app/prod')}`]);
    expect([...new Set(acknowledgedOn(stack.node.findChild('Writer')))]).toEqual([`annotation::${PATH_FINDING('/app/prod/ci')}`]);
    expect(readerPolicy.getMetadata('cdk_nag')).toEqual({
      rules_to_suppress: [
        {
          id: 'AwsSolutions-IAM5',
          reason: "Access to the parameters under /app/prod/ granted by ParameterHierarchy; the wildcard follows '/', so no sibling path matches.",
          applies_to: ['Resource::arn:<AWS::Partition>:ssm:eu-west-1:111111111111:parameter/app/prod/*'],
        },
        expect.objectContaining({ id: 'AwsSolutions-IAM5', applies_to: ['Resource::arn:<AWS::Partition>:ssm:eu-west-1:111111111111:parameter/app/prod/*'] }),
      ],
    });
  });

  test('acknowledgeGrantFindings: false is the default', () => {
    expect(awsSolutionsFindings(grantedStack(false))).toEqual(awsSolutionsFindings(grantedStack()));
  });
});
