// The ledger's rows read back as records: each row's line checked by record.ts's parser exactly as
// a journal line is (length, checksum, fields, sequence, chain), a page at a time in seq order,
// and the LEDGER_CORRUPT error that names the first bad row.

import type pg from 'pg';
import { AirlockError } from '../core/errors.ts';
import type { BadRecord } from '../ledger/reader.ts';
import {
  describeReason,
  type Expected,
  GENESIS_HASH,
  type LedgerRecord,
  parseRecordLine,
  type ParseResult,
} from '../ledger/record.ts';
import type { PgNames } from './schema.ts';

/** A pool or one of its clients. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** bigint columns arrive as decimal text. */
export interface RecordRow {
  readonly seq: string;
  readonly line: string;
  /** The copies for queries, when selected (verify checks them against the line). */
  readonly type?: string;
  readonly at?: string;
  readonly hash?: string;
}

export const PAGE_ROWS = 2000;

/** Checks one row's line against the record before it, and its columns against its line. */
export function checkRow(row: RecordRow, expected: Expected): ParseResult {
  const result = parseRecordLine(Buffer.from(row.line, 'utf8'), expected);
  if (!result.ok) return result;
  const { record } = result;
  if (record.seq !== Number(row.seq)) return { ok: false, reason: 'sequence' };
  if (
    (row.type !== undefined && row.type !== record.type) ||
    (row.at !== undefined && Number(row.at) !== record.at) ||
    (row.hash !== undefined && row.hash !== record.hash)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  return result;
}

/** The hash of the record in `row` when its line is a sound record `seq`, else null. */
export function hashAt(row: RecordRow, seq: number): string | null {
  const checked = checkRow(row, { seq: seq - 1, hash: null });
  return checked.ok ? checked.record.hash : null;
}

/** Refuses a database without the records table (FILE_NOT_FOUND), for readers that do not migrate. */
export async function requireRecordsTable(
  db: Queryable,
  names: PgNames,
  label: string,
): Promise<void> {
  const { rows } = await db.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [
    names.records,
  ]);
  if (rows[0]?.name === null) {
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `The database at ${label} holds no Airlock ledger (no table ${names.recordsLabel}).`,
      { database: label },
    );
  }
}

/** Rows after `afterSeq`, oldest first. */
async function fetchRows(
  db: Queryable,
  names: PgNames,
  afterSeq: number,
  limit: number,
  columns = false,
): Promise<RecordRow[]> {
  const select = columns ? 'seq, line, type, at, hash' : 'seq, line';
  const { rows } = await db.query<RecordRow>(
    `SELECT ${select} FROM ${names.records} WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [afterSeq, limit],
  );
  return rows;
}

/** Where a bad record is, for people: `file` is the table, `line` the seq of the row found. */
export function badRow(
  names: PgNames,
  expected: Expected,
  row: RecordRow,
  reason: BadRecord['reason'],
): BadRecord {
  return { seq: expected.seq + 1, file: names.recordsLabel, line: Number(row.seq), reason };
}

export function corruptionError(bad: BadRecord): AirlockError {
  return new AirlockError(
    'LEDGER_CORRUPT',
    `The ledger database is damaged: record ${bad.seq} (row ${bad.line} of ${bad.file}) ${describeReason(bad.reason)}. ` +
      'Restore the database from a backup; `airlock ledger verify` shows the damage.',
    { seq: bad.seq, file: bad.file, line: bad.line, reason: bad.reason },
  );
}

export interface RowBatch {
  readonly records: readonly LedgerRecord[];
  /** Set on the last batch when reading stopped at a bad record. */
  readonly bad?: BadRecord;
}

export interface ReadRowsOptions {
  /** The record before the first one wanted (hash null: unknown, when reading from the middle). */
  readonly after: Expected;
  /** Stop after this record. */
  readonly untilSeq?: number;
  /** Also check the type, at and hash columns against each line. */
  readonly columns?: boolean;
}

/** Records after `after`, in pages, checked; reading stops at the first bad one (not thrown). */
export async function* readRowBatches(
  db: Queryable,
  names: PgNames,
  options: ReadRowsOptions,
): AsyncGenerator<RowBatch> {
  let expected = options.after;
  const untilSeq = options.untilSeq ?? Number.MAX_SAFE_INTEGER;
  while (expected.seq < untilSeq) {
    const limit = Math.min(PAGE_ROWS, untilSeq - expected.seq);
    const rows = await fetchRows(db, names, expected.seq, limit, options.columns ?? false);
    const records: LedgerRecord[] = [];
    for (const row of rows) {
      const result = checkRow(row, expected);
      if (!result.ok) {
        yield { records, bad: badRow(names, expected, row, result.reason) };
        return;
      }
      records.push(result.record);
      expected = result.record;
    }
    if (records.length > 0) yield { records };
    if (rows.length < limit) return;
  }
}

/** The records from `fromSeq` on, one by one; damage throws LEDGER_CORRUPT naming the record. */
export async function* readRows(
  db: Queryable,
  names: PgNames,
  fromSeq: number,
): AsyncGenerator<LedgerRecord> {
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
    throw new TypeError('fromSeq must be a positive integer');
  }
  const after = { seq: fromSeq - 1, hash: fromSeq === 1 ? GENESIS_HASH : null };
  for await (const batch of readRowBatches(db, names, { after })) {
    yield* batch.records;
    if (batch.bad !== undefined) throw corruptionError(batch.bad);
  }
}
