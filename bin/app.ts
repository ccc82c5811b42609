import { existsSync, readFileSync } from 'fs';
import { App, Duration, Environment, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { ParameterHierarchy, ParameterNotificationTopic, ParameterPolicy, ParameterRotation, SecureValue } from '../lib';

/**
 * The example app: `npx cdk synth` writes its template to cdk.out without credentials or network.
 *
 * A `/myapp/prod` hierarchy with a generated database password, a payment API key (from the committed
 * ciphertext in secrets/payments-api-key.ciphertext once `npx cdk-secure-parameters encrypt` made it, else
 * a placeholder the on-call engineer sets),
 * a session secret that rotates every 30 days, plain configuration, expiry warnings and failed rotations
 * by SNS, and a function that reads the hierarchy through a managed policy scoped to the path's
 * encryption context, clean under cdk-nag's HIPAA, NIST 800-53 and PCI DSS packs.
 */
export function exampleStack(app: App, props: ExampleProps = {}): Stack {
  const stack = new Stack(app, 'SecureParametersExample', {
    description: 'cdk-secure-parameters example: a /myapp/prod hierarchy of secrets and configuration',
    env: props.env,
  });

  const prod = new ParameterHierarchy(stack, 'Prod', { path: '/myapp/prod' });

  prod.addSecureString('DatabasePassword', {
    name: 'db/password',
    description: 'Master password of the application database',
    value: SecureValue.generated({ length: 40, excludeCharacters: '"@/\\' }),
  });

  const apiKeyCiphertext = props.apiKeyCiphertext;
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

  // The web tier's role holds managed policies only: no inline policy (IAMNoInlinePolicy in the HIPAA, NIST and PCI packs)
  const webLogs = new logs.LogGroup(stack, 'WebLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const webRole = new iam.Role(stack, 'WebRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [
      // the statements of prod.grantRead: kms:Decrypt only for /myapp/prod/* and only through Parameter Store
      prod.readPolicy('WebReads'),
      new iam.ManagedPolicy(stack, 'WebLogging', {
        // the log group's ARN ends in ':*': its log streams
        statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [webLogs.logGroupArn] })],
      }),
    ],
  });
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
    role: webRole,
    logGroup: webLogs,
  });

  // What the HIPAA, NIST and PCI packs still report on the web tier, acknowledged with the reason
  const hipaaNist = ['HIPAA.Security', 'NIST.800.53.R5'];
  acknowledge(web, [...hipaaNist, 'PCI.DSS.321'], 'LambdaInsideVPC', 'It calls only Parameter Store, an AWS API, and reaches nothing inside a VPC.');
  acknowledge(web, hipaaNist, 'LambdaDLQ', 'Invoked synchronously: its caller receives every error; a dead-letter queue keeps only failed asynchronous events.');
  acknowledge(web, hipaaNist, 'LambdaConcurrency', 'A reservation fails deploys in accounts with a low concurrency quota; this example deploys anywhere.');
  acknowledge(webLogs, [...hipaaNist, 'PCI.DSS.321'], 'CloudWatchLogGroupEncrypted', 'The function logs no parameter value; CloudWatch Logs encrypts log data at rest with its own key.');
  return stack;
}

/** What the example varies: nothing when `npx cdk synth` runs it; an environment and a ciphertext in tests. */
export interface ExampleProps {
  /** @default - environment-agnostic */
  readonly env?: Environment;
  /** The payment API key's committed ciphertext. @default - a placeholder */
  readonly apiKeyCiphertext?: string;
}

/** Where the example commits the payment API key's ciphertext (README, "Bringing an existing secret"). */
const API_KEY_CIPHERTEXT_FILE = 'secrets/payments-api-key.ciphertext';

/** Acknowledges `rule` of each of `packs` on `scope` (cdk-nag 3), with the reason. */
function acknowledge(scope: IConstruct, packs: string[], rule: string, reason: string): void {
  Validations.of(scope).acknowledge(...packs.map((pack) => ({ id: `${pack}-${rule}`, reason })));
}

if (require.main === module) {
  const app = new App();
  const apiKeyCiphertext = existsSync(API_KEY_CIPHERTEXT_FILE) ? readFileSync(API_KEY_CIPHERTEXT_FILE, 'utf8').trim() : undefined;
  exampleStack(app, { apiKeyCiphertext });
  app.synth();
}
