// A node's state made from the database: the newest snapshot when it matches the records (the
// record at its seq has its hash), then every record after it, checked as read; otherwise every
// record from the first. As src/ledger/replay.ts does for the file ledger.

import { EMPTY_CHAIN, type ChainHead, GENESIS_HASH } from '../ledger/record.ts';
import type { Reducer } from '../ledger/replay.ts';
import { corruptionError, hashAt, type Queryable, readRowBatches } from './record-rows.ts';
import type { PgNames } from './schema.ts';
import { newestSnapshot } from './snapshots.ts';

export interface LoadedState<S> {
  readonly state: S;
  /** The last record applied. */
  readonly head: ChainHead;
  /** The snapshot used (its seq), or null when every record was replayed. */
  readonly snapshotSeq: number | null;
  /** Records applied after the snapshot. */
  readonly replayed: number;
  /** Why the newest snapshot was not used, or null (none, or used). */
  readonly snapshotIgnored: string | null;
}

interface Start<S> {
  readonly state: S;
  readonly head: ChainHead;
  readonly snapshotSeq: number;
}

/** The snapshot to start from, or why not. */
async function snapshotStart<S>(
  db: Queryable,
  names: PgNames,
  reducer: Reducer<S>,
): Promise<Start<S> | { readonly ignored: string | null }> {
  const snapshot = await newestSnapshot(db, names);
  if (snapshot === null) return { ignored: null };
  const { seq, hash } = snapshot;
  let actual: string | null = GENESIS_HASH;
  if (seq > 0) {
    const { rows } = await db.query<{ seq: string; line: string }>(
      `SELECT seq, line FROM ${names.records} WHERE seq = $1`,
      [seq],
    );
    const row = rows[0];
    if (row === undefined)
      return { ignored: `the snapshot is at record ${seq}, past the last one` };
    actual = hashAt(row, seq);
  }
  if (actual !== hash) {
    return {
      ignored: `the snapshot's record ${seq} does not match the ledger's (another history)`,
    };
  }
  try {
    return {
      state: reducer.deserialise(JSON.parse(snapshot.state)),
      head: { seq, hash },
      snapshotSeq: seq,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ignored: `the snapshot's state could not be read (${reason})` };
  }
}

export async function loadState<S>(
  db: Queryable,
  names: PgNames,
  reducer: Reducer<S>,
): Promise<LoadedState<S>> {
  const start = await snapshotStart(db, names, reducer);
  let state: S;
  let head: ChainHead;
  if ('state' in start) {
    state = start.state;
    head = start.head;
  } else {
    state = reducer.initial();
    head = EMPTY_CHAIN;
  }
  let replayed = 0;
  for await (const batch of readRowBatches(db, names, { after: head })) {
    for (const record of batch.records) state = reducer.apply(state, record);
    replayed += batch.records.length;
    head = batch.records.at(-1) ?? head;
    if (batch.bad !== undefined) throw corruptionError(batch.bad);
  }
  return {
    state,
    head: { seq: head.seq, hash: head.hash },
    snapshotSeq: 'state' in start ? start.snapshotSeq : null,
    replayed,
    snapshotIgnored: 'state' in start ? null : start.ignored,
  };
}
