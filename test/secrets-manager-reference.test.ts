import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SecretsManagerReference } from '../lib';
import { MotoServer } from './helpers/moto-server';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function statementsOf(stack: Stack): any[] {
  return (Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0] as any).Properties.PolicyDocument.Statement;
}

describe('SecretsManagerReference', () => {
  test('names the reference path and grants the reference, the secret and its key through Secrets Manager, statement by statement', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const key = new kms.Key(stack, 'SecretKey', { enableKeyRotation: true });
    const secret = new secretsmanager.Secret(stack, 'Secret', { secretName: 'db-credentials', encryptionKey: key });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    const reference = new SecretsManagerReference(stack, 'Reference', { secret });
    reference.grantRead(role);

    // a secret made in the app has a deploy-time name, taken from its ARN
    const secretName = stack.resolve(secret.secretName);
    expect(reference.parameterType).toBe('SecureString');
    expect(stack.resolve(reference.parameterName)).toEqual({ 'Fn::Join': ['', ['/aws/reference/secretsmanager/', secretName]] });
    expect(statementsOf(stack)).toEqual([
      {
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/aws/reference/secretsmanager/', secretName]] },
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: { Ref: stack.getLogicalId(secret.node.defaultChild as secretsmanager.CfnSecret) },
      },
    ]);
    // aws-cdk-lib's secret grant puts the key side in the secret key's policy, for this role, via Secrets Manager only
    const keyLogicalId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const keyPolicy = (Template.fromStack(stack).toJSON().Resources[keyLogicalId] as any).Properties.KeyPolicy;
    expect(keyPolicy.Statement).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Principal: { AWS: { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as iam.CfnRole), 'Arn'] } },
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
  });

  test('is read-only', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const reference = new SecretsManagerReference(stack, 'Reference', { secret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'db') });

    expect(() => reference.grantWrite(new iam.Role(stack, 'W', { assumedBy: new iam.AccountRootPrincipal() }))).toThrow(
      'Stack/Reference: /aws/reference/secretsmanager/db is a read-only reference to a Secrets Manager secret; grant writes on the secret itself',
    );
  });

  test('moto_server: the reference path returns the secret', async () => {
    const moto = await MotoServer.start();
    try {
      const stack = new Stack(new App(), 'Stack', { env: ENV });
      const reference = new SecretsManagerReference(stack, 'Reference', { secret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'app-db') });
      await new SecretsManagerClient(moto.clientConfig()).send(new CreateSecretCommand({ Name: 'app-db', SecretString: '{"password":"from-secrets-manager"}' }));

      const result = await new SSMClient(moto.clientConfig()).send(new GetParameterCommand({ Name: reference.parameterName, WithDecryption: true }));

      expect(JSON.parse(result.Parameter!.Value!)).toEqual({ password: 'from-secrets-manager' });
    } finally {
      await moto.stop();
    }
  });
});
