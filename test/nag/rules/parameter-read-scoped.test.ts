import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, ParameterKey } from '../../../lib';
import { ManagedPolicyRole } from '../../helpers/managed-policy-role';
import { findings, lambdaRole, newStack, policyWith } from '../pack-findings';

const PARAMETERS = 'arn:aws:ssm:eu-west-1:111111111111:parameter';
const TOKEN_PARAMETERS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/*']] };
const AT_POLICY = '(error) @ Stack/Policy';

function read(resource: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: resource, ...extra };
}

function findingsFor(statement: Record<string, unknown>): string[] {
  const stack = newStack();
  policyWith(stack, 'Policy', statement);
  return findings(stack);
}

describe('ParameterReadScoped', () => {
  test.each([
    ['every resource', read('*'), 'Resource::*'],
    ['every SSM resource of every account', read('arn:aws:ssm:*:*:*'), 'Resource::arn:aws:ssm:*:*:*'],
    ['an ARN whose last segment wildcard spans the rest', read('arn:*:ssm:*'), 'Resource::arn:*:ssm:*'],
    ['every SSM resource of the account', read('arn:aws:ssm:eu-west-1:111111111111:*'), 'Resource::arn:aws:ssm:eu-west-1:111111111111:*'],
    ['an ARN whose service part matches everything', read('arn:aws:*:*:*:*'), 'Resource::arn:aws:*:*:*:*'],
    ['an ARN whose service part matches ssm', read('arn:aws:s*:*:*:parameter/*'), 'Resource::arn:aws:s*:*:*:parameter/*'],
    ['every parameter of the account', read(`${PARAMETERS}/*`), `Resource::${PARAMETERS}/*`],
    ['every parameter of every account and region', read('arn:aws:ssm:*:*:parameter/*'), 'Resource::arn:aws:ssm:*:*:parameter/*'],
    ['every parameter, no slash', read(`${PARAMETERS}*`), `Resource::${PARAMETERS}*`],
    ['every parameter, built from pseudo parameters', read(TOKEN_PARAMETERS), 'Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/*'],
    ['a prefix without its slash', read(`${PARAMETERS}/app/prod*`), `Resource::${PARAMETERS}/app/prod*`],
    ['a prefix with a partial last level', read(`${PARAMETERS}/app/pr*`), `Resource::${PARAMETERS}/app/pr*`],
    ['a single-character wildcard after a prefix', read(`${PARAMETERS}/app/prod?`), `Resource::${PARAMETERS}/app/prod?`],
    ['NotResource', read(undefined, { NotResource: `${PARAMETERS}/admin/*` }), `NotResource::${PARAMETERS}/admin/*`],
    ['NotResource, even with a tag condition', read(undefined, { NotResource: `${PARAMETERS}/admin/*`, Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } }), `NotResource::${PARAMETERS}/admin/*`],
    ['NotAction that leaves reads allowed', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }, 'Resource::*'],
    ['ssm:Get*', { ...read('*'), Action: 'ssm:Get*' }, 'Resource::*'],
    ['ssm:*', { ...read('*'), Action: 'ssm:*' }, 'Resource::*'],
    ['*', { ...read('*'), Action: '*' }, 'Resource::*'],
    ['an action in another case', { ...read('*'), Action: 'SSM:getparameters' }, 'Resource::*'],
    ['GetParametersByPath', { ...read(`${PARAMETERS}/*`), Action: 'ssm:GetParametersByPath' }, `Resource::${PARAMETERS}/*`],
    ['GetParameterHistory', { ...read(`${PARAMETERS}/*`), Action: 'ssm:GetParameterHistory' }, `Resource::${PARAMETERS}/*`],
    ['a tag condition matching any value', read(`${PARAMETERS}/*`, { Condition: { StringLike: { 'aws:ResourceTag/team': '*' } } }), `Resource::${PARAMETERS}/*`],
    ['a tag condition that passes when the tag is absent', read(`${PARAMETERS}/*`, { Condition: { StringEqualsIfExists: { 'aws:ResourceTag/team': 'payments' } } }), `Resource::${PARAMETERS}/*`],
    ['a negated tag condition', read(`${PARAMETERS}/*`, { Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'payments' } } }), `Resource::${PARAMETERS}/*`],
    ['ForAllValues on a tag (true without the tag)', read(`${PARAMETERS}/*`, { Condition: { 'ForAllValues:StringEquals': { 'aws:ResourceTag/team': 'payments' } } }), `Resource::${PARAMETERS}/*`],
    ['a condition on another key', read(`${PARAMETERS}/*`, { Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }), `Resource::${PARAMETERS}/*`],
  ])('flags a read on %s', (_name, statement, finding) => {
    expect(findingsFor(statement)).toEqual([`ParameterStore-ParameterReadScoped[${finding}] ${AT_POLICY}`]);
  });

  test.each([
    ['a path with its slash', read(`${PARAMETERS}/app/prod/*`)],
    ['one parameter', read(`${PARAMETERS}/app/prod/db/password`)],
    ['the path itself, as GetParametersByPath needs', { ...read(`${PARAMETERS}/app/prod`), Action: 'ssm:GetParametersByPath' }],
    ['a path in every region and account', read('arn:aws:ssm:*:*:parameter/app/prod/*')],
    ['every parameter with a given tag', read(`${PARAMETERS}/*`, { Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } })],
    ['every parameter with a given tag, the SSM key', read(`${PARAMETERS}/*`, { Condition: { StringEquals: { 'ssm:resourceTag/team': 'payments' } } })],
    ['every parameter with a given tag, ForAnyValue', read(`${PARAMETERS}/*`, { Condition: { 'ForAnyValue:StringEquals': { 'aws:ResourceTag/team': 'payments' } } })],
    [
      "every parameter this stack owns (the handler's S2)",
      { ...read(TOKEN_PARAMETERS), Condition: { StringLike: { 'aws:ResourceTag/cdk-secure-parameters:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } } } },
    ],
    ['every resource with a given tag', read('*', { Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } })],
  ])('a read on %s is scoped', (_name, statement) => {
    expect(findingsFor(statement)).toEqual([]);
  });

  test.each([
    ["ListTagsForResource on every parameter (the handler's S3: tags hold no value)", { Effect: 'Allow', Action: 'ssm:ListTagsForResource', Resource: `${PARAMETERS}/*` }],
    ['DescribeParameters, which works only on *', { Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*' }],
    ['a write, which is not a read', { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: `${PARAMETERS}/*` }],
    ['another service', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    ['SSM documents', { Effect: 'Allow', Action: 'ssm:*', Resource: 'arn:aws:ssm:eu-west-1:111111111111:document/*' }],
    ['an ARN of another service', read('arn:aws:sqs:*:*:*')],
    ['a reference to another resource', read({ 'Fn::GetAtt': ['Queue', 'Arn'] })],
    ['a Deny', { Effect: 'Deny', Action: 'ssm:GetParameter', Resource: '*' }],
  ])('not judged: %s', (_name, statement) => {
    expect(findingsFor(statement)).toEqual([]);
  });

  test('reads the inline policies of a role, user and group, and the default policy of a role', () => {
    const stack = newStack();
    const document = new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameters'], resources: ['*'] })] });
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), inlinePolicies: { p: document } });
    new iam.CfnUser(stack, 'User', { policies: [{ policyName: 'p', policyDocument: document }] });
    new iam.CfnGroup(stack, 'Group', { policies: [{ policyName: 'p', policyDocument: document }] });
    lambdaRole(stack, 'Default').addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: ['*'] }));

    expect(findings(stack)).toEqual([
      'ParameterStore-ParameterReadScoped[Resource::*] (error) @ Stack/Role/Resource',
      'ParameterStore-ParameterReadScoped[Resource::*] (error) @ Stack/User',
      'ParameterStore-ParameterReadScoped[Resource::*] (error) @ Stack/Group',
      'ParameterStore-ParameterReadScoped[Resource::*] (error) @ Stack/Default/DefaultPolicy/Resource',
    ]);
  });

  test('one finding per wide resource of a policy, each acknowledgeable alone', () => {
    const stack = newStack();
    const policy = policyWith(stack, 'Policy', read(['*', `${PARAMETERS}/app/prod*`, `${PARAMETERS}/app/prod/*`]));
    // acknowledging one finding, as users do with cdk-nag 3, leaves the other
    Validations.of(policy).acknowledge({ id: `ParameterStore-ParameterReadScoped[Resource::${PARAMETERS}/app/prod*]`, reason: 'reviewed' });

    expect(findings(stack)).toEqual([`ParameterStore-ParameterReadScoped[Resource::*] ${AT_POLICY}`]);
  });

  test("aws-cdk-lib's StringParameter.grantRead and this library's path grants are scoped", () => {
    const stack = newStack();
    new ssm.StringParameter(stack, 'Config', { parameterName: '/app/prod/url', stringValue: 'x' }).grantRead(lambdaRole(stack, 'Reader'));
    const hierarchy = new ParameterHierarchy(stack, 'H', { path: '/app/prod2', encryptionKey: new ParameterKey(stack, 'K') });
    const managed = new ManagedPolicyRole(stack, 'M', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    hierarchy.grantRead(managed);
    hierarchy.grantReadByTag(managed, 'team', 'payments');

    expect(findings(stack)).toEqual([]);
  });
});
