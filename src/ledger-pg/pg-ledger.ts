// The activation ledger on PostgreSQL, for several stateless appliance nodes sharing one database:
// the Ledger interface of src/ledger/ledger.ts, with the same records, hash chain and snapshots.
// Writers take turns under one transaction-scoped advisory lock; each node runs the works queued
// in it as one transaction (group commit) after catching up on the other nodes' records; the state
// is the reducer's, in memory, kept current by LISTEN/NOTIFY and refresh(). docs/POSTGRES.md.

import type pg from 'pg';
import { AirlockError } from '../core/errors.ts';
import type { Ledger, LedgerNotice } from '../ledger/ledger.ts';
import type { EncodedRecord, LedgerRecord } from '../ledger/record.ts';
import type { Reducer } from '../ledger/replay.ts';
import { Availability } from './availability.ts';
import { coalesced } from './coalesce.ts';
import {
  clientConfig,
  createPool,
  databaseLabel,
  isConnectionError,
  type PgConnectionOptions,
  positive,
} from './connection.ts';
import { startListener } from './listener.ts';
import { loadState } from './load-state.ts';
import { migrate } from './migrate.ts';
import { type CatchUpRows, HistoryChanged, NodeState } from './node-state.ts';
import { readRecentRows } from './recent.ts';
import { type Queryable, readRows } from './record-rows.ts';
import { closedRefusal, copyRefusal, databaseRefusal, reloadingRefusal } from './refusals.ts';
import { DEFAULT_SCHEMA, pgNames } from './schema.ts';
import { SnapshotWriter } from './snapshot-writer.ts';
import { beginTurn, commitTurn, mayHaveCommitted } from './turn.ts';
import { verifyPgRecords } from './verify.ts';
import { appendInWork, type Job, runWork, type WorkContext } from './works.ts';

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

const noop = () => undefined;

export async function openPgLedger<S>(options: PgLedgerOptions<S>): Promise<PgLedger<S>> {
  const { reducer } = options;
  const snapshotEvery = positive(options.snapshotEvery, 50_000, 'snapshotEvery');
  const probeIntervalMs = positive(options.probeIntervalMs, 1000, 'probeIntervalMs');
  const maxBatch = positive(options.maxBatch, 256, 'maxBatch');
  const names = pgNames(options.schema ?? DEFAULT_SCHEMA);
  const label = databaseLabel(options.url);
  const notify = options.onNotice ?? noop;
  const now = options.now ?? Date.now;
  const config = clientConfig(options);

  const pool = createPool(options);
  pool.on('error', noop); // an idle connection broke: the pool drops it (and see below)
  let loaded;
  try {
    await migrate(pool, names);
    loaded = await loadState(pool, names, reducer);
  } catch (error) {
    await pool.end().catch(noop);
    throw error instanceof TypeError ? error : databaseRefusal(label, error, { reading: true });
  }
  if (loaded.snapshotIgnored !== null) {
    notify({ kind: 'snapshot-ignored', reason: loaded.snapshotIgnored });
  }

  const node = new NodeState(reducer, names, loaded);
  let closed = false;
  const busy = new Set<Promise<void>>(); // reload, probe, snapshot
  const track = (work: Promise<void>): Promise<void> => {
    const tracked = work.finally(() => busy.delete(tracked));
    busy.add(tracked);
    return tracked;
  };
  /** Turns, checkpoints and reloads run one at a time, in order: "the lane". */
  let lane: Promise<void> = Promise.resolve();
  const inLane = <T>(step: () => Promise<T>): Promise<T> => {
    const run = lane.then(step);
    lane = run.then(noop, noop);
    return run;
  };
  const availability: Availability = new Availability({
    now,
    intervalMs: probeIntervalMs,
    notify,
    track,
    probe: () => probe().catch((error: unknown) => Promise.reject(databaseRefusal(label, error))),
  });
  // An idle connection that breaks (the server restarted) is dropped by the pool; look at once.
  pool.on('error', () => void availability.probe());
  const snapshots = new SnapshotWriter(
    { db: pool, names, reducer, every: snapshotEvery, now, notify, track, label },
    loaded.snapshotSeq,
  );

  /** A fresh refusal for each call refused while closed, unavailable or reloading. */
  function unavailable(): AirlockError {
    if (closed) return closedRefusal(label);
    if (availability.failure !== null) return copyRefusal(availability.failure);
    return reloadingRefusal(label);
  }

  /** A failure of the database: a connection failure (or damage) makes this node unavailable. */
  function failed(
    error: unknown,
    how: { readonly outcomeUnknown?: boolean; readonly reading?: boolean } = {},
  ): AirlockError {
    const refusal = databaseRefusal(label, error, how);
    if (isConnectionError(error) || refusal.code === 'LEDGER_CORRUPT') {
      availability.markUnavailable(refusal);
    }
    return refusal;
  }

  // ---- reading the database into the state --------------------------------------------------

  let reloading: Promise<void> | null = null;
  /**
   * Reads the state again from the database (it holds records that were not committed). Only in
   * the lane, where no turn is between running its works and committing them.
   */
  function reload(): Promise<void> {
    reloading ??= track(
      loadState(pool, names, reducer)
        .then((fresh) => node.replace(fresh))
        .finally(() => (reloading = null)),
    );
    return reloading;
  }
  const reloadInLane = () => inLane(reload);

  /**
   * Catching up (from `first`, a page already read), and on finding another history (a restore),
   * reading it all again first.
   */
  async function catchUp(
    db: Queryable,
    reloader: () => Promise<void>,
    first?: CatchUpRows,
  ): Promise<void> {
    try {
      await node.catchUp(db, first);
    } catch (error) {
      if (!(error instanceof HistoryChanged)) throw error;
      notify({ kind: 'reloading', reason: `the database changed: ${error.message}` });
      node.mustReload = true;
      await reloader();
      await node.catchUp(db);
    }
  }

  /** Can this node write again: a writable server (not a standby), the state current. */
  async function probe(): Promise<void> {
    const { rows } = await pool.query<{ readonly: string }>(
      "SELECT current_setting('transaction_read_only') AS readonly",
    );
    if (rows[0]?.readonly === 'on') {
      throw Object.assign(new Error('the database is read-only (a standby?)'), { code: '25006' });
    }
    if (node.mustReload) await reloadInLane();
    await catchUp(pool, reloadInLane);
  }

  const refreshOnce = coalesced(async () => {
    try {
      if (node.mustReload || reloading !== null) await reloadInLane();
      await catchUp(pool, reloadInLane);
    } catch (error) {
      throw failed(error);
    }
  });

  function refusedWhileDown(): Promise<never> | null {
    if (closed) return Promise.reject(unavailable());
    if (availability.available) return null;
    availability.maybeProbe();
    return Promise.reject(unavailable());
  }

  // ---- writing: the queued works, one turn at a time ----------------------------------------

  let queue: Job[] = [];
  let flushing: Promise<void> | null = null;
  let context: WorkContext | null = null;
  /** Settles a turn that marked the state for reloading, once it has reloaded it. */
  let reloaded: (() => void) | null = null;

  /** The state holds records that will not (or may not) be committed: read it again first. */
  function reloadDue(): void {
    node.mustReload = true;
    if (reloaded === null) void track(new Promise<void>((resolve) => (reloaded = resolve)));
  }

  function schedule(): void {
    if (flushing !== null || queue.length === 0) return;
    const batch: Job[] = []; // taken when the lane reaches it, with every work queued by then
    flushing = inLane(async () => {
      batch.push(...queue.splice(0, maxBatch));
      try {
        await runTurn(batch);
      } catch (error) {
        for (const job of batch) job.reject(error); // not expected; settled jobs ignore it
      } finally {
        reloaded?.();
        reloaded = null;
      }
    }).finally(() => {
      flushing = null;
      schedule();
    });
  }

  async function runTurn(batch: readonly Job[]): Promise<void> {
    if (node.mustReload) await reload().catch((error: unknown) => void failed(error));
    if (!availability.available || node.mustReload) {
      for (const job of batch) job.reject(unavailable());
      availability.maybeProbe();
      return;
    }
    let client: pg.PoolClient;
    try {
      client = await beginTurn(pool, names, () => {
        const page = node.nextPage();
        return { page, apply: (c, rows) => catchUp(c, reload, { page, rows }) };
      });
    } catch (error) {
      for (const job of batch) job.reject(failed(error));
      return;
    }

    // The works, in order, on the caught-up state. One that throws after appending has changed
    // the state: the works before it are committed, the state is read again from the database,
    // and the works after it wait for the next turn.
    const done: Array<{ job: Job; value: unknown }> = [];
    const records: EncodedRecord[] = [];
    let rest: Job[] = [];
    for (const [i, job] of batch.entries()) {
      const outcome = runWork(job, node.head, (c) => (context = c));
      if (outcome.ok) {
        node.head = outcome.context.head;
        records.push(...outcome.context.records);
        done.push({ job, value: outcome.value });
        continue;
      }
      if (outcome.context.records.length > 0) {
        reloadDue(); // before the rejection is seen: `state` is not readable until reloaded
        rest = batch.slice(i + 1);
      }
      job.reject(outcome.error);
      if (rest.length > 0 || node.mustReload) break;
    }

    // Insert, announce, commit (one round trip); acknowledge only once COMMIT has returned.
    try {
      await commitTurn(client, names, records);
    } catch (error) {
      client.release(true);
      if (records.length > 0) reloadDue(); // committed or not: the database will say
      const refusal = failed(error, { outcomeUnknown: mayHaveCommitted(error) });
      for (const { job } of done) job.reject(copyRefusal(refusal));
      queue = [...rest, ...queue];
      if (availability.available) await reload().catch(noop);
      return;
    }
    client.release();
    if (!node.mustReload) node.committed = node.head;
    for (const { job, value } of done) job.resolve(value);
    queue = [...rest, ...queue];
    if (node.mustReload) await reload().catch((error: unknown) => void failed(error));
    else await snapshots.afterCommit(node);
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
    const refused = refusedWhileDown();
    if (refused !== null) return refused;
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
  }

  // ---- the other nodes' commits ------------------------------------------------------------

  const listener = startListener({
    config,
    channel: names.channel,
    retryMs: probeIntervalMs,
    onNotify(payload) {
      if (Number(payload) > node.head.seq && availability.available) {
        void refreshOnce().catch(noop);
      }
    },
    onConnected() {
      // Whatever was committed while not listening.
      if (availability.available) void refreshOnce().catch(noop);
      else void availability.probe();
    },
    onLost() {
      void availability.probe();
    },
  });

  /** A read's failure: damage and misuse as they are, a lost database as LEDGER_UNAVAILABLE. */
  function readFailure(error: unknown): unknown {
    return error instanceof AirlockError || error instanceof TypeError
      ? error
      : failed(error, { reading: true });
  }

  async function reading<T>(read: () => Promise<T>): Promise<T> {
    if (closed) throw unavailable();
    try {
      return await read();
    } catch (error) {
      throw readFailure(error);
    }
  }

  async function* records(fromSeq: number): AsyncGenerator<LedgerRecord> {
    if (closed) throw unavailable();
    try {
      yield* readRows(pool, names, fromSeq);
    } catch (error) {
      throw readFailure(error);
    }
  }

  async function settle(): Promise<void> {
    while (busy.size > 0) await Promise.allSettled([...busy]);
  }

  return {
    database: label,
    get state() {
      if (node.mustReload || reloading !== null) throw unavailable();
      return node.state;
    },
    get head() {
      const current = context?.head ?? node.head;
      return { seq: current.seq, hash: current.hash };
    },
    get available() {
      return availability.available;
    },
    opened: { snapshotSeq: loaded.snapshotSeq, replayed: loaded.replayed },
    append(type, data, at) {
      const current = context;
      if (current === null) {
        return transact(() => appendInWork(node, reducer, context!, { type, data, at }));
      }
      try {
        return Promise.resolve(appendInWork(node, reducer, current, { type, data, at }));
      } catch (error) {
        // The work goes on unaware; it fails as a whole when it returns.
        current.failed ??= { error };
        const refused = Promise.reject(error);
        refused.catch(noop);
        return refused;
      }
    },
    transact,
    refresh: () => refusedWhileDown() ?? refreshOnce(),
    records: (fromSeq = 1) => records(fromSeq),
    verify: (verifyOptions = {}) => reading(() => verifyPgRecords(pool, names, verifyOptions)),
    recent: (recentOptions) => reading(() => readRecentRows(pool, names, recentOptions)),
    checkpoint() {
      return inLane(async () => {
        if (closed || !availability.available) throw unavailable();
        if (node.mustReload)
          await reload().catch((error: unknown) => Promise.reject(failed(error)));
        try {
          return await snapshots.checkpoint(node);
        } catch (error) {
          const cause = (error as { cause?: unknown }).cause;
          if (isConnectionError(cause)) failed(cause);
          throw error;
        }
      });
    },
    settle,
    async close() {
      if (closed) return;
      closed = true;
      availability.close();
      // Works already queued are committed; new ones are refused.
      while (flushing !== null) await flushing;
      await inLane(async () => undefined);
      await settle();
      await listener.close();
      if (availability.available) await snapshots.final(node);
      await pool.end().catch(noop);
    },
  };
}
