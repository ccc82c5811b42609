import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterKey, SecureStringParameter, SecureValue } from '../lib';

/**
 * One SecureString per value source that can be deployed from a template alone: generated, copied from
 * Secrets Manager, placeholder and plain text (committed ciphertext needs a ciphertext made under the
 * deployed key first; the emulator suite covers it).
 * Assertions read types, versions, keys and tiers, never a value: an assertion's response travels
 * through CloudFormation.
 */
const app = new App();
const stack = new Stack(app, 'SecureStringInteg');
const PATH = '/cdk-secure-parameters/integ';

const key = new ParameterKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY });
const secret = new secretsmanager.Secret(stack, 'Source', {
  generateSecretString: { secretStringTemplate: '{"username":"app"}', generateStringKey: 'password' },
  removalPolicy: RemovalPolicy.DESTROY,
});

// integ stacks leave nothing behind
const common = { encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY };
const parameters = [
  new SecureStringParameter(stack, 'Generated', { ...common, parameterName: `${PATH}/generated`, value: SecureValue.generated() }),
  new SecureStringParameter(stack, 'Copied', { ...common, parameterName: `${PATH}/copied`, value: SecureValue.fromSecret(secret, 'password') }),
  new SecureStringParameter(stack, 'Placeholder', { ...common, parameterName: `${PATH}/placeholder`, value: SecureValue.placeholder() }),
  // not a secret: the escape hatch writes its text into the template
  new SecureStringParameter(stack, 'Plain', { ...common, parameterName: `${PATH}/plain`, value: SecureValue.unsafePlainText('integ-test-value') }),
  new SecureStringParameter(stack, 'Advanced', {
    ...common,
    parameterName: `${PATH}/advanced`,
    value: SecureValue.generated({ length: 64 }),
    tier: ssm.ParameterTier.ADVANCED,
  }),
];

const integ = new IntegTest(app, 'SecureStringTest', { testCases: [stack] });

for (const parameter of parameters) {
  integ.assertions
    .awsApiCall('SSM', 'getParameter', { Name: parameter.parameterName }, ['Parameter.Type', 'Parameter.Version'])
    .expect(ExpectedResult.objectLike({ Parameter: { Type: 'SecureString', Version: 1 } }));
  integ.assertions
    .awsApiCall('SSM', 'getParameterHistory', { Name: parameter.parameterName }, ['Parameters.0.KeyId', 'Parameters.0.Tier'])
    .expect(
      ExpectedResult.objectLike({
        Parameters: [{ KeyId: parameter.encryptionKey.keyArn, Tier: parameter.tier }],
      }),
    );
}
