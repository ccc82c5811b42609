import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ParameterHierarchy, ParameterReplica, ParameterRotation, ReplicaSource, SecureStringParameter, SecureValue } from '../../lib';

/** The rotator and a replica's copier follow the handler's settings: in a VPC, their roles may attach them to it. */
function policiesByDescription(inVpc: boolean): Record<string, string[]> {
  const app = new App();
  const source = new Stack(app, 'Source', { env: { account: '111111111111', region: 'eu-west-1' } });
  const hierarchy = new ParameterHierarchy(source, 'H', { path: '/app' });
  hierarchy.addSecureString('A', { name: 'a', value: SecureValue.generated() });
  const stack = new Stack(app, 'Replica', { env: { account: '111111111111', region: 'us-east-1' } });
  if (inVpc) {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    SecureStringParameter.configureHandler(stack, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
  }
  new SecureStringParameter(stack, 'Rotating', { parameterName: '/b', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(1)) });
  new ParameterReplica(stack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')) as any[];
  return Object.fromEntries(policies.map((p) => [p.Properties.Description.split(' ').slice(0, 4).join(' '), p.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)]));
}

test('in a VPC, the handler, the rotator and the copier may create and delete their network interfaces', () => {
  const policies = policiesByDescription(true);
  expect(Object.keys(policies).sort()).toEqual(['What the SecureString parameter', 'What the SecureString rotator', 'What the replica copier']);
  for (const sids of Object.values(policies)) {
    expect(sids).toContain('AttachToVpc');
  }
});

test('outside a VPC, none of them', () => {
  for (const sids of Object.values(policiesByDescription(false))) {
    expect(sids).not.toContain('AttachToVpc');
  }
});
