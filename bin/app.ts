import { App, Stack } from 'aws-cdk-lib';
import { ParameterKey } from '../lib';

/**
 * The example app: `npx cdk synth` writes its template to cdk.out without credentials or network.
 * It grows with every capability of the library.
 */
const app = new App();
const stack = new Stack(app, 'SecureParametersExample', {
  description: 'cdk-secure-parameters example: a /myapp/prod hierarchy of secrets and configuration',
});

new ParameterKey(stack, 'ParametersKey', { alias: 'myapp/prod/parameters' });

app.synth();
