// The newest records of a journal, a page at a time going backwards, for an administrator looking
// at what was recorded last: reads only the segments that hold the page, not the whole journal.

import { readRecords } from './reader.ts';
import type { LedgerRecord } from './record.ts';
import { journalDirectory, listSegments } from './segments.ts';

export interface RecentOptions {
  /** At most this many records (a positive integer). */
  readonly limit: number;
  /** Only records before this seq (default: up to the newest). */
  readonly before?: number;
}

export interface RecentPage {
  /** Newest first. */
  readonly records: readonly LedgerRecord[];
  /** `before` for the page of older records, or null when this page reaches the first record. */
  readonly nextBefore: number | null;
}

/**
 * Records `before - limit` … `before - 1`, none after `untilSeq` (what is durable). Damage in
 * the records read throws LEDGER_CORRUPT, as everywhere else the journal is read.
 */
export async function readRecent(
  dir: string,
  options: RecentOptions & { readonly untilSeq: number },
): Promise<RecentPage> {
  const { limit, untilSeq } = options;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('limit must be positive');
  const before = options.before ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(before) || before < 1) throw new TypeError('before must be positive');
  const last = Math.min(before - 1, untilSeq);
  if (last < 1) return { records: [], nextBefore: null };
  const fromSeq = Math.max(1, last - limit + 1);
  const segments = await listSegments(journalDirectory(dir));
  const records: LedgerRecord[] = [];
  for await (const record of readRecords(segments, { fromSeq, untilSeq: last })) {
    records.push(record);
  }
  return { records: records.reverse(), nextBefore: fromSeq > 1 ? fromSeq : null };
}
