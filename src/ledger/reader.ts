// Reading records back from the journal's segments in order, checking every line, the sequence
// and the hash chain across segment boundaries, in bounded memory; and the error that names damage.

import { AirlockError } from '../core/errors.ts';
import {
  type BadRecordReason,
  describeReason,
  type Expected,
  GENESIS_HASH,
  type LedgerRecord,
  MAX_LINE_BYTES,
  parseRecordLine,
  type ParseResult,
} from './record.ts';
import { type Line, offsetOfLine, readLines, type Segment, segmentIndexFor } from './segments.ts';

/** The first record that fails, located for a person: file, line and the seq it should have. */
export interface BadRecord {
  readonly seq: number;
  readonly file: string;
  readonly line: number;
  readonly reason: BadRecordReason;
}

export interface RecordBatch {
  readonly records: readonly LedgerRecord[];
  /** Set on the last batch when reading stopped at a bad record. */
  readonly bad?: BadRecord;
  /** Bytes of segment files read so far, for progress reports. */
  readonly bytesRead: number;
}

export interface ReadOptions {
  /** First record wanted; its `prev` is checked only from 1 (the chain's start). */
  readonly fromSeq: number;
  /** Stop after this record (records being written beyond it are not read). */
  readonly untilSeq?: number;
}

/** Checks one line read from a file against the record before it. */
export function checkLine(line: Line, expected: Expected): ParseResult {
  if (!line.terminated && line.bytes.length <= MAX_LINE_BYTES) {
    return { ok: false, reason: 'torn' };
  }
  return parseRecordLine(line.bytes, expected);
}

/**
 * Reads records `fromSeq`… in order, in batches, stopping at the first bad one (reported in the
 * batch, not thrown). Records before `fromSeq` in its segment are skipped by counting lines.
 */
export async function* readRecordBatches(
  segments: readonly Segment[],
  options: ReadOptions,
): AsyncGenerator<RecordBatch> {
  const { fromSeq } = options;
  const untilSeq = options.untilSeq ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
    throw new TypeError('fromSeq must be a positive integer');
  }
  if (fromSeq > untilSeq || segments.length === 0) return;
  let index = segmentIndexFor(segments, fromSeq);
  let expected: Expected = { seq: fromSeq - 1, hash: fromSeq === 1 ? GENESIS_HASH : null };
  let bytesRead = 0;
  if (index < 0) {
    const first = segments[0]!;
    yield {
      records: [],
      bytesRead,
      bad: { seq: fromSeq, file: first.path, line: 1, reason: 'sequence' },
    };
    return;
  }
  for (; index < segments.length; index++) {
    const segment = segments[index]!;
    let start = 0;
    let firstLine = 1;
    if (segment.firstSeq < fromSeq && expected.seq === fromSeq - 1) {
      const lineIndex = fromSeq - segment.firstSeq;
      const offset = await offsetOfLine(segment.path, lineIndex);
      if (offset === null) {
        const bad = {
          seq: fromSeq,
          file: segment.path,
          line: lineIndex + 1,
          reason: 'sequence',
        } as const;
        yield { records: [], bytesRead, bad };
        return;
      }
      start = offset;
      firstLine = lineIndex + 1;
    } else if (segment.firstSeq !== expected.seq + 1) {
      // A segment's name is its first seq: a gap or overlap between files is a sequence fault.
      yield {
        records: [],
        bytesRead,
        bad: { seq: expected.seq + 1, file: segment.path, line: 1, reason: 'sequence' },
      };
      return;
    }
    let consumed = 0; // bytes of this segment checked so far
    for await (const lines of readLines(segment.path, { start, firstLine })) {
      const records: LedgerRecord[] = [];
      for (const line of lines) {
        if (expected.seq >= untilSeq) break;
        const result = checkLine(line, expected);
        if (!result.ok) {
          const bad = {
            seq: expected.seq + 1,
            file: segment.path,
            line: line.number,
            reason: result.reason,
          };
          yield { records, bytesRead: bytesRead + consumed, bad };
          return;
        }
        records.push(result.record);
        expected = result.record;
        consumed = line.offset + line.bytes.length + 1 - start;
      }
      yield { records, bytesRead: bytesRead + consumed };
      if (expected.seq >= untilSeq) return;
    }
    bytesRead += consumed;
  }
}

/** The records `fromSeq`… one by one; damage throws LEDGER_CORRUPT naming the record. */
export async function* readRecords(
  segments: readonly Segment[],
  options: ReadOptions,
): AsyncGenerator<LedgerRecord> {
  for await (const batch of readRecordBatches(segments, options)) {
    yield* batch.records;
    if (batch.bad !== undefined) throw corruptionError(batch.bad);
  }
}

export function corruptionError(bad: BadRecord): AirlockError {
  return new AirlockError(
    'LEDGER_CORRUPT',
    `The ledger journal is damaged: record ${bad.seq} (line ${bad.line} of ${bad.file}) ${describeReason(bad.reason)}. ` +
      'Restore the data directory from a backup; `airlock ledger verify` shows the damage.',
    { seq: bad.seq, file: bad.file, line: bad.line, reason: bad.reason },
  );
}
