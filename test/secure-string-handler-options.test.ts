import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  ParameterHierarchy,
  ParameterKey,
  ParameterNotificationTopic,
  ParameterPolicy,
  ParameterStoreChecks,
  SecureStringParameter,
  SecureValue,
} from '../lib';
import { ManagedPolicyRole } from './helpers/managed-policy-role';
import { acknowledgedRules, NAG_PACKS, nagViolations } from './helpers/nag';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A stack with every construct and every handler option, as a team under strict rules would build it. */
function everything(): Stack {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  });
  const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
  const deadLetters = new sqs.Queue(stack, 'HandlerDlq', { encryption: sqs.QueueEncryption.KMS_MANAGED, enforceSSL: true });
  // the team's own call about its own dead-letter queue, as cdk-nag 3 users make it
  Validations.of(deadLetters).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is the handler\'s dead-letter queue.' });
  SecureStringParameter.configureHandler(stack, {
    vpc,
    deadLetterQueue: deadLetters,
    reservedConcurrentExecutions: 5,
    logEncryptionKey: logKey,
    logRetention: logs.RetentionDays.TWO_YEARS,
  });
  const prod = new ParameterHierarchy(stack, 'Prod', {
    path: '/app/prod',
    encryptionKey: new ParameterKey(stack, 'Key', { alias: 'app/prod' }),
    acknowledgeGrantFindings: true,
  });
  prod.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
  prod.child('ci').addSecureString('Token', {
    name: 'token',
    value: SecureValue.fromCiphertext('AQID'),
    policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(7))],
  });
  prod.addString('Url', { name: 'api/url', stringValue: 'https://example.com' });
  new SecureStringParameter(stack, 'OpsOwned', { parameterName: '/ops/pager-key', value: SecureValue.placeholder() });
  const reader = new ManagedPolicyRole(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  prod.grantRead(reader);
  prod.grantWrite(reader, 'ci');
  new ParameterNotificationTopic(stack, 'Alerts').watch('Expiry', prod);
  return stack;
}

describe('SecureStringParameter.configureHandler', () => {
  test('the handler runs in the VPC with a DLQ, a reservation and an encrypted log group', () => {
    const stack = everything();
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-secure-parameters: deploy-time handler of SecureString parameters',
      VpcConfig: { SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [stack.getLogicalId(stack.node.findChild('HandlerDlq').node.defaultChild as sqs.CfnQueue), 'Arn'] } },
      ReservedConcurrentExecutions: 5,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 731,
      KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(stack.node.findChild('LogKey').node.defaultChild as kms.CfnKey), 'Arn'] },
    });
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: 'What the SecureString parameter handler may do, computed from the parameters of this stack' } })) as any[];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'AttachToVpc',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      Resource: '*',
    });
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(stack.node.findChild('HandlerDlq').node.defaultChild as sqs.CfnQueue), 'Arn'] },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const logsStatements = Object.values(template.findResources('AWS::KMS::Key'))
      .flatMap((k: any) => k.Properties.KeyPolicy.Statement)
      .filter((st: any) => st.Sid === 'AllowCloudWatchLogsOfThisAccount');
    expect(logsStatements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']] } },
        },
      }),
    ]);
  });

  test('without the options, their findings are acknowledged; with them, not', () => {
    const acknowledged = (stack: Stack) => stack.node.findChild('SecureStringParameterHandler').node.findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').flatMap((m) => Object.keys(m.data)));
    const plain = new Stack(new App(), 'Plain');
    new SecureStringParameter(plain, 'P', { parameterName: '/x', value: SecureValue.generated() });

    expect(acknowledged(plain)).toEqual(expect.arrayContaining(['annotation::HIPAA.Security-LambdaInsideVPC', 'annotation::NIST.800.53.R5-LambdaConcurrency', 'annotation::PCI.DSS.321-LambdaDLQ', 'annotation::HIPAA.Security-CloudWatchLogGroupEncrypted']));
    const configured = acknowledged(everything());
    for (const rule of ['LambdaInsideVPC', 'LambdaConcurrency', 'LambdaDLQ', 'CloudWatchLogGroupEncrypted']) {
      expect(configured.filter((id) => id.includes(rule))).toEqual([]);
    }
  });

  test('must come before the stack\'s first SecureStringParameter', () => {
    const stack = new Stack(new App(), 'Stack');
    new SecureStringParameter(stack, 'P', { parameterName: '/x', value: SecureValue.generated() });

    expect(() => SecureStringParameter.configureHandler(stack, { reservedConcurrentExecutions: 2 })).toThrow(
      'Stack: the SecureString handler of stack Stack already exists; call SecureStringParameter.configureHandler before the stack\'s first SecureStringParameter',
    );
  });

  test.each(NAG_PACKS)('cdk-nag $name: no violation on a stack with every construct and option', ({ create }) => {
    expect(nagViolations(create(), everything())).toEqual([]);
  });

  test('ParameterStoreChecks: no finding on the same stack', () => {
    expect(nagViolations(new ParameterStoreChecks(), everything())).toEqual([]);
  });
});

interface Suppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
}

describe('SecureStringHandlerOptions.runtime', () => {
  function handlerWith(runtime?: lambda.Runtime): Stack {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    SecureStringParameter.configureHandler(stack, { runtime });
    new SecureStringParameter(stack, 'P', { parameterName: '/app/p', value: SecureValue.generated() });
    return stack;
  }

  function acknowledgedOnFunction(stack: Stack): string[] {
    return stack.node.findChild('SecureStringParameterHandler').node.findChild('Function').node.findAll()
      .flatMap((c) => acknowledgedRules(c).map(([id]) => id));
  }

  test('by default the pinned Node.js 22, whatever aws-cdk-lib thinks is newest; its "not the latest" findings acknowledged', () => {
    // WHEN
    const stack = handlerWith(undefined);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-secure-parameters: deploy-time handler of SecureString parameters',
      Runtime: 'nodejs22.x',
    });
    expect(acknowledgedOnFunction(stack)).toEqual(expect.arrayContaining(['annotation::AwsSolutions-L1', 'annotation::Serverless-LambdaLatestVersion']));
  });

  test('an app that picks a runtime gets it, and sees the runtime findings itself', () => {
    const stack = handlerWith(lambda.Runtime.NODEJS_24_X);

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cdk-secure-parameters: deploy-time handler of SecureString parameters',
      Runtime: 'nodejs24.x',
    });
    expect(acknowledgedOnFunction(stack).filter((id) => /L1|LambdaLatestVersion/.test(id))).toEqual([]);
  });

  test.each([
    [lambda.Runtime.PYTHON_3_12, 'python3.12'],
    [lambda.Runtime.NODEJS_20_X, 'nodejs20.x'],
    [lambda.Runtime.NODEJS_18_X, 'nodejs18.x'],
  ])('a runtime that cannot run the Node.js 22 bundle is refused: %s', (runtime, name) => {
    expect(() => handlerWith(runtime)).toThrow(
      `Stack/SecureStringParameterHandler: runtime ${name} cannot run the SecureString handler, a Node.js bundle built for Node.js 22; ` +
        'use lambda.Runtime.NODEJS_22_X or a newer Node.js runtime',
    );
  });

  test("Lambda's two asynchronous retries stay on, only while they can still answer before CloudFormation's ServiceTimeout", () => {
    const template = Template.fromStack(handlerWith(undefined));

    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    // 1,200 s ServiceTimeout - 900 s of function time: a retry that starts later could still be writing after a rollback began
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300, Qualifier: '$LATEST' });
  });
});

describe('every acknowledgement the library makes', () => {
  const stack = everything();
  const v3 = stack.node.findAll().flatMap((c) =>
    acknowledgedRules(c).map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
  const v2 = Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>).flatMap(([logicalId, r]) =>
    ((r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as Suppression[]).map((s) => ({ logicalId, ...s })),
  );

  test('cdk-nag 3: one rule, or one finding of a rule, with a reason', () => {
    expect(v3.length).toBeGreaterThan(10);
    for (const { id, reason } of v3) {
      expect(id).toMatch(/^annotation::(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321|Serverless|ParameterStore)-[A-Za-z0-9]+(\[[^\]]+\])?$/);
      expect(reason.trim().length).toBeGreaterThan(30);
    }
    // IAM5 is only ever acknowledged finding by finding
    expect(v3.filter((a) => a.id.includes('IAM5') && !a.id.includes('['))).toEqual([]);
  });

  test('cdk-nag 2: the same, with applies_to naming the finding of a granular rule', () => {
    expect(v2.length).toBeGreaterThan(5);
    for (const suppression of v2) {
      expect(suppression.reason.trim().length).toBeGreaterThan(30);
      expect(suppression.id).not.toContain('[');
      if (suppression.id === 'AwsSolutions-IAM5') {
        expect(suppression.applies_to).toHaveLength(1);
        expect(suppression.applies_to![0]).toMatch(/^Resource::/);
      }
    }
  });
});
