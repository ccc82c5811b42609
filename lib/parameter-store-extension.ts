import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ParameterHierarchy } from './parameter-hierarchy';
import { ISecureStringParameter } from './secure-string-parameter';

/** Options of the AWS Parameters and Secrets Lambda Extension layer. */
export interface ParameterStoreExtensionOptions {
  /**
   * The extension's version.
   *
   * @default ParamsAndSecretsVersions.V1_0_103
   */
  readonly version?: lambda.ParamsAndSecretsVersions;

  /**
   * How long the extension caches a parameter before asking Parameter Store again.
   *
   * @default Duration.minutes(5)
   */
  readonly cacheTtl?: Duration;
}

/**
 * Wires Lambda functions to read parameters through the AWS Parameters and Secrets Lambda Extension
 * (a local HTTP cache on port 2773), with this library's scoped grants.
 *
 * ```ts
 * import * as lambda from 'aws-cdk-lib/aws-lambda';
 * import { ParameterStoreExtension } from 'cdk-secure-parameters';
 *
 * const fn = new lambda.Function(this, 'Fn', {
 *   runtime: lambda.Runtime.NODEJS_22_X,
 *   handler: 'index.handler',
 *   code: lambda.Code.fromAsset('fn'),
 *   paramsAndSecrets: ParameterStoreExtension.layer(),
 * });
 * ParameterStoreExtension.connectHierarchy(fn, 'PARAMETER_PATH', prod);
 * ```
 */
export class ParameterStoreExtension {
  /** The extension layer with Parameter Store caching on: pass it as the function's `paramsAndSecrets`. */
  public static layer(options: ParameterStoreExtensionOptions = {}): lambda.ParamsAndSecretsLayerVersion {
    return lambda.ParamsAndSecretsLayerVersion.fromVersion(options.version ?? lambda.ParamsAndSecretsVersions.V1_0_103, {
      cacheEnabled: true,
      parameterStoreTtl: options.cacheTtl ?? Duration.minutes(5),
      logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
    });
  }

  /**
   * Lets `fn` read one SecureString: its name in `environmentVariable`, and the parameter's scoped grant
   * (the extension calls GetParameter with decryption as the function).
   */
  public static connect(fn: lambda.Function, environmentVariable: string, parameter: ISecureStringParameter): iam.Grant {
    fn.addEnvironment(environmentVariable, parameter.parameterName);
    return parameter.grantRead(fn);
  }

  /** Lets `fn` read every parameter under a hierarchy: its path in `environmentVariable`, and the path grant. */
  public static connectHierarchy(fn: lambda.Function, environmentVariable: string, hierarchy: ParameterHierarchy): iam.Grant {
    fn.addEnvironment(environmentVariable, hierarchy.path);
    return hierarchy.grantRead(fn);
  }
}
