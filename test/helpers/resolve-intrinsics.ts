/**
 * Turns a synthesized template value into what CloudFormation would deploy, for a known account, region
 * and partition: `Ref` of pseudo parameters and resources, `Fn::GetAtt`, `Fn::Join`. Anything else throws,
 * so a policy we cannot resolve cannot be evaluated by accident.
 */
export interface DeployEnvironment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The physical value of `Ref` or `Fn::GetAtt` of a resource of the template. */
  readonly resource: (logicalId: string, attribute?: string) => string;
}

export function resolveIntrinsics(value: unknown, env: DeployEnvironment): any {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, env));
  const object = value as Record<string, any>;
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === 'Ref') return ref(object.Ref, env);
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') return env.resource(object['Fn::GetAtt'][0], object['Fn::GetAtt'][1]);
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [delimiter, parts] = object['Fn::Join'];
    return (resolveIntrinsics(parts, env) as string[]).join(delimiter);
  }
  if (keys.length === 1 && keys[0].startsWith('Fn::')) throw new Error(`cannot resolve ${keys[0]}`);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveIntrinsics(v, env)]));
}

function ref(name: string, env: DeployEnvironment): string {
  switch (name) {
    case 'AWS::Partition': return env.partition;
    case 'AWS::Region': return env.region;
    case 'AWS::AccountId': return env.accountId;
    case 'AWS::URLSuffix': return env.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    default: return env.resource(name);
  }
}
