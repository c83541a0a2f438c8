// The activation ledger on PostgreSQL, for several stateless appliance nodes sharing one database:
// the Ledger interface of src/ledger/ledger.ts, with the same records, hash chain and snapshots.
// Writers take turns under one transaction-scoped advisory lock; each node runs the works queued
// in it as one transaction (group commit) after catching up on the other nodes' records; the state
// is the reducer's, in memory, kept current by LISTEN/NOTIFY and refresh(). docs/POSTGRES.md.

import type pg from 'pg';
import { AirlockError } from '../core/errors.ts';
import type { Ledger, LedgerNotice } from '../ledger/ledger.ts';
import {
  type ChainHead,
  type EncodedRecord,
  encodeRecord,
  type LedgerRecord,
} from '../ledger/record.ts';
import type { Reducer } from '../ledger/replay.ts';
import {
  checkOut,
  clientConfig,
  createPool,
  databaseLabel,
  describeError,
  isConnectionError,
  type PgConnectionOptions,
} from './connection.ts';
import { startListener } from './listener.ts';
import { loadState } from './load-state.ts';
import { migrate } from './migrate.ts';
import { readRecentRows } from './recent.ts';
import {
  badRow,
  checkRow,
  corruptionError,
  PAGE_ROWS,
  type Queryable,
  readRows,
  type RecordRow,
} from './record-rows.ts';
import { DEFAULT_SCHEMA, pgNames } from './schema.ts';
import { newestSnapshotSeq, writeSnapshotRow } from './snapshots.ts';
import { verifyPgRecords } from './verify.ts';

export interface PgLedgerOptions<S> extends PgConnectionOptions {
  readonly reducer: Reducer<S>;
  /** The schema holding the ledger's tables (default "airlock"); made and migrated on open. */
  readonly schema?: string;
  /** A snapshot is written after this many records (default 50 000), by the node that writes. */
  readonly snapshotEvery?: number;
  readonly onNotice?: (notice: LedgerNotice) => void;
  /** Unix ms, for pacing probes and timing checkpoints (default Date.now). */
  readonly now?: () => number;
  /** While the database cannot be reached, it is tried this often (default 1000 ms). */
  readonly probeIntervalMs?: number;
  /** At most this many queued works go into one transaction (default 256). */
  readonly maxBatch?: number;
}

export interface PgLedger<S> extends Ledger<S> {
  /** host:port/database, for health reports and messages (no user or password). */
  readonly database: string;
}

interface Job {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What a running work appended: applied to `state`, committed with the rest of its batch. */
interface WorkContext {
  head: ChainHead;
  readonly records: EncodedRecord[];
  /** An append the reducer refused: the work fails as if it had thrown this. */
  failed: { readonly error: unknown } | null;
}

/** The database holds other records than this node's state was made from (a restore). */
class HistoryChanged extends Error {}

const DEFAULT_SNAPSHOT_EVERY = 50_000;
const DEFAULT_PROBE_INTERVAL_MS = 1000;
const DEFAULT_MAX_BATCH = 256;
/** Tries at taking the lock when a pooled connection turns out to be dead (a database restart). */
const LOCK_ATTEMPTS = 3;

const noop = () => undefined;

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export async function openPgLedger<S>(options: PgLedgerOptions<S>): Promise<PgLedger<S>> {
  const { reducer } = options;
  const positive = (value: number | undefined, fallback: number, name: string) => {
    const chosen = value ?? fallback;
    if (!Number.isSafeInteger(chosen) || chosen < 1) {
      throw new TypeError(`${name} must be a positive integer`);
    }
    return chosen;
  };
  const snapshotEvery = positive(options.snapshotEvery, DEFAULT_SNAPSHOT_EVERY, 'snapshotEvery');
  const probeIntervalMs = positive(
    options.probeIntervalMs,
    DEFAULT_PROBE_INTERVAL_MS,
    'probeIntervalMs',
  );
  const maxBatch = positive(options.maxBatch, DEFAULT_MAX_BATCH, 'maxBatch');
  const names = pgNames(options.schema ?? DEFAULT_SCHEMA);
  const label = databaseLabel(options.url);
  const notify = options.onNotice ?? noop;
  const now = options.now ?? Date.now;
  const config = clientConfig(options);

  /** A refusal naming the database and why, for a failure of the database (not of a work). */
  function refusalFor(error: unknown, outcomeUnknown = false): AirlockError {
    if (error instanceof AirlockError) return error;
    const reason = describeError(error);
    const recorded = outcomeUnknown
      ? 'the last writes may or may not have been recorded'
      : 'nothing was recorded';
    const message = isConnectionError(error)
      ? `The ledger database at ${label} cannot be reached (${reason}); ${recorded}. ` +
        'This node tries again by itself and answers once the database is back.'
      : `The ledger database at ${label} refused the write (${reason}); ${recorded}.`;
    return new AirlockError('LEDGER_UNAVAILABLE', message, { database: label, reason });
  }

  const pool = createPool(options);
  // An idle connection that breaks (the server restarted) is dropped by the pool; look at once.
  pool.on('error', () => void healthCheck());
  let loaded;
  try {
    await migrate(pool, names);
    loaded = await loadState(pool, names, reducer);
  } catch (error) {
    await pool.end().catch(noop);
    if (error instanceof TypeError) throw error;
    throw refusalFor(error);
  }
  if (loaded.snapshotIgnored !== null) {
    notify({ kind: 'snapshot-ignored', reason: loaded.snapshotIgnored });
  }

  let state = loaded.state;
  /** The last record applied to `state` (including those of the batch being committed). */
  let head: ChainHead = loaded.head;
  /** The last record of `state` known to be committed. */
  let committed: ChainHead = loaded.head;
  let knownSnapshotSeq = loaded.snapshotSeq ?? -1;
  let lastSnapshotTry = Math.max(knownSnapshotSeq, 0);
  let available = true;
  let failure: AirlockError | null = null;
  let closed = false;
  /** `state` holds records that are not (known to be) in the database: it must be loaded again. */
  let mustReload = false;
  let reloading: Promise<void> | null = null;
  let probing: Promise<void> | null = null;
  let probeTimer: NodeJS.Timeout | null = null;
  let lastProbeAt = 0;
  let snapshotting: Promise<void> | null = null;
  const busy = new Set<Promise<void>>(); // reload, probe, snapshot
  let queue: Job[] = [];
  let flushing: Promise<void> | null = null;
  /** Batches, checkpoints and snapshot serialisation run one at a time, in order. */
  let lane: Promise<void> = Promise.resolve();
  let context: WorkContext | null = null;

  function track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => busy.delete(tracked));
    busy.add(tracked);
    return tracked;
  }

  function inLane<T>(step: () => Promise<T>): Promise<T> {
    const run = lane.then(step);
    lane = run.then(noop, noop);
    return run;
  }

  /** A fresh refusal for each call refused while unavailable, reloading or closed. */
  function unavailable(): AirlockError {
    if (closed) {
      return new AirlockError('LEDGER_UNAVAILABLE', `This node's ledger on ${label} is closed.`, {
        database: label,
      });
    }
    if (failure !== null) {
      return new AirlockError(failure.code, failure.message, { ...failure.details });
    }
    return new AirlockError(
      'LEDGER_UNAVAILABLE',
      `The ledger's state is being read again from the database at ${label} after a failed write; try again.`,
      { database: label },
    );
  }

  // ---- availability -------------------------------------------------------------------------

  function markUnavailable(error: AirlockError): void {
    if (error.code === 'LEDGER_CORRUPT') failure = error;
    if (!available) return;
    available = false;
    failure = error;
    lastProbeAt = now();
    notify({ kind: 'unavailable', reason: String(error.details['reason'] ?? error.message) });
    scheduleProbe();
  }

  /** A failure of the database: a connection failure makes this node unavailable. */
  function failed(error: unknown, outcomeUnknown = false): AirlockError {
    const refusal = refusalFor(error, outcomeUnknown);
    if (isConnectionError(error) || refusal.code === 'LEDGER_CORRUPT') markUnavailable(refusal);
    return refusal;
  }

  function scheduleProbe(): void {
    if (closed || probeTimer !== null || available) return;
    probeTimer = setTimeout(() => {
      probeTimer = null;
      void probe();
    }, probeIntervalMs);
    probeTimer.unref();
  }

  /** While unavailable, a refused call may start a probe (at most one per interval). */
  function maybeProbe(): void {
    if (closed || probing !== null || now() - lastProbeAt < probeIntervalMs) return;
    void probe();
  }

  /**
   * Can this node write again? A query on a writable server (not a read-only standby), the state
   * loaded again if it must be, and caught up: then available. Single flight.
   */
  function probe(): Promise<void> {
    if (closed) return Promise.resolve();
    if (probing !== null) return probing;
    lastProbeAt = now();
    probing = track(
      (async () => {
        try {
          const { rows } = await pool.query<{ readonly: string }>(
            "SELECT current_setting('transaction_read_only') AS readonly",
          );
          if (rows[0]?.readonly === 'on') {
            const error = new Error('the database is read-only (a standby?)') as Error & {
              code: string;
            };
            error.code = '25006';
            throw error;
          }
          if (mustReload) await reloadInLane();
          await catchUpOrReload(pool, reloadInLane);
          if (!available) {
            available = true;
            failure = null;
            notify({ kind: 'available' });
          }
        } catch (error) {
          if (available) failed(error);
          else if (error instanceof AirlockError && error.code === 'LEDGER_CORRUPT') {
            failure = error;
          }
          scheduleProbe();
        }
      })().finally(() => (probing = null)),
    );
    return probing;
  }

  /** Something looked wrong (a broken idle connection, the listener lost): check now. */
  function healthCheck(): Promise<void> {
    return closed ? Promise.resolve() : probe();
  }

  // ---- reading the database into the state --------------------------------------------------

  /**
   * Reads the state again from the database (after records it holds were not committed). Only
   * in the lane, where no batch is between running its works and committing them.
   */
  function reload(): Promise<void> {
    if (reloading !== null) return reloading;
    reloading = track(
      (async () => {
        const fresh = await loadState(pool, names, reducer);
        state = fresh.state;
        head = committed = fresh.head;
        knownSnapshotSeq = Math.max(knownSnapshotSeq, fresh.snapshotSeq ?? -1);
        mustReload = false;
      })().finally(() => (reloading = null)),
    );
    return reloading;
  }

  /** reload, from outside the lane. */
  function reloadInLane(): Promise<void> {
    return inLane(reload);
  }

  /**
   * Applies rows read from `from` on (its own row first, when from.seq > 0, to check that the
   * database still holds this node's history). Rows this node already holds are skipped. Returns
   * whether a full page came back (there may be more).
   */
  function applyRows(rows: readonly RecordRow[], from: ChainHead): boolean {
    let index = 0;
    if (from.seq > 0) {
      const own = rows[0];
      const checked = own === undefined ? null : checkRow(own, { seq: from.seq - 1, hash: null });
      if (checked === null || !checked.ok || checked.record.hash !== from.hash) {
        throw new HistoryChanged(`record ${from.seq} is not the one this node holds`);
      }
      index = 1;
    }
    if (mustReload) return false; // the state is being replaced; reload reads these anyway
    for (; index < rows.length; index++) {
      const row = rows[index]!;
      if (Number(row.seq) <= head.seq) continue; // applied already (a commit of this node)
      if (head.seq !== committed.seq) {
        // Records of a batch not yet committed occupy these seqs: another history.
        throw new HistoryChanged(
          `record ${row.seq} arrived beside this node's uncommitted records`,
        );
      }
      const result = checkRow(row, head);
      if (!result.ok) throw corruptionError(badRow(names, head, row, result.reason));
      state = reducer.apply(state, result.record);
      head = committed = { seq: result.record.seq, hash: result.record.hash };
    }
    // More may follow only when a full page was read and applied to its end.
    const last = rows.at(-1);
    const full = rows.length === PAGE_ROWS + (from.seq > 0 ? 1 : 0);
    return full && last !== undefined && Number(last.seq) === committed.seq;
  }

  /** The records committed after this node's last one, applied to the state. */
  async function catchUp(db: Queryable): Promise<void> {
    for (;;) {
      const from = committed;
      const { rows } = await db.query<RecordRow>(
        `SELECT seq, line FROM ${names.records} WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        [from.seq, PAGE_ROWS + (from.seq > 0 ? 1 : 0)],
      );
      if (!applyRows(rows, from)) return;
    }
  }

  /** catchUp that turns another history into a reload and a second try. */
  async function catchUpOrReload(db: Queryable, reloader: () => Promise<void>): Promise<void> {
    try {
      await catchUp(db);
    } catch (error) {
      if (!(error instanceof HistoryChanged)) throw error;
      notify({
        kind: 'unavailable',
        reason: `the database's records changed (${error.message}); reading them again`,
      });
      mustReload = true;
      await reloader();
      await catchUp(db);
    }
  }

  // refresh: one query in flight at a time; a caller arriving meanwhile joins the next one,
  // whose query is sent after it arrived.
  let refreshRunning: Promise<void> | null = null;
  let refreshNext: Promise<void> | null = null;

  async function refreshOnce(): Promise<void> {
    try {
      if (mustReload || reloading !== null) await reloadInLane();
      await catchUpOrReload(pool, reloadInLane);
    } catch (error) {
      throw failed(error);
    }
  }

  function refresh(): Promise<void> {
    if (closed) return Promise.reject(unavailable());
    if (!available) {
      maybeProbe();
      return Promise.reject(unavailable());
    }
    if (refreshNext !== null) return refreshNext;
    if (refreshRunning !== null) {
      refreshNext = refreshRunning.then(noop, noop).then(() => {
        refreshNext = null;
        return startRefresh();
      });
      return refreshNext;
    }
    return startRefresh();
  }

  function startRefresh(): Promise<void> {
    const running = refreshOnce().finally(() => {
      if (refreshRunning === running) refreshRunning = null;
    });
    refreshRunning = running;
    return running;
  }

  // ---- writing: group commit under the writers' lock ----------------------------------------

  /** Set while a batch has marked the state for reloading and not yet reloaded it. */
  let reloaded: (() => void) | null = null;

  /** The state holds records that will not be (or may not be) committed: reload before reading. */
  function reloadDue(): void {
    mustReload = true;
    if (reloaded === null) void track(new Promise<void>((resolve) => (reloaded = resolve)));
  }

  function schedule(): void {
    if (flushing !== null || queue.length === 0) return;
    const batch: Job[] = []; // taken when the lane reaches it, gathering every work queued by then
    flushing = inLane(async () => {
      batch.push(...queue.splice(0, maxBatch));
      try {
        await runBatch(batch);
      } catch (error) {
        // Not expected: every failure is handled in runBatch. Settled jobs ignore this.
        for (const job of batch) job.reject(error);
      } finally {
        reloaded?.();
        reloaded = null;
      }
    }).finally(() => {
      flushing = null;
      schedule();
    });
  }

  function runWork(
    job: Job,
  ):
    | { ok: true; value: unknown; ctx: WorkContext }
    | { ok: false; error: unknown; ctx: WorkContext } {
    const ctx: WorkContext = { head, records: [], failed: null };
    context = ctx;
    try {
      const value = job.work();
      if (isThenable(value)) {
        return {
          ok: false,
          error: new TypeError('transact: work must be synchronous (it returned a promise)'),
          ctx,
        };
      }
      if (ctx.failed !== null) return { ok: false, error: ctx.failed.error, ctx };
      return { ok: true, value, ctx };
    } catch (error) {
      return { ok: false, error, ctx };
    } finally {
      context = null;
    }
  }

  /**
   * 1. Takes the writers' lock in a new transaction and catches up. Nothing has run yet, so a
   * dead pooled connection (the server restarted) is replaced and the step tried again.
   */
  async function lockAndCatchUp(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | null = null;
      try {
        client = await checkOut(pool);
        await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${names.writerLock})`);
        await catchUpOrReload(client, reload);
        return client;
      } catch (error) {
        client?.release(true);
        if (!isConnectionError(error) || attempt >= LOCK_ATTEMPTS) throw error;
      }
    }
  }

  async function runBatch(batch: Job[]): Promise<void> {
    if (batch.length === 0) return;
    if (mustReload) {
      try {
        await reload();
      } catch (error) {
        const refusal = failed(error);
        for (const job of batch)
          job.reject(new AirlockError(refusal.code, refusal.message, { ...refusal.details }));
        return;
      }
    }
    if (!available) {
      for (const job of batch) job.reject(unavailable());
      maybeProbe();
      return;
    }

    let client: pg.PoolClient;
    try {
      client = await lockAndCatchUp();
    } catch (error) {
      for (const job of batch) job.reject(failed(error));
      return;
    }

    // 2. Run the works in order on the caught-up state. A work that throws after appending has
    //    changed the state: the works before it are committed, the state is read again from the
    //    database, and the works after it wait for the next batch.
    const done: Array<{ job: Job; value: unknown }> = [];
    const records: EncodedRecord[] = [];
    let rest: Job[] = [];
    for (let i = 0; i < batch.length; i++) {
      const job = batch[i]!;
      const outcome = runWork(job);
      if (outcome.ok) {
        head = outcome.ctx.head;
        records.push(...outcome.ctx.records);
        done.push({ job, value: outcome.value });
        continue;
      }
      if (outcome.ctx.records.length > 0) {
        reloadDue(); // before the rejection is seen: `state` is not readable until reloaded
        rest = batch.slice(i + 1);
        job.reject(outcome.error);
        break;
      }
      job.reject(outcome.error);
    }

    // 3. Insert, announce, commit; acknowledge only once COMMIT has returned.
    let commitSent = false;
    try {
      if (records.length > 0) {
        await client.query(
          `WITH inserted AS (INSERT INTO ${names.records} (seq, line, type, at, hash) ` +
            'SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])) ' +
            'SELECT pg_notify($6, $7)',
          [
            records.map((e) => e.record.seq),
            records.map((e) => e.line.toString('utf8', 0, e.line.length - 1)),
            records.map((e) => e.record.type),
            records.map((e) => e.record.at),
            records.map((e) => e.record.hash),
            names.channel,
            String(head.seq),
          ],
        );
      }
      commitSent = true;
      await client.query('COMMIT');
    } catch (error) {
      client.release(true);
      if (records.length > 0) reloadDue(); // committed or not: the database will say
      const refusal = failed(error, commitSent);
      for (const { job } of done) {
        job.reject(new AirlockError(refusal.code, refusal.message, { ...refusal.details }));
      }
      queue = [...rest, ...queue];
      if (available) await reload().catch(noop);
      return;
    }
    client.release();
    if (!mustReload) committed = head;
    for (const { job, value } of done) job.resolve(value);
    queue = [...rest, ...queue];
    if (mustReload) {
      await reload().catch((error: unknown) => void failed(error));
      return;
    }
    await maybeSnapshot();
  }

  // ---- snapshots ----------------------------------------------------------------------------

  /** In the lane, after a commit: the state is exactly the committed records. */
  async function maybeSnapshot(): Promise<void> {
    if (
      snapshotting !== null ||
      head.seq - Math.max(lastSnapshotTry, knownSnapshotSeq) < snapshotEvery
    ) {
      return;
    }
    lastSnapshotTry = head.seq;
    try {
      knownSnapshotSeq = Math.max(knownSnapshotSeq, await newestSnapshotSeq(pool, names));
    } catch {
      return; // the next commit tries again
    }
    if (mustReload || head.seq - knownSnapshotSeq < snapshotEvery) return;
    const at = { seq: head.seq, hash: head.hash };
    const text = JSON.stringify(reducer.serialise(state)); // now, as of `at`
    snapshotting = track(
      writeSnapshotRow(pool, names, { ...at, state: text, takenAt: now() })
        .then(() => {
          knownSnapshotSeq = Math.max(knownSnapshotSeq, at.seq);
        })
        .catch((error: unknown) =>
          notify({ kind: 'snapshot-failed', reason: describeError(error) }),
        )
        .finally(() => (snapshotting = null)),
    );
  }

  // ---- the other nodes' commits ------------------------------------------------------------

  const listener = startListener({
    config,
    channel: names.channel,
    retryMs: probeIntervalMs,
    onNotify(payload) {
      if (Number(payload) > head.seq && available) void refresh().catch(noop);
    },
    onConnected() {
      if (available) void refresh().catch(noop);
      else void probe();
    },
    onLost() {
      void healthCheck();
    },
  });

  async function* readDurable(fromSeq: number): AsyncGenerator<LedgerRecord> {
    if (closed) throw unavailable();
    try {
      yield* readRows(pool, names, fromSeq);
    } catch (error) {
      throw error instanceof AirlockError || error instanceof TypeError ? error : failed(error);
    }
  }

  async function settle(): Promise<void> {
    while (busy.size > 0) await Promise.allSettled([...busy]);
  }

  function transact<T>(work: () => T): Promise<T> {
    if (context !== null) {
      // Within an outer work: part of its records and its outcome.
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (closed) return Promise.reject(unavailable());
    if (!available) {
      maybeProbe();
      return Promise.reject(unavailable());
    }
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
  }

  /** Inside a work: encode after the work's last record and apply it to the state at once. */
  function appendInWork(ctx: WorkContext, type: string, data: object, at: number): LedgerRecord {
    const encoded = encodeRecord(ctx.head, at, type, data);
    state = reducer.apply(state, encoded.record);
    ctx.head = encoded.record;
    ctx.records.push(encoded);
    return encoded.record;
  }

  return {
    database: label,
    get state() {
      if (mustReload || reloading !== null) throw unavailable();
      return state;
    },
    get head() {
      const current = context?.head ?? head;
      return { seq: current.seq, hash: current.hash };
    },
    get available() {
      return available;
    },
    opened: { snapshotSeq: loaded.snapshotSeq, replayed: loaded.replayed },
    append(type, data, at) {
      const ctx = context;
      if (ctx === null) {
        return transact(() => appendInWork(context!, type, data, at));
      }
      try {
        return Promise.resolve(appendInWork(ctx, type, data, at));
      } catch (error) {
        // The work goes on, unaware; it fails as a whole when it returns.
        ctx.failed ??= { error };
        const refused = Promise.reject(error);
        refused.catch(noop);
        return refused;
      }
    },
    transact,
    refresh,
    records(fromSeq = 1) {
      return readDurable(fromSeq);
    },
    async verify(verifyOptions = {}) {
      if (closed) throw unavailable();
      try {
        return await verifyPgRecords(pool, names, verifyOptions);
      } catch (error) {
        throw error instanceof AirlockError || error instanceof TypeError ? error : failed(error);
      }
    },
    async recent(recentOptions) {
      if (closed) throw unavailable();
      try {
        return await readRecentRows(pool, names, recentOptions);
      } catch (error) {
        throw error instanceof AirlockError || error instanceof TypeError ? error : failed(error);
      }
    },
    checkpoint() {
      return inLane(async () => {
        await snapshotting;
        if (closed || !available) throw unavailable();
        if (mustReload) await reload().catch((error: unknown) => Promise.reject(failed(error)));
        const at = { seq: head.seq, hash: head.hash };
        const text = JSON.stringify(reducer.serialise(state));
        try {
          await writeSnapshotRow(pool, names, { ...at, state: text, takenAt: now() });
        } catch (error) {
          const reason = describeError(error);
          notify({ kind: 'snapshot-failed', reason });
          if (isConnectionError(error)) failed(error);
          throw new AirlockError(
            'LEDGER_UNAVAILABLE',
            `The snapshot of the ledger could not be written to the database at ${label} (${reason}).`,
            { database: label, reason },
          );
        }
        knownSnapshotSeq = Math.max(knownSnapshotSeq, at.seq);
        lastSnapshotTry = Math.max(lastSnapshotTry, at.seq);
        return { ...at, at: now() };
      });
    },
    settle,
    async close() {
      if (closed) return;
      closed = true;
      if (probeTimer !== null) clearTimeout(probeTimer);
      // Works already queued are committed; new ones are refused.
      while (flushing !== null) await flushing;
      await inLane(async () => undefined);
      await settle();
      await listener.close();
      if (available && !mustReload && head.seq > knownSnapshotSeq) {
        try {
          if ((await newestSnapshotSeq(pool, names)) < head.seq) {
            const text = JSON.stringify(reducer.serialise(state));
            await writeSnapshotRow(pool, names, { ...head, state: text, takenAt: now() });
          }
        } catch (error) {
          notify({ kind: 'snapshot-failed', reason: describeError(error) });
        }
      }
      await pool.end().catch(noop);
    },
  };
}
