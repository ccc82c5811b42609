import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, SecureStringParameter, SecureValue } from '../../lib';
import { tierKeyActions } from '../../lib/private/key-actions';

describe('tierKeyActions', () => {
  test.each([
    [ssm.ParameterTier.STANDARD, ['kms:Encrypt']],
    [ssm.ParameterTier.ADVANCED, ['kms:GenerateDataKey']],
    // Parameter Store stores a small value without policies as Standard, anything else as Advanced
    [ssm.ParameterTier.INTELLIGENT_TIERING, ['kms:Encrypt', 'kms:GenerateDataKey']],
  ])('%s writes need %j', (tier, actions) => {
    expect(tierKeyActions(tier)).toEqual(actions);
  });

  test('each call returns its own list, so a caller that extends it changes nothing shared', () => {
    tierKeyActions(ssm.ParameterTier.STANDARD).push('kms:Decrypt');

    expect(tierKeyActions(ssm.ParameterTier.STANDARD)).toEqual(['kms:Encrypt']);
  });

  test('an unknown tier is a programming error, named with the tiers that exist', () => {
    expect(() => tierKeyActions('Premium')).toThrow("unknown parameter tier 'Premium': expected one of Standard, Advanced, Intelligent-Tiering");
  });
});

describe('the grants take their KMS actions from tierKeyActions', () => {
  function writerKeyActions(grant: (stack: Stack, writer: iam.Role) => void): unknown {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
    grant(stack, writer);
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as any[];
    return policy.Properties.PolicyDocument.Statement.find((s: any) => JSON.stringify(s.Action).includes('kms:')).Action;
  }

  test('grantWrite on an Intelligent-Tiering SecureString allows both write actions', () => {
    const actions = writerKeyActions((stack, writer) =>
      new SecureStringParameter(stack, 'P', { parameterName: '/app/p', value: SecureValue.generated(), tier: ssm.ParameterTier.INTELLIGENT_TIERING }).grantWrite(writer));

    expect(actions).toEqual(['kms:Encrypt', 'kms:GenerateDataKey']);
  });

  test('grantWrite on an Intelligent-Tiering hierarchy allows both write actions', () => {
    const actions = writerKeyActions((stack, writer) =>
      new ParameterHierarchy(stack, 'H', { path: '/app', tier: ssm.ParameterTier.INTELLIGENT_TIERING }).grantWrite(writer));

    expect(actions).toEqual(['kms:Encrypt', 'kms:GenerateDataKey']);
  });
});
