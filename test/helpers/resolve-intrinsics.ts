/**
 * Turns a synthesized template value into what CloudFormation would deploy, for a known account, region
 * and partition: `Ref` of pseudo parameters and resources, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::Select` and `Fn::Split`. Anything else throws, so a policy we cannot resolve cannot be evaluated
 * by accident.
 */
export interface DeployEnvironment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** `AWS::StackName` and `AWS::StackId`, for templates that use them. */
  readonly stackName?: string;
  readonly stackId?: string;
  /** The physical value of `Ref` or `Fn::GetAtt` of a resource of the template. */
  readonly resource: (logicalId: string, attribute?: string) => string;
}

export function resolveIntrinsics(value: unknown, env: DeployEnvironment): any {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, env));
  const object = value as Record<string, any>;
  const keys = Object.keys(object);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return intrinsic(keys[0], object[keys[0]], env);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveIntrinsics(v, env)]));
}

function intrinsic(name: string, argument: any, env: DeployEnvironment): any {
  switch (name) {
    case 'Ref':
      return ref(argument, env);
    case 'Fn::GetAtt':
      return env.resource(argument[0], argument[1]);
    case 'Fn::Join': {
      const [delimiter, parts] = argument;
      return (resolveIntrinsics(parts, env) as string[]).join(delimiter);
    }
    case 'Fn::Select': {
      const [index, list] = resolveIntrinsics(argument, env) as [string, unknown[]];
      return list[Number(index)];
    }
    case 'Fn::Split': {
      const [delimiter, source] = resolveIntrinsics(argument, env) as [string, string];
      return source.split(delimiter);
    }
    case 'Fn::Sub':
      return substitute(argument, env);
    default:
      throw new Error(`cannot resolve ${name}`);
  }
}

/** `${Name}` is a Ref (pseudo parameter, resource or given variable), `${Name.Attr}` a GetAtt; `${!x}` stays literal. */
function substitute(argument: string | [string, Record<string, unknown>], env: DeployEnvironment): string {
  const [text, variables] = typeof argument === 'string' ? [argument, {}] : argument;
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in variables) return resolveIntrinsics(variables[name], env);
    const [logicalId, attribute] = name.split(/\.(.+)/);
    return attribute === undefined ? ref(logicalId, env) : env.resource(logicalId, attribute);
  });
}

function ref(name: string, env: DeployEnvironment): string {
  switch (name) {
    case 'AWS::Partition': return env.partition;
    case 'AWS::Region': return env.region;
    case 'AWS::AccountId': return env.accountId;
    case 'AWS::URLSuffix': return env.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'AWS::StackName': return defined(env.stackName, name);
    case 'AWS::StackId': return defined(env.stackId, name);
    default: return env.resource(name);
  }
}

function defined(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`cannot resolve ${name}: the environment does not give it`);
  return value;
}
