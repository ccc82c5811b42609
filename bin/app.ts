import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterKey, ParameterPolicy, SecureStringParameter, SecureValue } from '../lib';

/**
 * The example app: `npx cdk synth` writes its template to cdk.out without credentials or network.
 * It grows with every capability of the library.
 */
const app = new App();
const stack = new Stack(app, 'SecureParametersExample', {
  description: 'cdk-secure-parameters example: a /myapp/prod hierarchy of secrets and configuration',
});

const key = new ParameterKey(stack, 'ParametersKey', { alias: 'myapp/prod/parameters' });

new SecureStringParameter(stack, 'DatabasePassword', {
  parameterName: '/myapp/prod/db/password',
  description: 'Master password of the application database',
  value: SecureValue.generated({ length: 40, excludeCharacters: '"@/\\' }),
  encryptionKey: key,
});

new SecureStringParameter(stack, 'PaymentApiKey', {
  parameterName: '/myapp/prod/payments/api-key',
  description: 'Issued by the payment provider; set by the on-call engineer',
  value: SecureValue.placeholder(),
  encryptionKey: key,
  tier: ssm.ParameterTier.ADVANCED,
  // operators own this value: remind them when nobody has rotated it for 60 days
  policies: [ParameterPolicy.noChangeNotification(Duration.days(60))],
});

app.synth();
