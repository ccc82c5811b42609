import { Clients } from '../../lib/handler/clients';

/** Called just before each call: the command's name without `Command`, and its input. */
export type BeforeCall = (command: string, input: any) => Promise<void>;

/**
 * The same clients, awaiting `before` just before each Parameter Store and CloudFormation call: a test runs another
 * writer's steps there, to interleave two writers deterministically at any call of one of them.
 */
export function interceptedClients(clients: Clients, before: BeforeCall): Clients {
  return { ...clients, ssm: intercepted(clients.ssm, before), cloudformation: intercepted(clients.cloudformation, before) };
}

function intercepted<T>(client: T, before: BeforeCall): T {
  const { send } = client as unknown as { send: (command: any, ...rest: unknown[]) => Promise<unknown> };
  return {
    send: async (command: any, ...rest: unknown[]) => {
      await before((command.constructor.name as string).replace(/Command$/, ''), command.input);
      return send.call(client, command, ...rest);
    },
  } as unknown as T;
}
