// Moving a ledger from one store to another (a data directory's journal, a PostgreSQL database)
// record by record: each record is appended to the empty target exactly as it was (same time,
// type and data, so the same line and hash), and the target's chain must come out identical.

import { AirlockError } from '../core/errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { ChainHead, LedgerRecord } from '../ledger/record.ts';

/** Records appended per transaction of the target. */
const BATCH = 1000;

export interface CopyOptions {
  /** Records copied so far, and the source's count when known. */
  readonly onProgress?: (done: number, total: number) => void;
  /** The number of records the source holds (for progress), when known. */
  readonly total?: number;
}

/**
 * Appends every record of `source` (read in order from the first) to the empty `target`, and
 * checks that each batch ends on the source's hash, then verifies the target as it was stored.
 * Refuses a target that holds records (LEDGER_NOT_EMPTY); a chain that comes out different, or
 * does not verify, is LEDGER_CORRUPT.
 */
export async function copyLedger(
  source: AsyncIterable<LedgerRecord>,
  target: Ledger<unknown>,
  options: CopyOptions = {},
): Promise<ChainHead> {
  if (target.head.seq !== 0) {
    throw new AirlockError(
      'LEDGER_NOT_EMPTY',
      `The target ledger already holds ${target.head.seq} records; a ledger is moved only into an empty one.`,
    );
  }
  let batch: LedgerRecord[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    await target.transact(() => {
      for (const r of records) void target.append(r.type, r.data, r.at);
    });
    const last = records.at(-1)!;
    if (target.head.seq !== last.seq || target.head.hash !== last.hash) {
      throw new AirlockError(
        'LEDGER_CORRUPT',
        `Record ${last.seq} came out of the copy with another hash than in the source: the source's records are not as they were written. Nothing was acknowledged from the target; empty it before trying again.`,
        { seq: last.seq },
      );
    }
    done += records.length;
    options.onProgress?.(done, Math.max(done, options.total ?? done));
  };
  for await (const record of source) {
    batch.push(record);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  const head = { seq: target.head.seq, hash: target.head.hash };
  const stored = await target.verify();
  if (!stored.ok || stored.lastSeq !== head.seq || stored.lastHash !== head.hash) {
    throw new AirlockError(
      'LEDGER_CORRUPT',
      `The copy does not verify as stored (it ends at record ${stored.lastSeq}, not ${head.seq}): empty the target before trying again.`,
      { seq: stored.lastSeq },
    );
  }
  return head;
}
