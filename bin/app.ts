import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, ParameterNotificationTopic, ParameterPolicy, ParameterRotation, SecureValue } from '../lib';

/**
 * The example app: `npx cdk synth` writes its template to cdk.out without credentials or network.
 *
 * A `/myapp/prod` hierarchy with a generated database password, a payment API key (from committed
 * ciphertext when `-c apiKeyCiphertext=...` is given, else a placeholder the on-call engineer sets),
 * a session secret that rotates every 30 days, plain configuration, expiry warnings and failed rotations
 * by SNS, and a function that reads the hierarchy with a grant
 * scoped to the path's encryption context.
 */
const app = new App();
const stack = new Stack(app, 'SecureParametersExample', {
  description: 'cdk-secure-parameters example: a /myapp/prod hierarchy of secrets and configuration',
});

const prod = new ParameterHierarchy(stack, 'Prod', { path: '/myapp/prod' });

prod.addSecureString('DatabasePassword', {
  name: 'db/password',
  description: 'Master password of the application database',
  value: SecureValue.generated({ length: 40, excludeCharacters: '"@/\\' }),
});

const apiKeyCiphertext: string | undefined = app.node.tryGetContext('apiKeyCiphertext');
const payments = prod.child('payments');
payments.addSecureString('ApiKey', {
  name: 'api-key',
  description: 'Issued by the payment provider; valid 90 days',
  value: apiKeyCiphertext ? SecureValue.fromCiphertext(apiKeyCiphertext) : SecureValue.placeholder(),
  tier: ssm.ParameterTier.ADVANCED,
  // The provider's keys last 90 days. Committed ciphertext is written by each deploy, so the expiration
  // follows it; a placeholder's value is written by operators, so only remind them to rotate it.
  policies: apiKeyCiphertext
    ? [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(14))]
    : [ParameterPolicy.noChangeNotification(Duration.days(80))],
});

// the web tier's session-signing secret: a new one every 30 days; sessions signed with the previous one stay
// valid while the web tier also accepts `web/session-secret:previous`
prod.addSecureString('SessionSecret', {
  name: 'web/session-secret',
  value: SecureValue.generated({ length: 64, excludePunctuation: true }),
  rotation: ParameterRotation.every(Duration.days(30)),
});

prod.addString('ApiUrl', { name: 'api/url', stringValue: 'https://api.example.com' });
prod.addStringList('AllowedOrigins', { name: 'web/allowed-origins', stringListValue: ['https://example.com', 'https://www.example.com'] });

const alerts = new ParameterNotificationTopic(stack, 'ExpiryAlerts');
alerts.watch('ProdPolicyActions', prod);
alerts.watchAlarm(prod.rotationAlarm!);

const web = new lambda.Function(stack, 'Web', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline(
    "const { SSMClient, GetParametersByPathCommand } = require('@aws-sdk/client-ssm');\n" +
      'const ssm = new SSMClient({});\n' +
      'exports.handler = async () => {\n' +
      '  const page = await ssm.send(new GetParametersByPathCommand({ Path: process.env.PARAMETER_PATH, Recursive: true, WithDecryption: true }));\n' +
      '  return { names: page.Parameters.map((p) => p.Name) };\n' +
      '};\n',
  ),
  environment: { PARAMETER_PATH: prod.path },
  logGroup: new logs.LogGroup(stack, 'WebLogs', { retention: logs.RetentionDays.ONE_MONTH }),
});
// kms:Decrypt only for /myapp/prod/* and only through Parameter Store
prod.grantRead(web);

app.synth();
