import { CloudFormationClient } from '@aws-sdk/client-cloudformation';

/**
 * What CloudFormation records of a stack's resources: the physical id each logical id answered last. A
 * batched chunk's Delete asks it (DescribeStackResource) to tell its previous generation from its current
 * one; tests record what CloudFormation would, or set a record to stand for a rollback.
 */
export class StackRecords {
  private readonly ids = new Map<string, string>();

  public record(stackId: string, logicalId: string, physicalId: string): void {
    this.ids.set(key(stackId, logicalId), physicalId);
  }

  public forget(stackId: string, logicalId: string): void {
    this.ids.delete(key(stackId, logicalId));
  }

  public physicalId(stackId: string, logicalId: string): string | undefined {
    return this.ids.get(key(stackId, logicalId));
  }

  /** Makes `client` answer DescribeStackResource from these records, as CloudFormation does, without a network call. */
  public answerFor(client: CloudFormationClient): void {
    (client.middlewareStack as unknown as MiddlewareStack).add(
      (next: (args: any) => Promise<any>, context: { commandName: string }) => async (args: { input: Record<string, any> }) => {
        if (context.commandName !== 'DescribeStackResourceCommand') {
          return next(args);
        }
        const physicalId = this.physicalId(args.input.StackName, args.input.LogicalResourceId);
        if (physicalId === undefined) {
          throw Object.assign(new Error(`Resource ${args.input.LogicalResourceId} does not exist for stack ${args.input.StackName}`), {
            name: 'ValidationError',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        }
        const detail = { LogicalResourceId: args.input.LogicalResourceId, PhysicalResourceId: physicalId };
        return { output: { StackResourceDetail: detail, $metadata: {} }, response: {} };
      },
      // after the IAM layer's check (also at initialize, added first)
      { step: 'initialize', name: 'stackRecords', priority: 'low' },
    );
  }
}

interface MiddlewareStack {
  add(middleware: unknown, options: { step: 'initialize'; name: string; priority: 'low' }): void;
}

function key(stackId: string, logicalId: string): string {
  return `${stackId} ${logicalId}`;
}

/** The records of every stack the emulator tests deploy. */
export const STACK_RECORDS = new StackRecords();
