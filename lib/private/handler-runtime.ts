import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { ParameterValidationError } from './validation-error';

/**
 * The handler's runtime unless the app picks one: pinned, so that upgrading aws-cdk-lib never changes the
 * function (and a deployment never replaces the runtime) by itself. Moved forward deliberately, with a
 * release note, before Lambda deprecates it.
 */
export const DEFAULT_HANDLER_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** The oldest Node.js major the bundle runs on: esbuild builds it with `--target=node22` (.projenrc.ts). */
const MIN_NODE_MAJOR = 22;

/** The runtime the handler runs on: the app's choice if it runs the bundle, else {@link DEFAULT_HANDLER_RUNTIME}. */
export function handlerRuntime(scope: IConstruct, runtime: lambda.Runtime | undefined): lambda.Runtime {
  if (runtime === undefined) {
    return DEFAULT_HANDLER_RUNTIME;
  }
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || major === undefined || parseInt(major, 10) < MIN_NODE_MAJOR) {
    throw new ParameterValidationError(
      scope,
      `runtime ${runtime.name} cannot run the SecureString handler, a Node.js bundle built for Node.js ${MIN_NODE_MAJOR}; ` +
        `use lambda.Runtime.NODEJS_${MIN_NODE_MAJOR}_X or a newer Node.js runtime`,
    );
  }
  return runtime;
}
