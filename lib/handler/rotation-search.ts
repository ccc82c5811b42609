import { DescribeParametersCommand, ParameterMetadata, ParameterStringFilter } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { withRetries } from './retry';
import { ROTATION_TAG_KEY } from '../private/rotation-protocol';

interface SearchContext {
  readonly clients: Clients;
  readonly deadline: number;
}

/**
 * The parameters whose rotation tag has this value; given `name`, that name only if it does. DescribeParameters is
 * the one Parameter Store call that filters by tag, and the rotator may call it on every parameter; it returns
 * metadata only (never a value) — each one's last write time and policies, which tell most of them not due without a
 * call of their own — and pages by at most 50.
 */
export async function parametersTagged(value: string, ctx: SearchContext, name?: string): Promise<ParameterMetadata[]> {
  const filters: ParameterStringFilter[] = [
    { Key: `tag:${ROTATION_TAG_KEY}`, Values: [value] },
    ...(name === undefined ? [] : [{ Key: 'Name', Option: 'Equals', Values: [name] }]),
  ];
  const parameters: ParameterMetadata[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetries(
      'ssm:DescribeParameters',
      (options) => ctx.clients.ssm.send(new DescribeParametersCommand({ ParameterFilters: filters, MaxResults: 50, NextToken: nextToken }), options),
      ctx.deadline,
    );
    parameters.push(...(page.Parameters ?? []).filter((p) => p.Name));
    nextToken = page.NextToken;
  } while (nextToken);
  return parameters;
}

/** The names of {@link parametersTagged}. */
export async function namesTagged(value: string, ctx: SearchContext, name?: string): Promise<string[]> {
  return (await parametersTagged(value, ctx, name)).map((p) => p.Name!);
}
