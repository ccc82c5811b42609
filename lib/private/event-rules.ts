import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ParameterChangeEventOptions, ParameterEventType, PolicyActionEventOptions } from '../parameter-events';

/** Event pattern values for exactly one parameter name. */
export function exactName(name: string): string[] {
  return [name];
}

/** Event pattern values for every name under a path: `/app/prod` matches `/app/prod/...`, never `/app/production`. */
export function namesUnder(path: string): string[] {
  return events.Match.prefix(`${path}/`);
}

export function policyActionRule(scope: Construct, id: string, names: string[], options: PolicyActionEventOptions = {}): events.Rule {
  const detail: Record<string, unknown> = { 'parameter-name': names };
  if (options.policyTypes && options.policyTypes.length > 0) {
    detail['policy-type'] = options.policyTypes;
  }
  if (options.actionStatus !== undefined) {
    detail['action-status'] = events.Match.equalsIgnoreCase(options.actionStatus);
  }
  return rule(scope, id, ParameterEventType.POLICY_ACTION, detail, options);
}

export function changeRule(scope: Construct, id: string, names: string[], options: ParameterChangeEventOptions = {}): events.Rule {
  const detail: Record<string, unknown> = { name: names };
  if (options.operations && options.operations.length > 0) {
    detail.operation = options.operations;
  }
  return rule(scope, id, ParameterEventType.CHANGE, detail, options);
}

/** Like aws-cdk-lib's `onEvent`: the caller's pattern and target are merged into ours. */
function rule(
  scope: Construct,
  id: string,
  detailType: ParameterEventType,
  detail: Record<string, unknown>,
  options: events.OnEventOptions,
): events.Rule {
  const result = new events.Rule(scope, id, {
    description: options.description,
    ruleName: options.ruleName,
    crossStackScope: options.crossStackScope,
  });
  result.addEventPattern({ source: ['aws.ssm'], detailType: [detailType], detail });
  result.addEventPattern(options.eventPattern);
  if (options.target) {
    result.addTarget(options.target);
  }
  return result;
}
