// `airlock doctor`'s look at a ledger kept in PostgreSQL, read-only and without a node's
// migration: does the database answer, is its schema one this airlock knows, and a quick check of
// the rows (no seq missing, the first record and the newest few thousand checked as the file
// ledger's lines are; --full verifies every one), the time of the last record, and the vendor's
// revocations the nodes share.

import type pg from 'pg';
import { MAX_REVOCATIONS_BYTES, parseRevocationsText } from '../appliance/revocation-store.ts';
import { REVOCATIONS_DOCUMENT } from '../appliance/shared-revocations.ts';
import { GENESIS_HASH, type LedgerRecord } from '../ledger/record.ts';
import { createPool, databaseLabel, describeError } from '../ledger-pg/connection.ts';
import { MIGRATIONS } from '../ledger-pg/migrate.ts';
import { readRowBatches, type RowBatch } from '../ledger-pg/record-rows.ts';
import { DEFAULT_SCHEMA, type PgNames, pgNames } from '../ledger-pg/schema.ts';
import { readDocument } from '../ledger-pg/shared-documents.ts';
import { verifyPgRecords } from '../ledger-pg/verify.ts';
import { type DoctorFacts, vendorRevocations } from './doctor-facts.ts';
import { problemOf } from './doctor-words.ts';

/** The newest records a quick check reads (the file ledger's reads its last segment). */
export const QUICK_ROWS = 10_000;

export interface DatabaseCheck {
  readonly database: NonNullable<DoctorFacts['database']>;
  /** Read only when the database answered with a schema this airlock knows. */
  readonly ledger: DoctorFacts['ledger'];
  readonly revocations: DoctorFacts['revocations'];
  readonly lastRecordAt: number | null;
}

async function exists(db: pg.Pool, table: string): Promise<boolean> {
  const { rows } = await db.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [
    table,
  ]);
  return rows[0]?.name !== null && rows[0]?.name !== undefined;
}

/** The first bad record a batch reading stopped at, as doctor reports it. */
function badOf(batch: RowBatch): DoctorFacts['ledger'] | null {
  if (batch.bad === undefined) return null;
  const { seq, file, line, reason } = batch.bad;
  return { kind: 'bad', seq, file, line, reason };
}

async function quickCheck(
  db: pg.Pool,
  names: PgNames,
  full: boolean,
): Promise<{ ledger: DoctorFacts['ledger']; lastRecordAt: number | null }> {
  const at = (record: LedgerRecord | undefined) =>
    record === undefined ? null : Math.floor(record.at / 1000);
  if (full) {
    const verified = await verifyPgRecords(db, names);
    const last = verified.lastSeq === 0 ? undefined : await lastRecord(db, names, verified.lastSeq);
    return verified.ok
      ? {
          ledger: { kind: 'rows', records: verified.records, checked: verified.records, full },
          lastRecordAt: at(last),
        }
      : { ledger: { kind: 'bad', ...verified.firstBad! }, lastRecordAt: at(last) };
  }
  const { rows } = await db.query<{ last: string | null; count: string }>(
    `SELECT max(seq) AS last, count(*) AS count FROM ${names.records}`,
  );
  const last = Number(rows[0]?.last ?? 0);
  const count = Number(rows[0]?.count ?? 0);
  if (last === 0)
    return { ledger: { kind: 'rows', records: 0, checked: 0, full }, lastRecordAt: null };
  if (count !== last) {
    const { rows: gap } = await db.query<{ seq: string }>(
      `SELECT seq FROM (SELECT seq, lag(seq, 1, 0::bigint) OVER (ORDER BY seq) AS prev FROM ${names.records}) r ` +
        'WHERE seq <> prev + 1 ORDER BY seq LIMIT 1',
    );
    const found = Number(gap[0]?.seq ?? last);
    return {
      ledger: {
        kind: 'bad',
        seq: found,
        file: names.recordsLabel,
        line: found,
        reason: 'sequence',
      },
      lastRecordAt: null,
    };
  }
  // The first record follows the genesis hash; the newest ones follow each other.
  for await (const batch of readRowBatches(db, names, {
    after: { seq: 0, hash: GENESIS_HASH },
    untilSeq: 1,
    columns: true,
  })) {
    const bad = badOf(batch);
    if (bad !== null) return { ledger: bad, lastRecordAt: null };
  }
  const from = Math.max(1, last - QUICK_ROWS + 1);
  let newest: LedgerRecord | undefined;
  for await (const batch of readRowBatches(db, names, {
    after: { seq: from - 1, hash: from === 1 ? GENESIS_HASH : null },
    untilSeq: last,
    columns: true,
  })) {
    newest = batch.records.at(-1) ?? newest;
    const bad = badOf(batch);
    if (bad !== null) return { ledger: bad, lastRecordAt: at(newest) };
  }
  return {
    ledger: { kind: 'rows', records: last, checked: last - from + 1, full },
    lastRecordAt: at(newest),
  };
}

async function lastRecord(
  db: pg.Pool,
  names: PgNames,
  seq: number,
): Promise<LedgerRecord | undefined> {
  for await (const batch of readRowBatches(db, names, {
    after: { seq: seq - 1, hash: null },
    untilSeq: seq,
  })) {
    return batch.records[0];
  }
  return undefined;
}

async function revocationsOf(
  db: pg.Pool,
  names: PgNames,
  label: string,
): Promise<DoctorFacts['revocations']> {
  try {
    if (!(await exists(db, names.documents))) return { kind: 'none' };
    const read = await readDocument(db, names, REVOCATIONS_DOCUMENT, {
      maxBytes: MAX_REVOCATIONS_BYTES,
      label,
    });
    if (read === null) return { kind: 'none' };
    const streams = parseRevocationsText(read.text);
    if (streams === null) {
      return {
        kind: 'unreadable',
        problem: `the vendor's revocations in ${label} are not an Airlock revocations document.`,
      };
    }
    return vendorRevocations(streams);
  } catch (error) {
    return { kind: 'unreadable', problem: problemOf(error) };
  }
}

const NOT_READ = {
  ledger: { kind: 'rows', records: 0, checked: 0, full: false },
  revocations: { kind: 'none' },
  lastRecordAt: null,
} as const;

export async function checkLedgerDatabase(
  url: string,
  options: { readonly full: boolean; readonly schema?: string },
): Promise<DatabaseCheck> {
  const label = databaseLabel(url);
  const names = pgNames(options.schema ?? DEFAULT_SCHEMA);
  const pool = createPool({ url, purpose: 'airlock doctor', poolSize: 1 });
  pool.on('error', () => undefined); // an idle connection lost: the next query reports it
  try {
    let version: number | null;
    try {
      version = (await exists(pool, names.migrations))
        ? Number(
            (
              await pool.query<{ version: number }>(
                `SELECT coalesce(max(version), 0)::integer AS version FROM ${names.migrations}`,
              )
            ).rows[0]?.version ?? 0,
          )
        : null;
    } catch (error) {
      return {
        database: { label, state: { kind: 'unreachable', problem: describeError(error) } },
        ...NOT_READ,
      };
    }
    const known = MIGRATIONS.length;
    if (version === null || !(await exists(pool, names.records))) {
      return { database: { label, state: { kind: 'empty' } }, ...NOT_READ };
    }
    const database = { label, state: { kind: 'schema', version, known } } as const;
    if (version > known) return { database, ...NOT_READ };
    const [checked, revocations] = await Promise.all([
      quickCheck(pool, names, options.full).catch((error: unknown) => ({
        ledger: { kind: 'unreadable', problem: problemOf(error) } as const,
        lastRecordAt: null,
      })),
      revocationsOf(pool, names, label),
    ]);
    return { database, ...checked, revocations };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
