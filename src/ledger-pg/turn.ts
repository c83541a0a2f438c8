// A node's turn at writing, in SQL and in two round trips while the writers' advisory lock is held:
// BEGIN, the lock and the first page of catch-up sent together; then the turn's records inserted,
// the new head announced to the other nodes (NOTIFY, sent on COMMIT) and COMMIT, sent together.
// The lock is released by COMMIT or ROLLBACK, or by the loss of the connection.

import pg from 'pg';
import type { EncodedRecord } from '../ledger/record.ts';
import { checkOut, isConnectionError } from './connection.ts';
import type { CatchUpPage } from './node-state.ts';
import type { RecordRow } from './record-rows.ts';
import type { PgNames } from './schema.ts';

/** Tries at beginning a turn when a pooled connection turns out to be dead (a restart). */
const ATTEMPTS = 3;

/** A turn's catch-up: its first page read with the lock, the rest by `apply` on the client. */
export interface TurnCatchUp {
  readonly page: CatchUpPage;
  apply(client: pg.PoolClient, rows: readonly RecordRow[]): Promise<void>;
}

/**
 * Begins a transaction holding the writers' lock and catches up in it. One query string of three
 * statements (the simple query protocol): the page is read by a statement that starts after the
 * lock was granted, so under READ COMMITTED it sees every commit made before (the previous holder
 * committed before releasing the lock). Nothing has been decided yet, so a dead pooled connection
 * is replaced and the turn begun again.
 */
export async function beginTurn(
  pool: pg.Pool,
  names: PgNames,
  catchUp: () => TurnCatchUp,
): Promise<pg.PoolClient> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient | null = null;
    try {
      client = await checkOut(pool);
      const step = catchUp();
      const results = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${names.writerLock}); ${step.page.sql}`,
      )) as unknown as ReadonlyArray<pg.QueryResult<RecordRow>>;
      await step.apply(client, results[2]!.rows);
      return client;
    } catch (error) {
      client?.release(true); // the server rolls back a transaction whose connection is gone
      if (!isConnectionError(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${value} is not a safe integer`);
  return String(value);
}

/**
 * Inserts the records (exact lines, and the columns for queries), notifies the new head's seq and
 * commits: one query string of three statements, so one round trip. The simple query protocol
 * takes no parameters: the values are quoted literals (pg's escapeLiteral; integers checked).
 * Without records, only COMMIT.
 */
export async function commitTurn(
  client: pg.PoolClient,
  names: PgNames,
  records: readonly EncodedRecord[],
): Promise<void> {
  const last = records.at(-1);
  if (last === undefined) {
    await client.query('COMMIT');
    return;
  }
  const quote = pg.escapeLiteral;
  const values = records.map(
    ({ record, line }) =>
      `(${integer(record.seq)}, ${quote(line.toString('utf8', 0, line.length - 1))}, ` + // without its newline
      `${quote(record.type)}, ${integer(record.at)}, ${quote(record.hash)})`,
  );
  await client.query(
    `INSERT INTO ${names.records} (seq, line, type, at, hash) VALUES ${values.join(', ')}; ` +
      `SELECT pg_notify(${quote(names.channel)}, '${integer(last.record.seq)}'); COMMIT`,
  );
}

/**
 * Whether a failed commitTurn may have committed. An error the server answered (severity ERROR)
 * aborted the transaction, so its COMMIT, if reached, rolled back; a connection lost (or a server
 * failing harder, or a severity in another language) after the query was sent leaves it unknown.
 */
export function mayHaveCommitted(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  return !(error instanceof pg.DatabaseError && error.severity === 'ERROR');
}
