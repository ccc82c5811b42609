import type { DeferredReadBack } from './deferred-read-back';
import { OperatorError } from './errors';
import { withExpiration } from './expiration';
import { WriteContext, WriteMode, versionValue, writeVersion } from './parameter-writes';
import { LiveParameter, WrittenVersion, assertNoMismatch, attributeMismatches, liveAt, readHistory, tierMismatch, versionOf, writeMismatches } from './read-back';
import { ParameterSpec } from './request';
import { labelVersion } from './source-labels';
import { PREVIOUS_LABEL } from '../private/rotation-protocol';

/**
 * The deploy's write of a parameter that the stack's rotator may write at the same time. PutParameter has no
 * compare-and-swap, so the handler learns of the other writer from the history afterwards, and converges:
 * - a value the deploy keeps (an attribute change) is read with its version; a version written between that read and
 *   the deploy's write (a rotation, or an operator's value of a placeholder) is newer, and its value is written again
 *   with the template's attributes;
 * - a version written after the deploy's, by the rotator: when the deploy keeps the value, it is a rotation of it and
 *   stays (written again only if its attributes are not the template's); when the deploy writes a new value, that
 *   value is written again on top;
 * - the labels the deploy set are checked at the end and set again where a late label call moved them.
 * On a parameter the rotator never writes, a newer version is someone else's, and the deploy fails as before.
 */

/** Read-backs before the deploy gives up on a parameter another writer keeps writing (a rotation writes at most twice). */
const SETTLE_ROUNDS = 4;

export interface DeployWriteContext extends WriteContext {
  /** Set for a batched chunk: the read-back waits for the chunk's end (deferred-read-back.ts). */
  readonly deferredReadBack?: DeferredReadBack;
}

/** What one deploy writes. */
export interface DeployWrite {
  /** The template's parameter, its relative expiration not yet turned into a timestamp. */
  readonly spec: ParameterSpec;
  /** The labels of the version written: its source's fingerprint, and `current` on a rotating parameter. */
  readonly labels: readonly string[];
  /** A new (or restored) value; undefined: the parameter keeps the value it holds, whoever wrote it. */
  readonly value?: string;
  /** With a kept value: its Expiration timestamp stays too (the template's relative expiration did not change). */
  readonly keepExpiry: boolean;
  /** The new value's predecessor is labelled `previous`. */
  readonly labelPrevious: boolean;
  /** The stack's rotator may write the parameter (it rotates, or did when the deploy began). */
  readonly rotatorMayWrite: boolean;
}

/** The deploy's last write: what it sent, and which version's value it carried when it kept one. */
interface LastWrite {
  readonly written: WrittenVersion;
  readonly spec: ParameterSpec;
  readonly keptFrom?: number;
}

export class DeployWriter {
  /** Every version this deploy wrote: the others are another writer's. */
  private readonly ours = new Set<number>();
  private last!: LastWrite;
  private previous?: number;

  constructor(private readonly write: DeployWrite, private readonly ctx: DeployWriteContext) {}

  private get name(): string {
    return this.write.spec.name;
  }

  /** Writes the version, and labels the one its new value replaces `previous` (a rotation may have written it). */
  public async writeFirst(live: LiveParameter | undefined, mode: WriteMode): Promise<void> {
    await this.writeOnce(live, undefined, mode);
    const replaced = this.last.written.version - 1;
    if (this.write.labelPrevious && replaced >= 1) {
      this.previous = replaced;
      await labelVersion(this.name, replaced, [PREVIOUS_LABEL], this.ctx);
    }
  }

  /**
   * Reads the write back and answers the version the parameter ends on, once it holds what the deploy means: the
   * deploy's value or the newest rotation of the value it kept, the template's attributes, the deploy's labels. A
   * batched chunk reads back at its end, ten names per call; a rotating member settles then if it must.
   */
  public async readBack(): Promise<number> {
    const deferred = this.ctx.deferredReadBack;
    if (!deferred) {
      return this.settle();
    }
    assertNoMismatch(this.name, [tierMismatch(this.last.spec, this.last.written)]);
    deferred.expect(this.name, this.last.written.version, this.write.rotatorMayWrite ? () => this.settle() : undefined);
    return this.last.written.version;
  }

  private async settle(): Promise<number> {
    for (let round = 1; ; round++) {
      const live = await readHistory(this.name, this.ctx);
      const again = this.writeAgainFrom(live);
      if (again === false) {
        await this.relabel(live);
        return live.version!;
      }
      if (round === SETTLE_ROUNDS) {
        throw new OperatorError(
          `${this.name} was written ${this.ours.size} times, and each time another writer wrote it right after. ` +
            'Another writer keeps changing this parameter; stop it and retry the deployment.',
        );
      }
      await this.writeOnce(live, again, { Overwrite: true });
    }
  }

  /**
   * False when the history holds what the deploy means (attributes checked: drift fails the deploy). Else the deploy
   * writes again: its own value (undefined), or, when it keeps the value, the newest value another writer wrote.
   */
  private writeAgainFrom(live: LiveParameter): number | undefined | false {
    const newest = live.version;
    const { written, spec, keptFrom } = this.last;
    if (newest !== undefined && this.ours.has(newest)) {
      const other = this.newestOther(live);
      if (this.write.value === undefined && other !== undefined && other > keptFrom!) {
        return other;
      }
      assertNoMismatch(this.name, writeMismatches(spec, written, live));
      return false;
    }
    if (newest === undefined || newest < written.version || !this.write.rotatorMayWrite) {
      const versionMismatch = `version ${newest} (expected ${written.version}, the version just written)`;
      assertNoMismatch(this.name, [versionMismatch, ...writeMismatches(spec, written, live)]);
    }
    if (this.write.value !== undefined) {
      return undefined;
    }
    // a rotation of the value the deploy kept: it stays, with the template's attributes and its own Expiration
    return attributeMismatches(this.specFor(live), live).some((m) => m !== false) ? newest : false;
  }

  /** The newest version another writer wrote, if any is kept. */
  private newestOther(live: LiveParameter): number | undefined {
    const others = live.versions.flatMap((v) => (v.version !== undefined && !this.ours.has(v.version) ? [v.version] : []));
    return others.length > 0 ? Math.max(...others) : undefined;
  }

  /**
   * One write: the deploy's value, or the value of version `from` (the newest when undefined), read with its version
   * and written with the template's attributes (its Expiration kept, unless the template changed it).
   */
  private async writeOnce(live: LiveParameter | undefined, from: number | undefined, mode: WriteMode): Promise<void> {
    if (this.write.value !== undefined) {
      const spec = this.specFor(undefined);
      this.wrote({ written: await writeVersion(spec, this.write.value, this.write.labels, live, mode, this.ctx), spec });
      return;
    }
    const kept = await versionValue(this.name, from, this.ctx);
    // a rotation between the history and the value read: its Expiration is in a newer history
    const holder = live && versionOf(live, kept.version) ? live : await readHistory(this.name, this.ctx);
    const spec = this.specFor(liveAt(holder, kept.version));
    this.wrote({ written: await writeVersion(spec, kept.value, this.write.labels, holder, mode, this.ctx), spec, keptFrom: kept.version });
  }

  private wrote(last: LastWrite): void {
    this.ours.add(last.written.version);
    this.last = last;
  }

  /** The template's parameter with its Expiration: the one `keepFrom` holds when the value and its expiry stay, else from now. */
  private specFor(keepFrom: LiveParameter | undefined): ParameterSpec {
    return withExpiration(this.write.spec, this.write.value === undefined && this.write.keepExpiry ? keepFrom : undefined);
  }

  /** Sets again the deploy's labels that a late label call of the rotator moved off the version the parameter ends on. */
  private async relabel(live: LiveParameter): Promise<void> {
    const final = versionOf(live, live.version!);
    const missing = this.write.labels.filter((l) => !final?.labels?.includes(l));
    if (missing.length > 0) {
      await labelVersion(this.name, live.version!, missing, this.ctx);
    }
    const previous = this.previous === undefined ? undefined : versionOf(live, this.previous);
    if (previous && !previous.labels?.includes(PREVIOUS_LABEL)) {
      await labelVersion(this.name, this.previous!, [PREVIOUS_LABEL], this.ctx);
    }
  }
}
