import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { exampleStack } from '../../bin/app';
import { acknowledgedRules, NAG_PACKS, nagViolations } from '../helpers/nag';

/** The packs whose IAMNoInlinePolicy flags every grant to a role's inline default policy. */
const COMPLIANCE_PACKS = NAG_PACKS.filter(({ name }) => ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].includes(name));

/** Every acknowledgement in the stack, as `finding @ construct path: reason`, in either cdk-nag format. */
function acknowledgements(stack: Stack): string[] {
  return stack.node.findAll().flatMap((construct) => {
    const nag3 = acknowledgedRules(construct).map(([id, reason]) => `${id} @ ${construct.node.path}: ${reason}`);
    const suppressions = construct instanceof CfnResource
      ? ((construct.getMetadata('cdk_nag') as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined)?.rules_to_suppress ?? [])
      : [];
    return [...nag3, ...suppressions.map((s) => `${s.id} @ ${construct.node.path}: ${s.reason}`)];
  });
}

describe('the example app (bin/app.ts) under cdk-nag', () => {
  test.each(COMPLIANCE_PACKS)('$name: no violation', ({ create }) => {
    expect(nagViolations(create(), exampleStack(new App()))).toEqual([]);
  });

  test('no acknowledgement names IAMNoInlinePolicy: the stack has no inline IAM policy to acknowledge', () => {
    const stack = exampleStack(new App());
    const template = Template.fromStack(stack);

    expect(acknowledgements(stack).filter((a) => a.includes('IAMNoInlinePolicy'))).toEqual([]);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.Policies).toBeUndefined();
    }
  });

  test('the web tier\'s role holds two managed policies: the hierarchy\'s read policy and its own logging', () => {
    const stack = exampleStack(new App());
    const template = Template.fromStack(stack);
    const logicalId = (path: string) => stack.getLogicalId(path.split('/').reduce<IConstruct>((scope, id) => scope.node.findChild(id), stack) as CfnResource);

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
      ManagedPolicyArns: [{ Ref: logicalId('Prod/WebReads/Resource') }, { Ref: logicalId('WebLogging/Resource') }],
    });
    // the log group's ARN (Fn::GetAtt … Arn) ends in ':*', which covers its log streams
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId('WebLogs/Resource'), 'Arn'] } }],
      },
    });
  });

  test('what remains acknowledged on the web tier: four findings, each for the packs that report it, with a reason', () => {
    const web = acknowledgements(exampleStack(new App())).filter((a) => / @ SecureParametersExample\/Web(Logs)?: \S/.test(a));

    expect([...new Set(web.map((a) => a.split(': ')[0]))].sort()).toEqual([
      'annotation::HIPAA.Security-CloudWatchLogGroupEncrypted @ SecureParametersExample/WebLogs',
      'annotation::HIPAA.Security-LambdaConcurrency @ SecureParametersExample/Web',
      'annotation::HIPAA.Security-LambdaDLQ @ SecureParametersExample/Web',
      'annotation::HIPAA.Security-LambdaInsideVPC @ SecureParametersExample/Web',
      'annotation::NIST.800.53.R5-CloudWatchLogGroupEncrypted @ SecureParametersExample/WebLogs',
      'annotation::NIST.800.53.R5-LambdaConcurrency @ SecureParametersExample/Web',
      'annotation::NIST.800.53.R5-LambdaDLQ @ SecureParametersExample/Web',
      'annotation::NIST.800.53.R5-LambdaInsideVPC @ SecureParametersExample/Web',
      'annotation::PCI.DSS.321-CloudWatchLogGroupEncrypted @ SecureParametersExample/WebLogs',
      'annotation::PCI.DSS.321-LambdaInsideVPC @ SecureParametersExample/Web',
    ]);
  });

  test('AwsSolutions: only the path wildcard of the read policy (the point of a path grant) and the runtime', () => {
    const stack = exampleStack(new App());

    expect(nagViolations(new AwsSolutionsChecks(), stack).map((v) => v.split(': ')[0])).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/myapp/prod/*] @ SecureParametersExample/Prod/WebReads/Resource',
      'AwsSolutions-L1 @ SecureParametersExample/Web/Resource',
    ]);
  });
});
