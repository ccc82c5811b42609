import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, SecureStringParameter, SecureValue, ShareTarget } from '../lib';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const OTHER_ACCOUNT = '222222222222';
const CIPHERTEXT = Buffer.alloc(180, 42).toString('base64');

function concreteArn(name: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111111111111:parameter/${name}`]] };
}

function logicalIdOf(param: SecureStringParameter): string {
  return Stack.of(param).getLogicalId(param.node.defaultChild as any);
}

/** The logical ids a resource points at: Ref, Fn::GetAtt and DependsOn. */
function directDependencies(resource: any): string[] {
  const found = new Set<string>([resource.DependsOn ?? []].flat());
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node && typeof node === 'object') {
      const value = node as Record<string, any>;
      if (typeof value.Ref === 'string') found.add(value.Ref);
      if (Array.isArray(value['Fn::GetAtt'])) found.add(value['Fn::GetAtt'][0]);
      Object.values(value).forEach(walk);
    }
  };
  walk(resource.Properties);
  return [...found];
}

/** Whether CloudFormation creates `to` before `from`: a path of Ref, Fn::GetAtt or DependsOn. */
function deploysAfter(template: any, from: string, to: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === to) return true;
    if (seen.has(id) || !template.Resources[id]) continue;
    seen.add(id);
    queue.push(...directDependencies(template.Resources[id]));
  }
  return false;
}

function logicalIdsOfType(template: any, type: string): string[] {
  return Object.entries(template.Resources).filter(([, r]: [string, any]) => r.Type === type).map(([id]) => id);
}

describe('consumers deploy after the resource that writes the parameter', () => {
  function stackWithParameter() {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const param = new SecureStringParameter(stack, 'Param', { parameterName: '/app/prod/db/password', value: SecureValue.generated() });
    return { app, stack, param };
  }

  test('a Lambda function with the name in its environment references the parameter and waits for its grant', () => {
    const { stack, param } = stackWithParameter();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      environment: { DB_PASSWORD_PARAMETER: param.parameterName },
    });
    param.grantRead(fn);

    const template = Template.fromStack(stack).toJSON();
    const fnId = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    expect(template.Resources[fnId].Properties.Environment.Variables.DB_PASSWORD_PARAMETER).toEqual({ Ref: logicalIdOf(param) });
    const [policyId] = logicalIdsOfType(template, 'AWS::IAM::Policy');
    expect(directDependencies(template.Resources[policyId])).toContain(logicalIdOf(param));
    expect(template.Resources[fnId].DependsOn).toContain(policyId);
  });

  test('an ECS task definition with ecs.Secret.fromSsmParameter: ValueFrom is the Arn attribute; the execution policy references it', () => {
    const { stack, param } = stackWithParameter();
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
      secrets: { DB_PASSWORD: ecs.Secret.fromSsmParameter(param) },
    });

    const template = Template.fromStack(stack).toJSON();
    const [taskId] = logicalIdsOfType(template, 'AWS::ECS::TaskDefinition');
    const [container] = template.Resources[taskId].Properties.ContainerDefinitions;
    expect(container.Secrets).toEqual([{ Name: 'DB_PASSWORD', ValueFrom: { 'Fn::GetAtt': [logicalIdOf(param), 'Arn'] } }]);
    expect(deploysAfter(template, taskId, logicalIdOf(param))).toBe(true);
    const [executionPolicyId] = logicalIdsOfType(template, 'AWS::IAM::Policy').filter((id) => id.includes('ExecutionRole'));
    expect(directDependencies(template.Resources[executionPolicyId])).toContain(logicalIdOf(param));
  });

  test('grantRead: the statements name the Arn attribute, so the grantee\'s policy deploys after the parameter', () => {
    const { stack, param } = stackWithParameter();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    param.grantRead(role);

    const template = Template.fromStack(stack).toJSON();
    const [policyId] = logicalIdsOfType(template, 'AWS::IAM::Policy');
    const [ssmStatement, kmsStatement] = template.Resources[policyId].Properties.PolicyDocument.Statement;
    const arnAttribute = { 'Fn::GetAtt': [logicalIdOf(param), 'Arn'] };
    expect(ssmStatement.Resource).toEqual(arnAttribute);
    expect(kmsStatement.Condition.StringEquals['kms:EncryptionContext:PARAMETER_ARN']).toEqual(arnAttribute);
  });

  test('a hierarchy member\'s name and ARN carry the dependency too', () => {
    const { stack } = stackWithParameter();
    const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/svc/prod' });

    // per parameter (the default), a member is a SecureStringParameter
    const member = hierarchy.addSecureString('Token', { name: 'token', value: SecureValue.generated() }) as SecureStringParameter;

    expect(stack.resolve(member.parameterName)).toEqual({ Ref: logicalIdOf(member) });
    expect(stack.resolve(member.parameterArn)).toEqual({ 'Fn::GetAtt': [logicalIdOf(member), 'Arn'] });
  });

  test('a consumer in another stack of the same environment gets an export and an import', () => {
    const { app, stack, param } = stackWithParameter();
    const consumer = new Stack(app, 'Consumer', { env: ENV });

    new ssm.StringParameter(consumer, 'Pointer', { parameterName: '/pointer', stringValue: param.parameterArn });

    const producer = Template.fromStack(stack).toJSON();
    const [output] = Object.values(producer.Outputs) as any[];
    expect(output.Value).toEqual({ 'Fn::GetAtt': [logicalIdOf(param), 'Arn'] });
    Template.fromStack(consumer).hasResourceProperties('AWS::SSM::Parameter', { Value: { 'Fn::ImportValue': output.Export.Name } });
  });
});

describe('no circular dependency where the key policy names the parameter', () => {
  test('a cross-account grant, a share and a ciphertext value in one stack synthesize; the key policy names the concrete ARN', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: ENV });
    const param = new SecureStringParameter(stack, 'Param', {
      parameterName: '/app/prod/api/key',
      value: SecureValue.fromCiphertext(CIPHERTEXT),
      tier: ssm.ParameterTier.ADVANCED,
    });
    param.grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    param.shareWith('Share', [ShareTarget.account(OTHER_ACCOUNT)]);

    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack).toJSON();
    const [keyId] = logicalIdsOfType(template, 'AWS::KMS::Key');
    expect(directDependencies(template.Resources[keyId])).not.toContain(logicalIdOf(param));
    const keyStatements = template.Resources[keyId].Properties.KeyPolicy.Statement;
    const contexts = keyStatements.flatMap((s: any) => Object.values(s.Condition ?? {}).map((c: any) => c['kms:EncryptionContext:PARAMETER_ARN']));
    expect(contexts).toContainEqual(concreteArn('app/prod/api/key'));
    // the share itself waits for the parameter
    const [shareId] = logicalIdsOfType(template, 'AWS::RAM::ResourceShare');
    expect(template.Resources[shareId].Properties.ResourceArns).toEqual([{ 'Fn::GetAtt': [logicalIdOf(param), 'Arn'] }]);
  });
});
