import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The newest Node.js runtime that the loaded aws-cdk-lib knows: what cdk-nag's "latest runtime" rules expect of a
 * user's own function. The tests run on the floor and on the newest aws-cdk-lib, which know different runtimes.
 */
export function newestNodeRuntime(): lambda.Runtime {
  const major = (runtime: lambda.Runtime) => Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? 0);
  const nodeRuntimes = Object.values(lambda.Runtime).filter(
    (value): value is lambda.Runtime => value instanceof lambda.Runtime && value.family === lambda.RuntimeFamily.NODEJS,
  );
  return nodeRuntimes.reduce((newest, runtime) => (major(runtime) > major(newest) ? runtime : newest));
}
