import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  ParameterChangeOperation,
  ParameterHierarchy,
  ParameterNotificationTopic,
  ParameterPolicy,
  ParameterPolicyType,
  ParameterRotation,
  SecureValue,
} from '../lib';
import { matchesPattern } from './helpers/event-pattern';
import { NAG_PACKS, nagViolations } from './helpers/nag';

function setup() {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
  const parameter = hierarchy.addSecureString('Token', {
    name: 'ci/token',
    value: SecureValue.generated(),
    policies: [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(14))],
  });
  return { stack, hierarchy, parameter };
}

function patternOf(stack: Stack, rule: events.Rule): Record<string, unknown> {
  return stack.resolve((rule.node.defaultChild as events.CfnRule).eventPattern);
}

/** Sample events in the shapes Parameter Store sends. */
function policyAction(name: string, policyType: string, actionStatus = 'Finished') {
  return {
    'version': '0',
    'source': 'aws.ssm',
    'detail-type': 'Parameter Store Policy Action',
    'account': '111111111111',
    'region': 'eu-west-1',
    'detail': { 'parameter-name': name, 'parameter-type': 'SecureString', 'policy-type': policyType, 'action-status': actionStatus, 'action-reason': 'sample' },
  };
}

function change(name: string, operation: string) {
  return { 'version': '0', 'source': 'aws.ssm', 'detail-type': 'Parameter Store Change', 'detail': { name, type: 'SecureString', operation } };
}

describe('onPolicyAction and onChange: patterns', () => {
  test('a parameter: its exact name', () => {
    const { stack, parameter } = setup();

    expect(patternOf(stack, parameter.onPolicyAction('Expiry'))).toEqual({
      'source': ['aws.ssm'],
      'detail-type': ['Parameter Store Policy Action'],
      'detail': { 'parameter-name': ['/app/prod/ci/token'] },
    });
    expect(patternOf(stack, parameter.onChange('Changed', { operations: [ParameterChangeOperation.UPDATE] }))).toEqual({
      'source': ['aws.ssm'],
      'detail-type': ['Parameter Store Change'],
      'detail': { name: ['/app/prod/ci/token'], operation: ['Update'] },
    });
  });

  test('a hierarchy: names under the path, with the trailing slash; policy type and status filters', () => {
    const { stack, hierarchy } = setup();

    const rule = hierarchy.onPolicyAction('Warnings', { policyTypes: [ParameterPolicyType.EXPIRATION_NOTIFICATION], actionStatus: 'Finished' });

    expect(patternOf(stack, rule)).toEqual({
      'source': ['aws.ssm'],
      'detail-type': ['Parameter Store Policy Action'],
      'detail': {
        'parameter-name': [{ prefix: '/app/prod/' }],
        'policy-type': ['ExpirationNotification'],
        'action-status': [{ 'equals-ignore-case': 'Finished' }],
      },
    });
  });

  test('the caller\'s target and pattern are merged in', () => {
    const { stack, hierarchy } = setup();
    const queue = new sqs.Queue(stack, 'Q');

    const rule = hierarchy.onChange('Audit', { target: new targets.SqsQueue(queue), eventPattern: { account: ['111111111111'] }, description: 'audit' });

    expect(patternOf(stack, rule)).toMatchObject({ account: ['111111111111'], source: ['aws.ssm'] });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Description: 'audit',
      Targets: [{ Arn: { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue), 'Arn'] }, Id: 'Target0' }],
    });
  });
});

describe('sample events against the patterns', () => {
  const { stack, hierarchy, parameter } = setup();
  const hierarchyWarnings = patternOf(stack, hierarchy.onPolicyAction('W', { policyTypes: [ParameterPolicyType.EXPIRATION_NOTIFICATION], actionStatus: 'finished' }));
  const parameterActions = patternOf(stack, parameter.onPolicyAction('A'));
  const hierarchyChanges = patternOf(stack, hierarchy.onChange('C'));

  test.each([
    ['a warning for a parameter under the path', hierarchyWarnings, policyAction('/app/prod/ci/token', 'ExpirationNotification'), true],
    ['a warning deeper under the path', hierarchyWarnings, policyAction('/app/prod/a/b/c', 'ExpirationNotification'), true],
    ['an upper-case action status', hierarchyWarnings, policyAction('/app/prod/ci/token', 'ExpirationNotification', 'FINISHED'), true],
    ['a sibling path', hierarchyWarnings, policyAction('/app/staging/ci/token', 'ExpirationNotification'), false],
    ['a prefix look-alike', hierarchyWarnings, policyAction('/app/production/ci/token', 'ExpirationNotification'), false],
    ['the path itself', hierarchyWarnings, policyAction('/app/prod', 'ExpirationNotification'), false],
    ['another policy type', hierarchyWarnings, policyAction('/app/prod/ci/token', 'NoChangeNotification'), false],
    ['another status', hierarchyWarnings, policyAction('/app/prod/ci/token', 'ExpirationNotification', 'Failed'), false],
    ['a change event', hierarchyWarnings, change('/app/prod/ci/token', 'Update'), false],
    ['the parameter\'s expiration', parameterActions, policyAction('/app/prod/ci/token', 'Expiration'), true],
    ['a neighbour\'s expiration', parameterActions, policyAction('/app/prod/ci/token2', 'Expiration'), false],
    ['a change under the path', hierarchyChanges, change('/app/prod/db/password', 'Create'), true],
    ['a change of a look-alike', hierarchyChanges, change('/app/production/db/password', 'Create'), false],
  ])('%s → %s', (_name, pattern, event, matches) => {
    expect(matchesPattern(pattern, event)).toBe(matches);
  });

  test('the matcher refuses operators it does not implement', () => {
    expect(() => matchesPattern({ detail: { x: [{ wildcard: 'a*' }] } }, { detail: { x: 'ab' } })).toThrow('the matcher does not implement wildcard');
  });
});

describe('ParameterNotificationTopic', () => {
  function withNotifications(): Stack {
    const { stack, hierarchy, parameter } = setup();
    const alerts = new ParameterNotificationTopic(stack, 'Alerts', { policyTypes: [ParameterPolicyType.EXPIRATION_NOTIFICATION, ParameterPolicyType.NO_CHANGE_NOTIFICATION] });
    alerts.watch('ExpiryAlerts', hierarchy);
    alerts.watch('TokenAlerts', parameter);
    return stack;
  }

  test('an encrypted, TLS-only topic, and rules that deliver to it with a dead-letter queue', () => {
    const stack = withNotifications();
    const template = Template.fromStack(stack);
    const alerts = stack.node.findChild('Alerts') as ParameterNotificationTopic;
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(alerts.encryptionKey.node.defaultChild as any), 'Arn'] };

    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: '*' }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn, MessageRetentionPeriod: 1209600 });
    template.resourcePropertiesCountIs('AWS::Events::Rule', {
      EventPattern: { detail: { 'policy-type': ['ExpirationNotification', 'NoChangeNotification'] } },
      Targets: [{ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [stack.getLogicalId(alerts.deadLetterQueue.node.defaultChild as any), 'Arn'] } } }],
    }, 2);
    const [key] = Object.values(template.findResources('AWS::KMS::Key', { Properties: { Description: 'Encrypts parameter expiry notifications (SNS topic and dead-letter queue)' } })) as any[];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual({
      Sid: 'AllowEventBridgeOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    });
  });

  test.each(NAG_PACKS)('cdk-nag $name: no violation on a stack with notifications', ({ create }) => {
    expect(nagViolations(create(), withNotifications())).toEqual([]);
  });
  test('watchAlarm routes an alarm to the topic: the topic lets that alarm publish, the key lets CloudWatch of this account use it', () => {
    const { stack, hierarchy } = setup();
    hierarchy.addSecureString('Rotating', { name: 'rotating', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(30)) });
    const alerts = new ParameterNotificationTopic(stack, 'Alerts');

    alerts.watchAlarm(hierarchy.rotationAlarm!);
    alerts.watchAlarm(hierarchy.rotationAlarm!);

    const template = Template.fromStack(stack);
    const topicRef = stack.resolve(alerts.topic.topicArn);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicRef] });
    const keyId = stack.getLogicalId(alerts.encryptionKey.node.defaultChild as CfnElement);
    const statements = template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as any[];
    const cloudwatch = statements.filter((s) => s.Sid === 'AllowCloudWatchAlarmsOfThisAccount');
    expect(cloudwatch).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      },
    ]);
    const [topicPolicy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const alarmId = stack.getLogicalId(hierarchy.rotationAlarm!.node.defaultChild as CfnElement);
    expect(topicPolicy.Properties.PolicyDocument.Statement.filter((s: any) => JSON.stringify(s.Principal).includes('cloudwatch'))).toEqual([
      {
        Sid: 'AllowAlarm1',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topicRef,
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [alarmId, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '111111111111' } },
      },
    ]);
  });
});
