// A node's view of the ledger: the reducer's state, the last record applied to it and the last one
// known to be committed, and catching up on the records committed since (its own last row first,
// to check that the database still holds the history the state was made from).

import type { ChainHead } from '../ledger/record.ts';
import type { Reducer } from '../ledger/replay.ts';
import {
  badRow,
  checkRow,
  corruptionError,
  hashAt,
  PAGE_ROWS,
  type Queryable,
  type RecordRow,
} from './record-rows.ts';
import type { PgNames } from './schema.ts';

/** A page of catch-up: its statement, and the committed record it reads from. */
export interface CatchUpPage {
  readonly sql: string;
  readonly from: ChainHead;
}

export interface CatchUpRows {
  readonly page: CatchUpPage;
  readonly rows: readonly RecordRow[];
}

/** The database holds other records than this node's state was made from (a restore). */
export class HistoryChanged extends Error {}

export class NodeState<S> {
  state: S;
  /** The last record applied to `state` (including those of a transaction being committed). */
  head: ChainHead;
  /** The last record of `state` known to be committed. */
  committed: ChainHead;
  /** `state` holds records that are not (known to be) in the database: it must be read again. */
  mustReload = false;
  private readonly reducer: Reducer<S>;
  private readonly names: PgNames;

  constructor(
    reducer: Reducer<S>,
    names: PgNames,
    loaded: { readonly state: S; readonly head: ChainHead },
  ) {
    this.reducer = reducer;
    this.names = names;
    this.state = loaded.state;
    this.head = this.committed = loaded.head;
  }

  /** The state read again from the database. */
  replace(loaded: { readonly state: S; readonly head: ChainHead }): void {
    this.state = loaded.state;
    this.head = this.committed = { seq: loaded.head.seq, hash: loaded.head.hash };
    this.mustReload = false;
  }

  /**
   * The statement that reads the next page of records to catch up on, from `committed` (its own
   * last row first). Text without parameters, so that a turn can send it with BEGIN and the lock.
   */
  nextPage(): CatchUpPage {
    const from = this.committed;
    const limit = PAGE_ROWS + (from.seq > 0 ? 1 : 0);
    return {
      from: { seq: from.seq, hash: from.hash },
      sql: `SELECT seq, line FROM ${this.names.records} WHERE seq >= ${from.seq} ORDER BY seq LIMIT ${limit}`,
    };
  }

  /**
   * The records committed after `committed`, applied to the state, a page at a time; `first`: a
   * page already read (with the lock, in a turn).
   */
  async catchUp(db: Queryable, first?: CatchUpRows): Promise<void> {
    if (first !== undefined && !this.applyRows(first.rows, first.page.from)) return;
    for (;;) {
      const page = this.nextPage();
      const { rows } = await db.query<RecordRow>(page.sql);
      if (!this.applyRows(rows, page.from)) return;
    }
  }

  /**
   * Applies rows read from `from` on; rows this node holds already (its own commits) are skipped.
   * Returns whether more may follow: a full page was read and applied to its end.
   */
  private applyRows(rows: readonly RecordRow[], from: ChainHead): boolean {
    let index = 0;
    if (from.seq > 0) {
      const own = rows[0];
      if (own === undefined || hashAt(own, from.seq) !== from.hash) {
        throw new HistoryChanged(`record ${from.seq} is not the one this node holds`);
      }
      index = 1;
    }
    if (this.mustReload) return false; // the state is being replaced, from these rows too
    for (; index < rows.length; index++) {
      const row = rows[index]!;
      const seq = Number(row.seq);
      if (seq < this.head.seq) continue;
      if (seq === this.head.seq) {
        if (this.head.seq !== this.committed.seq) this.foundOwn(row);
        continue;
      }
      if (this.head.seq !== this.committed.seq) {
        // The rows come in seq order from `committed` on: the row at `head` came first.
        throw new HistoryChanged(`record ${row.seq} arrived beside this node's uncommitted ones`);
      }
      const result = checkRow(row, this.head);
      if (!result.ok) throw corruptionError(badRow(this.names, this.head, row, result.reason));
      this.state = this.reducer.apply(this.state, result.record);
      this.head = this.committed = { seq: result.record.seq, hash: result.record.hash };
    }
    const last = rows.at(-1);
    const full = rows.length === PAGE_ROWS + (from.seq > 0 ? 1 : 0);
    return full && last !== undefined && Number(last.seq) === this.committed.seq;
  }

  /**
   * The database holds a record at the seq of this node's last, not yet acknowledged, one. A
   * catch-up outside the turn (NOTIFY, refresh) sees it when the turn's COMMIT has happened but
   * its reply is still on the way, and other nodes may already have written after it: the same
   * hash means this node's records are committed (the hash covers the chain before it); another
   * hash means the history is not the one this node wrote on.
   */
  private foundOwn(row: RecordRow): void {
    if (hashAt(row, this.head.seq) !== this.head.hash) {
      throw new HistoryChanged(`record ${row.seq} is not the one this node wrote`);
    }
    this.committed = this.head;
  }
}
