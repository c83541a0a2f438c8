// `airlock ledger verify` on the PostgreSQL ledger: every row read in seq order straight from the
// table and checked as the file ledger's lines are (checksum, sequence, chain), with the type, at
// and hash columns checked against each line. Read-only; it runs beside serving nodes.

import type { VerifyOptions, VerifyResult } from '../ledger/verify.ts';
import { GENESIS_HASH } from '../ledger/record.ts';
import { createPool, databaseLabel } from './connection.ts';
import { databaseRefusal } from './refusals.ts';
import { type Queryable, readRowBatches, requireRecordsTable } from './record-rows.ts';
import { DEFAULT_SCHEMA, type PgNames, pgNames } from './schema.ts';

export interface PgVerifyOptions {
  /** Called after each page; `done` and `total` count records (the table's rows at the start). */
  readonly onProgress?: VerifyOptions['onProgress'];
}

/** Checks every record up to the last one present when it starts. */
export async function verifyPgRecords(
  db: Queryable,
  names: PgNames,
  options: PgVerifyOptions = {},
): Promise<VerifyResult> {
  const { rows } = await db.query<{ last: string | null }>(
    `SELECT max(seq) AS last FROM ${names.records}`,
  );
  const total = Number(rows[0]?.last ?? 0);
  let records = 0;
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  const batches = readRowBatches(db, names, {
    after: { seq: 0, hash: GENESIS_HASH },
    untilSeq: total,
    columns: true,
  });
  for await (const batch of batches) {
    records += batch.records.length;
    const last = batch.records.at(-1);
    if (last !== undefined) {
      lastSeq = last.seq;
      lastHash = last.hash;
    }
    options.onProgress?.(lastSeq, total);
    if (batch.bad !== undefined) {
      return { ok: false, records, lastSeq, lastHash, firstBad: batch.bad };
    }
  }
  options.onProgress?.(total, total);
  return { ok: true, records, lastSeq, lastHash };
}

export interface VerifyPgLedgerOptions extends PgVerifyOptions {
  readonly url: string;
  readonly schema?: string;
}

/** Verifies the ledger of a database without opening it as a node (no migration, no state). */
export async function verifyPgLedger(options: VerifyPgLedgerOptions): Promise<VerifyResult> {
  const names = pgNames(options.schema ?? DEFAULT_SCHEMA);
  const label = databaseLabel(options.url);
  const pool = createPool({ url: options.url, purpose: 'ledger verify', poolSize: 1 });
  pool.on('error', () => undefined); // an idle connection lost: the next query reports it
  try {
    await requireRecordsTable(pool, names, label);
    return await verifyPgRecords(pool, names, options);
  } catch (error) {
    throw databaseRefusal(label, error, { reading: true });
  } finally {
    await pool.end().catch(() => undefined);
  }
}
