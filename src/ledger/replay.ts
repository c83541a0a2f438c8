// Rebuilding the ledger's state from disk: the snapshot when it matches the journal (same record
// at its seq, same hash), then every record after it; otherwise every record from the first.

import type { Journal } from './journal.ts';
import { GENESIS_HASH, type LedgerRecord } from './record.ts';
import { readSnapshot } from './snapshot.ts';

/** How the ledger's state is made from its records. */
export interface Reducer<S> {
  initial(): S;
  /** Applies one record; may mutate `state` and return it. Must not throw for a stored record. */
  apply(state: S, record: LedgerRecord): S;
  /** A JSON value for the snapshot file. */
  serialise(state: S): unknown;
  /** The inverse of serialise; may throw for a value it does not recognise. */
  deserialise(json: unknown): S;
}

export interface Replayed<S> {
  readonly state: S;
  /** The snapshot used (its seq), or null when every record was replayed. */
  readonly snapshotSeq: number | null;
  /** Records applied after the snapshot. */
  readonly replayed: number;
  /** Why a snapshot file was not used, or null (none, or used). */
  readonly snapshotIgnored: string | null;
}

export async function replayState<S>(
  dir: string,
  journal: Journal,
  reducer: Reducer<S>,
): Promise<Replayed<S>> {
  const read = await readSnapshot(dir);
  let ignored = read.found ? null : read.problem;
  if (read.found) {
    const { seq, hash } = read.snapshot;
    const end = journal.durable.seq;
    if (seq > end) {
      ignored = `the snapshot is at record ${seq} but the journal ends at record ${end}`;
    } else {
      const records = journal.records(Math.max(seq, 1))[Symbol.asyncIterator]();
      const first = seq === 0 ? null : await records.next();
      const actual = first === null ? GENESIS_HASH : first.done === true ? null : first.value.hash;
      if (actual !== hash) {
        await records.return?.();
        ignored = `the snapshot's record ${seq} does not match the journal's (another history)`;
      } else {
        let state: S | undefined;
        try {
          state = reducer.deserialise(read.snapshot.state);
        } catch (error) {
          await records.return?.();
          ignored = `the snapshot's state could not be read (${error instanceof Error ? error.message : String(error)})`;
        }
        if (state !== undefined) {
          // The snapshot's own record was read above; the rest of the iterator follows it.
          const rest = { [Symbol.asyncIterator]: () => records };
          const result = await applyAll(state, rest, reducer);
          return {
            state: result.state,
            snapshotSeq: seq,
            replayed: result.count,
            snapshotIgnored: null,
          };
        }
      }
    }
  }
  const result = await applyAll(reducer.initial(), journal.records(1), reducer);
  return {
    state: result.state,
    snapshotSeq: null,
    replayed: result.count,
    snapshotIgnored: ignored,
  };
}

async function applyAll<S>(
  initial: S,
  records: AsyncIterable<LedgerRecord>,
  reducer: Reducer<S>,
): Promise<{ state: S; count: number }> {
  let state = initial;
  let count = 0;
  for await (const record of records) {
    state = reducer.apply(state, record);
    count++;
  }
  return { state, count };
}
