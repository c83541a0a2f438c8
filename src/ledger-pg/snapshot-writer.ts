// When a node writes snapshots: after a commit that takes the ledger snapshotEvery records past
// the newest snapshot (any node's), on checkpoint(), and on close when the newest is behind. Each
// is serialised at once, between two transactions, when the state is exactly what is committed.

import { AirlockError } from '../core/errors.ts';
import type { LedgerNotice } from '../ledger/ledger.ts';
import type { ChainHead } from '../ledger/record.ts';
import type { Reducer } from '../ledger/replay.ts';
import { describeError } from './connection.ts';
import type { NodeState } from './node-state.ts';
import type { Queryable } from './record-rows.ts';
import type { PgNames } from './schema.ts';
import { newestSnapshotSeq, writeSnapshotRow } from './snapshots.ts';

export interface SnapshotWriterOptions<S> {
  readonly db: Queryable;
  readonly names: PgNames;
  readonly reducer: Reducer<S>;
  readonly every: number;
  readonly now: () => number;
  readonly notify: (notice: LedgerNotice) => void;
  readonly track: (work: Promise<void>) => Promise<void>;
  /** Where the database is, for messages. */
  readonly label: string;
}

export class SnapshotWriter<S> {
  /** The newest snapshot's seq known to this node (-1: none). */
  private known: number;
  private lastTry: number;
  /** A background write under way. */
  writing: Promise<void> | null = null;
  private readonly options: SnapshotWriterOptions<S>;

  constructor(options: SnapshotWriterOptions<S>, loadedSeq: number | null) {
    this.options = options;
    this.known = loadedSeq ?? -1;
    this.lastTry = Math.max(this.known, 0);
  }

  /** In the lane after a commit: starts a background write when one is due. */
  async afterCommit(node: NodeState<S>): Promise<void> {
    const { every, db, names } = this.options;
    if (this.writing !== null || node.head.seq - Math.max(this.lastTry, this.known) < every) return;
    this.lastTry = node.head.seq;
    try {
      this.known = Math.max(this.known, await newestSnapshotSeq(db, names));
    } catch {
      return; // the next commit asks again
    }
    if (node.mustReload || node.head.seq - this.known < every) return;
    const at = { seq: node.head.seq, hash: node.head.hash };
    const state = JSON.stringify(this.options.reducer.serialise(node.state)); // now, as of `at`
    this.writing = this.options.track(
      writeSnapshotRow(db, names, { ...at, state, takenAt: this.options.now() })
        .then(() => void (this.known = Math.max(this.known, at.seq)))
        .catch((error: unknown) =>
          this.options.notify({ kind: 'snapshot-failed', reason: describeError(error) }),
        )
        .finally(() => (this.writing = null)),
    );
  }

  /** checkpoint(), in the lane: writes one now, after any background write. */
  async checkpoint(node: NodeState<S>): Promise<ChainHead & { readonly at: number }> {
    await this.writing;
    const at = { seq: node.head.seq, hash: node.head.hash };
    const state = JSON.stringify(this.options.reducer.serialise(node.state));
    try {
      await writeSnapshotRow(this.options.db, this.options.names, {
        ...at,
        state,
        takenAt: this.options.now(),
      });
    } catch (error) {
      const reason = describeError(error);
      this.options.notify({ kind: 'snapshot-failed', reason });
      throw Object.assign(
        new AirlockError(
          'LEDGER_UNAVAILABLE',
          `The snapshot of the ledger could not be written to the database at ${this.options.label} (${reason}).`,
          { database: this.options.label, reason },
        ),
        { cause: error },
      );
    }
    this.known = Math.max(this.known, at.seq);
    this.lastTry = Math.max(this.lastTry, at.seq);
    return { ...at, at: this.options.now() };
  }

  /** On close: one more when the newest snapshot (any node's) is behind this node's head. */
  async final(node: NodeState<S>): Promise<void> {
    if (node.mustReload || node.head.seq <= this.known) return;
    try {
      if ((await newestSnapshotSeq(this.options.db, this.options.names)) >= node.head.seq) return;
      await this.checkpoint(node);
    } catch {
      // told as snapshot-failed; the next node to open replays a few more records
    }
  }
}
