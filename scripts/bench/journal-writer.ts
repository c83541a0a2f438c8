// Benchmark fixture: a valid journal of many records written straight into segment files (no
// fsync per record), rotating as the journal does, with the ledger's own encoder, and a snapshot
// made by the reducer `lag` records before the end. Building a million records takes seconds.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Reducer } from '../../src/ledger/ledger.ts';
import { EMPTY_CHAIN, encodeLine, type LedgerRecord } from '../../src/ledger/record.ts';
import { journalDirectory, segmentFileName } from '../../src/ledger/segments.ts';
import { snapshotText, writeSnapshot } from '../../src/ledger/snapshot.ts';

/** The journal's own segment size. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
const FLUSH_BYTES = 4 * 1024 * 1024;

export interface FixtureRecord {
  /** Unix milliseconds. */
  readonly at: number;
  readonly type: string;
  readonly data: object;
}

/** Writes records 1…count of `recordAt(seq)`; returns the snapshot's seq (null when none). */
export async function writeJournal<S>(
  ledgerDir: string,
  count: number,
  lag: number,
  reducer: Reducer<S>,
  recordAt: (seq: number) => FixtureRecord,
): Promise<number | null> {
  mkdirSync(journalDirectory(ledgerDir), { recursive: true });
  let head = EMPTY_CHAIN;
  let state = reducer.initial();
  let fd = -1;
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    writeSync(fd, Buffer.concat(pending));
    pending = [];
    pendingBytes = 0;
  };
  let snapshotSeq: number | null = null;
  for (let seq = 1; seq <= count; seq++) {
    const { at, type, data } = recordAt(seq);
    const { line, head: next } = encodeLine(head, at, type, data);
    if (fd < 0 || (size > 0 && size + line.length > SEGMENT_BYTES)) {
      if (fd >= 0) {
        flush();
        closeSync(fd);
      }
      fd = openSync(join(journalDirectory(ledgerDir), segmentFileName(seq)), 'w');
      size = 0;
    }
    pending.push(line);
    pendingBytes += line.length;
    size += line.length;
    if (pendingBytes > FLUSH_BYTES) flush();
    // Reducers read only type and data; the rest of the record is the ledger's.
    const record = { seq, prev: head.hash, at, type, data, hash: next.hash };
    state = reducer.apply(state, record as unknown as LedgerRecord);
    head = next;
    if (seq === count - lag) {
      await writeSnapshot(ledgerDir, snapshotText(seq, next.hash, reducer.serialise(state)));
      snapshotSeq = seq;
    }
  }
  flush();
  closeSync(fd);
  return snapshotSeq;
}
