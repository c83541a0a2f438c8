// The newest records of the PostgreSQL ledger, a page at a time going backwards (newest first),
// as src/ledger/recent.ts pages the journal: one indexed query per page, each line checked.

import type { RecentOptions, RecentPage } from '../ledger/recent.ts';
import { GENESIS_HASH, type LedgerRecord } from '../ledger/record.ts';
import {
  badRow,
  checkRow,
  corruptionError,
  type Queryable,
  type RecordRow,
} from './record-rows.ts';
import type { PgNames } from './schema.ts';

/** Records `before - limit` … `before - 1`; damage in them throws LEDGER_CORRUPT. */
export async function readRecentRows(
  db: Queryable,
  names: PgNames,
  options: RecentOptions,
): Promise<RecentPage> {
  const { limit } = options;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('limit must be positive');
  const before = options.before ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(before) || before < 1) throw new TypeError('before must be positive');
  if (before === 1) return { records: [], nextBefore: null };
  const { rows } = await db.query<RecordRow>(
    `SELECT seq, line FROM ${names.records} WHERE seq < $1 ORDER BY seq DESC LIMIT $2`,
    [before, limit],
  );
  rows.reverse();
  const first = rows[0];
  if (first === undefined) return { records: [], nextBefore: null };
  const firstSeq = Number(first.seq);
  // The page is checked as a run of records: each one follows the one before it.
  let expected = { seq: firstSeq - 1, hash: firstSeq === 1 ? GENESIS_HASH : null };
  const records: LedgerRecord[] = [];
  for (const row of rows) {
    const result = checkRow(row, expected);
    if (!result.ok) throw corruptionError(badRow(names, expected, row, result.reason));
    records.push(result.record);
    expected = result.record;
  }
  return { records: records.reverse(), nextBefore: firstSeq > 1 ? firstSeq : null };
}
