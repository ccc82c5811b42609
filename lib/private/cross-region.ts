import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ParameterValidationError } from './validation-error';

/**
 * Throws unless `replica` and `source` are in stacks of concrete, different regions of one concrete account.
 * A replica names its source's region and account in its permissions at synth time, and replicates only
 * within one account (its handler reads the source with its own role).
 */
export function assertOtherRegionOfSameAccount(replica: IConstruct, source: IConstruct): void {
  const [here, there] = [Stack.of(replica), Stack.of(source)];
  for (const stack of [here, there]) {
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new ParameterValidationError(
        replica,
        `stack ${stack.node.path} has no concrete region and account (env-agnostic); a replica and its source need both: ` +
          "set env: { account: '123456789012', region: 'us-east-1' } on the stack",
      );
    }
  }
  if (here.region === there.region) {
    throw new ParameterValidationError(
      replica,
      `${source.node.path} is in ${there.region}, the region of this replica; put the replica in a stack of another region`,
    );
  }
  if (here.account !== there.account) {
    throw new ParameterValidationError(
      replica,
      `${source.node.path} is in account ${there.account} and this replica in ${here.account}; replicas are made within one account`,
    );
  }
}
