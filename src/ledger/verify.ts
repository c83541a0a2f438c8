// `airlock ledger verify`: reads every segment of a ledger's journal, streaming, and checks each
// checksum, the sequence and the hash chain across files. Read-only: no lock, no repair.

import { stat } from 'node:fs/promises';
import { AirlockError } from '../core/errors.ts';
import { errorCode } from '../node/atomic-file.ts';
import { type BadRecord, readRecordBatches } from './reader.ts';
import { GENESIS_HASH } from './record.ts';
import { journalDirectory, listSegments } from './segments.ts';

export interface VerifyOptions {
  /** Called as segments are read; `done` and `total` count bytes of the journal's files. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stop after this record: a running appliance verifies only what it has made durable. */
  readonly untilSeq?: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Records that passed every check, from the first on. */
  readonly records: number;
  /** The last good record (0 and 64 zeros for an empty journal). */
  readonly lastSeq: number;
  readonly lastHash: string;
  /** The first record that fails; a torn tail is reported here too (the journal was not repaired). */
  readonly firstBad?: BadRecord;
}

export async function verifyLedger(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const journalDir = journalDirectory(dir);
  const segments = await listSegments(journalDir).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
    throw new AirlockError('FILE_NOT_FOUND', `There is no ledger journal in ${dir}.`, {
      path: journalDir,
    });
  });
  let total = 0;
  for (const segment of segments) total += (await stat(segment.path)).size;

  let records = 0;
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  const readOptions =
    options.untilSeq === undefined ? { fromSeq: 1 } : { fromSeq: 1, untilSeq: options.untilSeq };
  for await (const batch of readRecordBatches(segments, readOptions)) {
    records += batch.records.length;
    const last = batch.records.at(-1);
    if (last !== undefined) {
      lastSeq = last.seq;
      lastHash = last.hash;
    }
    options.onProgress?.(batch.bytesRead, total);
    if (batch.bad !== undefined) {
      return { ok: false, records, lastSeq, lastHash, firstBad: batch.bad };
    }
  }
  return { ok: true, records, lastSeq, lastHash };
}
