// The activation ledger's storage: one locked writer, state in memory made by a reducer from the
// journal (snapshot + replay), every append applied at once and acknowledged once durable.

import { AirlockError } from '../core/errors.ts';
import { type JournalFileOps, writeFailureReason } from './file-ops.ts';
import { type Journal, openJournal, type RecoveredTail } from './journal.ts';
import { acquireLock, type Lock } from './lock.ts';
import { type RecentOptions, type RecentPage, readRecent } from './recent.ts';
import { type ChainHead, type EncodedRecord, encodeRecord, type LedgerRecord } from './record.ts';
import { type Reducer, replayState } from './replay.ts';
import { snapshotText, writeSnapshot } from './snapshot.ts';
import { type VerifyOptions, type VerifyResult, verifyLedger } from './verify.ts';

export type { Reducer };

/** Things worth a log line; none of them stops the ledger. */
export type LedgerNotice =
  | ({ readonly kind: 'tail-cut' } & RecoveredTail)
  | { readonly kind: 'snapshot-ignored'; readonly reason: string }
  | { readonly kind: 'snapshot-failed'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'available' }
  /** Another store's history was found (a database put back to an older copy): read again. */
  | { readonly kind: 'reloading'; readonly reason: string };

export interface LedgerOptions<S> {
  readonly dir: string;
  readonly reducer: Reducer<S>;
  /** Recorded in the lock file and shown to a second writer ("appliance server"). */
  readonly purpose: string;
  /** A snapshot is written in the background after this many records (default 50 000). */
  readonly snapshotEvery?: number;
  readonly onNotice?: (notice: LedgerNotice) => void;
  /** Unix ms, for pacing write probes while unavailable and timing checkpoints (default Date.now). */
  readonly now?: () => number;
  readonly segmentBytes?: number;
  readonly fileOps?: JournalFileOps;
}

export interface Ledger<S> {
  /**
   * The state as of every record appended so far. While it is being rebuilt after a failed
   * write it is not readable (LEDGER_UNAVAILABLE): it may hold records that were never durable.
   */
  readonly state: S;
  /** The last record appended. */
  readonly head: ChainHead;
  /** False after a failed write, until a probe write succeeds again. */
  readonly available: boolean;
  /** How the state was loaded on open. */
  readonly opened: { readonly snapshotSeq: number | null; readonly replayed: number };
  /**
   * Applies the record to `state` before returning (so a decision and its record are one
   * synchronous step), then resolves when it is durable. Rejects with LEDGER_UNAVAILABLE when
   * it could not be written; the state is then rebuilt from disk.
   */
  append(type: string, data: object, at: number): Promise<LedgerRecord>;
  /**
   * Runs `work` alone with the latest state: no other writer (another request here, or another
   * appliance node on a shared database) appends between the state `work` reads and the records
   * it appends. `work` is synchronous: it reads `state`, decides, calls `append` (applied to
   * `state` at once) and returns; transact resolves with its result once those records are
   * durable. If `work` throws, nothing it appended is kept, in `state` or on disk, and transact
   * rejects with that error; if the records cannot be written, LEDGER_UNAVAILABLE.
   */
  transact<T>(work: () => T): Promise<T>;
  /**
   * Brings `state` up to the records other writers have made durable (the nodes sharing a
   * database); a ledger with one writer is always current, and this does nothing.
   */
  refresh(): Promise<void>;
  /** The durable records from `fromSeq` (default 1) on, in order, each checked as it is read. */
  records(fromSeq?: number): AsyncIterable<LedgerRecord>;
  /** verifyLedger over the records durable so far. */
  verify(options?: Pick<VerifyOptions, 'onProgress'>): Promise<VerifyResult>;
  /** The newest durable records, a page at a time going backwards (newest first). */
  recent(options: RecentOptions): Promise<RecentPage>;
  /**
   * Writes a snapshot of the state as of the last record appended, once that record is durable
   * (after any background snapshot, never beside one). `at` is when it was written (Unix ms).
   * Rejects with LEDGER_UNAVAILABLE when the ledger cannot write or the snapshot was not written.
   */
  checkpoint(): Promise<ChainHead & { readonly at: number }>;
  /** Waits until no rebuild, probe or background snapshot is in progress. */
  settle(): Promise<void>;
  /** Waits for pending appends, writes a snapshot, releases the lock. */
  close(): Promise<void>;
}

const DEFAULT_SNAPSHOT_EVERY = 50_000;
const PROBE_INTERVAL_MS = 1000;

/** Inside transact: the records `work` appended, applied to `state`, not yet committed. */
interface Pending {
  head: ChainHead;
  records: EncodedRecord[];
  /** The first append the reducer or the encoder refused: the work fails with it. */
  failure?: { readonly error: unknown };
}

export async function openLedger<S>(options: LedgerOptions<S>): Promise<Ledger<S>> {
  const { dir, reducer } = options;
  const snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1) {
    throw new TypeError('snapshotEvery must be a positive integer');
  }
  const notify = options.onNotice ?? (() => undefined);
  const now = options.now ?? Date.now;
  const openOptions = {
    dir,
    onRecovered: (event: RecoveredTail) => notify({ kind: 'tail-cut', ...event }),
    ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
    ...(options.fileOps === undefined ? {} : { fileOps: options.fileOps }),
  };

  const lock: Lock = await acquireLock(dir, { purpose: options.purpose });
  let journal: Journal | null = null;
  let loaded;
  try {
    journal = await openJournal(openOptions);
    loaded = await replayState(dir, journal, reducer);
  } catch (error) {
    await journal?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
  if (loaded.snapshotIgnored !== null) {
    notify({ kind: 'snapshot-ignored', reason: loaded.snapshotIgnored });
  }
  let state = loaded.state;
  let snapshotSeq = loaded.snapshotSeq ?? -1; // the seq of the snapshot on disk
  let lastSnapshotTry = Math.max(snapshotSeq, 0);
  let available = true;
  let closed = false;
  let failure: AirlockError | null = null;
  let lastProbeAt = 0;
  const busy = new Set<Promise<void>>(); // rebuild, probe, snapshot
  let rebuilding: Promise<void> | null = null;
  let lastHead: ChainHead = journal.head; // shown while the journal is being reopened
  let lastCommit: Promise<unknown> = Promise.resolve(); // durable once the head record is
  let pending: Pending | null = null;

  function track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => busy.delete(tracked));
    busy.add(tracked);
    return tracked;
  }

  /** A fresh refusal for each append refused while unavailable (or after close). */
  function unavailable(): AirlockError {
    if (closed) {
      return new AirlockError('LEDGER_UNAVAILABLE', `The ledger in ${dir} is closed.`, { dir });
    }
    if (failure === null) {
      const message = `The ledger in ${dir} is being reopened after a failed write; try again.`;
      return new AirlockError('LEDGER_UNAVAILABLE', message, { dir });
    }
    return new AirlockError(failure.code, failure.message, { ...failure.details });
  }

  /** A failed write: refuse appends, and rebuild the state from what is durable. */
  function markFailed(error: AirlockError): void {
    if (!available) return;
    available = false;
    failure = error;
    lastProbeAt = now();
    notify({ kind: 'unavailable', reason: String(error.details['reason'] ?? error.message) });
    if (!closed) startRebuild();
  }

  /** Reads the state again from what is durable; until then `state` is not readable. */
  function startRebuild(): void {
    rebuilding = track(
      rebuild()
        .catch(keepCorruption)
        .finally(() => (rebuilding = null)),
    );
  }

  /** A rebuild that fails leaves `journal` null: the next probe tries again, unless it is damage. */
  function keepCorruption(error: unknown): void {
    if (error instanceof AirlockError && error.code === 'LEDGER_CORRUPT') failure = error;
  }

  async function rebuild(): Promise<void> {
    const old = journal;
    if (old !== null) lastHead = old.durable;
    journal = null;
    await old?.close().catch(() => undefined);
    const reopened = await openJournal(openOptions);
    try {
      const replayed = await replayState(dir, reopened, reducer);
      state = replayed.state;
      snapshotSeq = replayed.snapshotSeq ?? -1;
      journal = reopened;
    } catch (error) {
      await reopened.close().catch(() => undefined);
      throw error;
    }
  }

  /** While unavailable, each append attempt may start a probe (at most one a second). */
  function maybeProbe(): void {
    if (closed || busy.size > 0 || now() - lastProbeAt < PROBE_INTERVAL_MS) return;
    lastProbeAt = now();
    void track(
      (async () => {
        if (journal === null) await rebuild();
        await journal!.probe();
        available = true;
        failure = null;
        notify({ kind: 'available' });
      })().catch(keepCorruption),
    );
  }

  function maybeSnapshot(record: LedgerRecord, durable: Promise<unknown>): void {
    if (record.seq - lastSnapshotTry < snapshotEvery || busy.size > 0) return;
    lastSnapshotTry = record.seq;
    // Serialised now, as of this record; written once the record itself is durable.
    const text = snapshotText(record.seq, record.hash, reducer.serialise(state));
    void track(
      durable.then(
        () => saveSnapshot(record.seq, text),
        () => undefined,
      ),
    );
  }

  async function saveSnapshot(seq: number, text: string): Promise<void> {
    try {
      await writeSnapshot(dir, text);
      snapshotSeq = seq;
    } catch (error) {
      notify({
        kind: 'snapshot-failed',
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async function settle(): Promise<void> {
    while (busy.size > 0) await Promise.allSettled([...busy]);
  }

  function refusal(): Promise<never> {
    if (!closed) maybeProbe();
    return Promise.reject(unavailable());
  }

  /** Hands an encoded record, already applied to `state`, to the journal. */
  function commit(encoded: EncodedRecord): Promise<LedgerRecord> {
    const durable = journal!.commit(encoded);
    lastCommit = durable;
    maybeSnapshot(encoded.record, durable);
    return durable.catch((error: unknown) => {
      if (error instanceof AirlockError && error.code === 'LEDGER_UNAVAILABLE') markFailed(error);
      throw error;
    });
  }

  return {
    get state() {
      if (rebuilding !== null) throw unavailable();
      return state;
    },
    get head() {
      return pending?.head ?? journal?.head ?? lastHead;
    },
    get available() {
      return available;
    },
    opened: { snapshotSeq: loaded.snapshotSeq, replayed: loaded.replayed },
    append(type, data, at) {
      if (closed || !available || journal === null) return refusal();
      let encoded: EncodedRecord;
      try {
        encoded = encodeRecord(pending?.head ?? journal.head, at, type, data);
        state = reducer.apply(state, encoded.record); // a reducer that throws leaves nothing written
      } catch (error) {
        if (pending === null) return Promise.reject(error);
        // Inside transact the whole work fails with it: transact rejects, nothing is kept.
        pending.failure ??= { error };
        const refused = Promise.reject(error);
        refused.catch(() => undefined);
        return refused;
      }
      if (pending === null) return commit(encoded);
      // Inside transact: committed when `work` returns; transact reports the outcome.
      pending.head = encoded.record;
      pending.records.push(encoded);
      return Promise.resolve(encoded.record);
    },
    async transact<T>(work: () => T): Promise<T> {
      if (pending !== null) return work(); // within an outer transact: part of its records
      if (closed || !available || journal === null) return refusal();
      const mine: Pending = { head: journal.head, records: [] };
      pending = mine;
      let result: T;
      try {
        result = work();
        if (mine.failure !== undefined) throw mine.failure.error;
      } catch (error) {
        // A record the reducer refused may have changed the state part way: read it again too.
        if (mine.records.length > 0 || mine.failure !== undefined) startRebuild();
        throw error;
      } finally {
        pending = null;
      }
      await Promise.all(mine.records.map(commit));
      return result;
    },
    async refresh() {},
    records(fromSeq = 1) {
      if (journal === null) throw unavailable();
      return journal.records(fromSeq);
    },
    verify(verifyOptions = {}) {
      const untilSeq = (journal?.durable ?? lastHead).seq;
      return verifyLedger(dir, { ...verifyOptions, untilSeq });
    },
    recent(recentOptions) {
      return readRecent(dir, { ...recentOptions, untilSeq: (journal?.durable ?? lastHead).seq });
    },
    async checkpoint() {
      // Waited for until nothing runs: one snapshot writer at a time, and none during a rebuild.
      do await settle();
      while (busy.size > 0);
      if (closed || !available || journal === null) throw unavailable();
      const head = journal.head;
      const pending = journal.durable.seq === head.seq ? Promise.resolve() : lastCommit;
      const text = snapshotText(head.seq, head.hash, reducer.serialise(state));
      lastSnapshotTry = Math.max(lastSnapshotTry, head.seq);
      await track(
        pending.then(async () => {
          try {
            await writeSnapshot(dir, text);
          } catch (error) {
            const reason = writeFailureReason(error);
            notify({ kind: 'snapshot-failed', reason });
            throw new AirlockError(
              'LEDGER_UNAVAILABLE',
              `The snapshot of the ledger in ${dir} could not be written (${reason}).`,
              { dir, reason },
            );
          }
          snapshotSeq = head.seq;
        }),
      );
      return { seq: head.seq, hash: head.hash, at: now() };
    },
    settle,
    async close() {
      if (closed) return;
      closed = true;
      await settle();
      const last = journal;
      if (last !== null) {
        await last.close();
        await settle(); // a failure while draining starts nothing more, but a snapshot may run
        if (available && last.durable.seq !== snapshotSeq && last.durable.seq === last.head.seq) {
          await saveSnapshot(
            last.durable.seq,
            snapshotText(last.durable.seq, last.durable.hash, reducer.serialise(state)),
          );
        }
      }
      await lock.release();
    },
  };
}
