import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { Clients } from './clients';
import { assertNoMismatch } from './read-back';
import { withRetries } from './retry';

/** GetParameters takes at most ten names. */
const NAMES_PER_CALL = 10;

interface ReadBackContext {
  readonly clients: Clients;
  readonly deadline: number;
}

/**
 * The read-back of a batched chunk: each written version is remembered, and all of them are read back at
 * the end with GetParameters, ten names per call, on the read quota instead of one history call per member.
 * It finds what matters between the write and the answer: a concurrent writer (a newer version) or a
 * parameter deleted or retyped meanwhile. The key, pattern and policies were sent with the write itself. A member
 * the stack's rotator may write has its own read-back then instead (`settle`, see deploy-write.ts): a newer version
 * there is a rotation, which the deploy converges with.
 */
export class DeferredReadBack {
  private readonly expected = new Map<string, number>();
  private readonly settles = new Map<string, () => Promise<unknown>>();

  public expect(name: string, version: number, settle?: () => Promise<unknown>): void {
    this.expected.set(name, version);
    if (settle) {
      this.settles.set(name, settle);
    }
  }

  /** The members whose read-back found a difference, with the operator's error for each. */
  public async verify(ctx: ReadBackContext): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    const names = [...this.expected.keys()];
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      const group = names.slice(i, i + NAMES_PER_CALL);
      let result;
      try {
        result = await withRetries(
          'ssm:GetParameters',
          // without decryption: the version and type are all this reads
          (options) => ctx.clients.ssm.send(new GetParametersCommand({ Names: group, WithDecryption: false }), options),
          ctx.deadline,
        );
      } catch (err) {
        // each member of the group fails with the error, so that the message names the parameters (an
        // AccessDenied explained at the chunk would name its physical id, `<path>#chunk-<i>`, as a parameter)
        for (const name of group) failures.set(name, err);
        continue;
      }
      const live = new Map((result.Parameters ?? []).map((p) => [p.Name!, p]));
      for (const name of group) {
        const found = live.get(name);
        const settle = this.settles.get(name);
        if (found?.Version !== this.expected.get(name) && settle) {
          await settleOne(name, settle, failures);
          continue;
        }
        const mismatches = [
          found === undefined && 'no parameter (deleted right after the write)',
          found !== undefined && found.Version !== this.expected.get(name) && `version ${found.Version} (expected ${this.expected.get(name)}, the version just written)`,
          found !== undefined && found.Type !== 'SecureString' && `type ${found.Type} (expected SecureString)`,
        ];
        try {
          assertNoMismatch(name, mismatches);
        } catch (err) {
          failures.set(name, err);
        }
      }
    }
    this.expected.clear();
    this.settles.clear();
    return failures;
  }
}

async function settleOne(name: string, settle: () => Promise<unknown>, failures: Map<string, unknown>): Promise<void> {
  try {
    await settle();
  } catch (err) {
    failures.set(name, err);
  }
}
