// A quick look at the ledger for `airlock doctor`, lock-free like `ledger verify`: each earlier
// segment's first and last records (checksums, sequence, and the hash chain across files), and
// every record of the last segment, where a crash or a damaged disk shows first. --full verifies all.

import { open } from 'node:fs/promises';
import type { DoctorFacts } from './doctor-facts.ts';
import { readRecordBatches } from '../ledger/reader.ts';
import {
  type BadRecordReason,
  GENESIS_HASH,
  type LedgerRecord,
  MAX_LINE_BYTES,
  parseRecordLine,
} from '../ledger/record.ts';
import { readLastLine, type Segment } from '../ledger/segments.ts';
import { listJournal } from './journal-copy.ts';

export interface QuickCheck {
  readonly result: DoctorFacts['ledger'];
  /** Unix seconds of the last whole record; null for an empty ledger. */
  readonly lastRecordAt: number | null;
}

async function firstLine(path: string): Promise<Buffer | null> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_LINE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return end < 0 ? null : buffer.subarray(0, end);
  } finally {
    await handle.close();
  }
}

const bad = (seq: number, file: string, line: number, reason: BadRecordReason): QuickCheck => ({
  result: { kind: 'bad', seq, file, line, reason },
  lastRecordAt: null,
});

/** The earlier segments' ends: returns the hash the last segment's first record must follow. */
async function checkBoundaries(segments: readonly Segment[]): Promise<QuickCheck | string> {
  let previous = GENESIS_HASH;
  for (let i = 0; i < segments.length - 1; i++) {
    const { firstSeq, path } = segments[i]!;
    const lastSeq = segments[i + 1]!.firstSeq - 1;
    const first = await firstLine(path);
    const head =
      first === null ? null : parseRecordLine(first, { seq: firstSeq - 1, hash: previous });
    if (head === null || !head.ok) return bad(firstSeq, path, 1, head?.reason ?? 'torn');
    const last = await readLastLine(path);
    const tail =
      last === null ? null : parseRecordLine(last.bytes, { seq: lastSeq - 1, hash: null });
    if (tail === null || !tail.ok)
      return bad(lastSeq, path, lastSeq - firstSeq + 1, tail?.reason ?? 'torn');
    if (lastSeq === firstSeq && tail.record.hash !== head.record.hash) {
      return bad(lastSeq, path, 1, 'chain');
    }
    previous = tail.record.hash;
  }
  return previous;
}

export async function quickCheckLedger(ledgerDir: string, full: boolean): Promise<QuickCheck> {
  const segments = await listJournal(ledgerDir);
  if (segments.length === 0) {
    return { result: { kind: 'ok', records: 0, segments: 0, full }, lastRecordAt: null };
  }
  let expectedPrev: string | null = GENESIS_HASH;
  let from = 1;
  if (!full) {
    const boundaries = await checkBoundaries(segments);
    if (typeof boundaries !== 'string') return boundaries;
    expectedPrev = boundaries;
    from = segments.at(-1)!.firstSeq;
  }
  let last: LedgerRecord | null = null;
  const reading = full ? segments : [segments.at(-1)!];
  for await (const batch of readRecordBatches(reading, { fromSeq: from })) {
    for (const record of batch.records) {
      if (last === null && expectedPrev !== null && record.prev !== expectedPrev) {
        return bad(record.seq, reading[0]!.path, 1, 'chain');
      }
      last = record;
    }
    if (batch.bad !== undefined) {
      const lastRecordAt = last === null ? null : Math.floor(last.at / 1000);
      if (batch.bad.reason === 'torn') {
        const records = batch.bad.seq - 1;
        return { result: { kind: 'torn', records, file: batch.bad.file }, lastRecordAt };
      }
      const { seq, file, line, reason } = batch.bad;
      return { result: { kind: 'bad', seq, file, line, reason }, lastRecordAt };
    }
  }
  const records = last?.seq ?? segments.at(-1)!.firstSeq - 1;
  return {
    result: { kind: 'ok', records, segments: segments.length, full },
    lastRecordAt: last === null ? null : Math.floor(last.at / 1000),
  };
}
