// A node's turn at writing, in SQL: a transaction that takes the writers' advisory lock (released
// by its COMMIT or ROLLBACK, or by the loss of its connection), and the one statement that inserts
// the turn's records and announces the new head to the other nodes (sent on COMMIT).

import type pg from 'pg';
import type { EncodedRecord } from '../ledger/record.ts';
import { checkOut, isConnectionError } from './connection.ts';
import type { PgNames } from './schema.ts';

/** Tries at beginning a turn when a pooled connection turns out to be dead (a restart). */
const ATTEMPTS = 3;

/**
 * Begins a transaction holding the writers' lock, then runs `then` in it (catching up). Nothing
 * has been decided yet, so a dead pooled connection is replaced and the turn begun again.
 */
export async function beginTurn(
  pool: pg.Pool,
  names: PgNames,
  then: (client: pg.PoolClient) => Promise<void>,
): Promise<pg.PoolClient> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient | null = null;
    try {
      client = await checkOut(pool);
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${names.writerLock})`);
      await then(client);
      return client;
    } catch (error) {
      client?.release(true); // the server rolls back a transaction whose connection is gone
      if (!isConnectionError(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** Inserts the records (exact lines, and the columns for queries) and notifies `headSeq`. */
export async function insertRecords(
  client: pg.PoolClient,
  names: PgNames,
  records: readonly EncodedRecord[],
  headSeq: number,
): Promise<void> {
  await client.query(
    `WITH inserted AS (INSERT INTO ${names.records} (seq, line, type, at, hash) ` +
      'SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])) ' +
      'SELECT pg_notify($6, $7)',
    [
      records.map((e) => e.record.seq),
      records.map((e) => e.line.toString('utf8', 0, e.line.length - 1)), // without its newline
      records.map((e) => e.record.type),
      records.map((e) => e.record.at),
      records.map((e) => e.record.hash),
      names.channel,
      String(headSeq),
    ],
  );
}
