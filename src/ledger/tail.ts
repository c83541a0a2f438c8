// Crash recovery when a journal opens: finds where the chain ends, and cuts a torn last record
// (a write the crash interrupted, never acknowledged) so that appending can resume after it.

import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { errorCode } from '../node/atomic-file.ts';
import type { JournalFileOps } from './file-ops.ts';
import { corruptionError } from './reader.ts';
import {
  type BadRecordReason,
  type ChainHead,
  EMPTY_CHAIN,
  type Expected,
  MAX_LINE_BYTES,
  parseRecordLine,
} from './record.ts';
import {
  journalDirectory,
  listSegments,
  lineShape,
  readLastLine,
  readRange,
  type Segment,
  segmentFileName,
} from './segments.ts';

/** What was cut from the end of the journal on open. */
export interface RecoveredTail {
  readonly file: string;
  readonly cutBytes: number;
  /** The first sequence number no longer in the journal (the cut record's, had it been whole). */
  readonly atSeq: number;
  readonly reason: BadRecordReason;
}

export interface JournalTail {
  readonly segments: Segment[];
  /** The last record's seq and hash (EMPTY_CHAIN for an empty journal). */
  readonly head: ChainHead;
  /** Length of the last segment after recovery: where the next record goes. */
  readonly length: number;
}

/**
 * Opens the journal directory of `dir` (creating it and its first segment if new) and checks the
 * end of the last segment. A last line without `\n`, or a bad last record, is cut (truncate +
 * fsync) and reported; a bad record before it is corruption, and throws LEDGER_CORRUPT.
 */
export async function recoverTail(
  dir: string,
  ops: JournalFileOps,
  onRecovered: (event: RecoveredTail) => void,
): Promise<JournalTail> {
  const journalDir = journalDirectory(dir);
  const segments = await openDirectory(dir, journalDir, ops);
  for (;;) {
    const last = segments.at(-1)!;
    const before = await headBefore(segments);
    const scan = await scanSegment(last, before);
    if (scan.cutAt !== null) {
      const file = await ops.open(last.path);
      try {
        await file.truncate(scan.cutAt.offset);
        await file.datasync();
      } finally {
        await file.close();
      }
      onRecovered({
        file: last.path,
        cutBytes: scan.size - scan.cutAt.offset,
        atSeq: scan.cutAt.seq,
        reason: scan.cutAt.reason,
      });
    }
    const length = scan.cutAt?.offset ?? scan.size;
    if (length === 0 && segments.length > 1) {
      // An empty last segment (made just before a crash, or emptied by the cut): the one before
      // it, complete since it was rotated, becomes the last again.
      await ops.remove(last.path);
      await ops.syncDirectory(journalDir);
      segments.pop();
      continue;
    }
    const head = scan.head ?? before;
    if (head.hash === null) {
      throw new AirlockError(
        'LEDGER_CORRUPT',
        `The ledger journal is damaged: ${last.path} is empty and no earlier segment gives the record before it. ` +
          'Restore the data directory from a backup.',
        { file: last.path },
      );
    }
    return { segments, head: { seq: head.seq, hash: head.hash }, length };
  }
}

async function openDirectory(
  dir: string,
  journalDir: string,
  ops: JournalFileOps,
): Promise<Segment[]> {
  try {
    await mkdir(journalDir, { mode: 0o700 }); // owner-only, like the records in it
    await ops.syncDirectory(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      throw new AirlockError('FILE_NOT_FOUND', `The data directory ${dir} does not exist.`, {
        path: dir,
      });
    }
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  const segments = await listSegments(journalDir);
  if (segments.length === 0) {
    const first = { firstSeq: 1, path: join(journalDir, segmentFileName(1)) };
    await (await ops.open(first.path)).close();
    await ops.syncDirectory(journalDir);
    segments.push(first);
  }
  return segments;
}

/** The record just before the last segment: the previous segment's last line, checked alone. */
async function headBefore(segments: readonly Segment[]): Promise<Expected> {
  const last = segments.at(-1)!;
  if (segments.length === 1) {
    return last.firstSeq === 1 ? EMPTY_CHAIN : { seq: last.firstSeq - 1, hash: null };
  }
  const previous = segments.at(-2)!;
  const seq = last.firstSeq - 1;
  const line = await readLastLine(previous.path);
  const result = line === null ? null : parseRecordLine(line.bytes, { seq: seq - 1, hash: null });
  if (result === null || !result.ok) {
    throw corruptionError({
      seq,
      file: previous.path,
      line: seq - previous.firstSeq + 1,
      reason: result?.reason ?? 'torn',
    });
  }
  return { seq, hash: result.record.hash };
}

interface SegmentScan {
  readonly size: number;
  /** The last good record, null if none. */
  readonly head: ChainHead | null;
  readonly cutAt: {
    readonly offset: number;
    readonly seq: number;
    readonly reason: BadRecordReason;
  } | null;
}

/**
 * Checks the end of the last segment: its lines are counted (so the last ones' sequence numbers
 * are known) and the last two are checked in full. A crash can only have damaged the end; every
 * record after the snapshot is checked again as the ledger replays it, and `verify` checks all,
 * so opening stays fast with a 64 MiB segment.
 */
async function scanSegment(segment: Segment, before: Expected): Promise<SegmentScan> {
  const { size } = await stat(segment.path);
  const shape = await lineShape(segment.path, size);
  const seqOfLine = (number: number) => segment.firstSeq + number - 1;
  const check = async (start: number, end: number, expected: Expected) => {
    const line =
      end - start - 1 > MAX_LINE_BYTES ? null : await readRange(segment.path, start, end - 1);
    return line === null
      ? ({ ok: false, reason: 'malformed' } as const)
      : parseRecordLine(line, expected);
  };

  let head: ChainHead | null = null;
  let expected = before;
  if (shape.count >= 2) {
    const number = shape.count - 1;
    const result = await check(shape.secondLastStart, shape.lastStart, {
      seq: seqOfLine(number) - 1,
      hash: number === 1 ? before.hash : null,
    });
    if (!result.ok) {
      throw corruptionError({
        seq: seqOfLine(number),
        file: segment.path,
        line: number,
        reason: result.reason,
      });
    }
    head = result.record;
    expected = result.record;
  }
  if (shape.count >= 1) {
    const result = await check(shape.lastStart, shape.completeEnd, expected);
    if (!result.ok) {
      const cutAt = { offset: shape.lastStart, seq: seqOfLine(shape.count), reason: result.reason };
      return { size, head, cutAt };
    }
    head = result.record;
  }
  if (shape.completeEnd < size) {
    return {
      size,
      head,
      cutAt: { offset: shape.completeEnd, seq: seqOfLine(shape.count + 1), reason: 'torn' },
    };
  }
  return { size, head, cutAt: null };
}
