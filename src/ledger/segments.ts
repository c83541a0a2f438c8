// The journal's files: segment names (the first sequence number they hold), listing them in order,
// and reading their lines in bounded memory, whole or from an offset, or just the last one.

import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_LINE_BYTES } from './record.ts';

export interface Segment {
  /** Sequence number of its first record, which is also its name. */
  readonly firstSeq: number;
  readonly path: string;
}

/** One line of a segment. `bytes` excludes the `\n` and is valid only until the next batch. */
export interface Line {
  readonly bytes: Buffer;
  /** Byte offset of the line's start in the file. */
  readonly offset: number;
  /** 1-based line number in the file. */
  readonly number: number;
  /** False for a last line without `\n`, or for a line too long to be a record (cut short). */
  readonly terminated: boolean;
}

const SEGMENT_PATTERN = /^(\d{10})\.jsonl$/;
const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export function journalDirectory(dir: string): string {
  return join(dir, 'journal');
}

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(10, '0')}.jsonl`;
}

/** The segments of a journal directory in sequence order; other files are not ours and ignored. */
export async function listSegments(journalDir: string): Promise<Segment[]> {
  const names = await readdir(journalDir);
  const segments: Segment[] = [];
  for (const name of names) {
    const digits = SEGMENT_PATTERN.exec(name)?.[1];
    if (digits !== undefined && Number(digits) >= 1) {
      segments.push({ firstSeq: Number(digits), path: join(journalDir, name) });
    }
  }
  return segments.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The segment that holds `seq`: the last one whose first record is at or before it. */
export function segmentIndexFor(segments: readonly Segment[], seq: number): number {
  let low = 0;
  let high = segments.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (segments[mid]!.firstSeq <= seq) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/**
 * Reads a file's lines from `start` (a line start) up to `end` bytes, in batches of about one
 * chunk, holding at most one chunk and one partial line. A line longer than a record may be is
 * returned cut short and unterminated, and reading goes on after its end.
 */
export async function* readLines(
  path: string,
  options: { readonly start?: number; readonly end?: number; readonly firstLine?: number } = {},
): AsyncGenerator<Line[]> {
  const handle = await open(path, 'r');
  try {
    const end = options.end ?? (await handle.stat()).size;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = options.start ?? 0;
    let number = options.firstLine ?? 1;
    let carry = Buffer.alloc(0);
    let carryOffset = position;
    let skipping = false; // inside an over-long line, already reported
    while (position < end) {
      const { bytesRead } = await handle.read(
        chunk,
        0,
        Math.min(CHUNK_BYTES, end - position),
        position,
      );
      if (bytesRead === 0) break;
      position += bytesRead;
      const data =
        carry.length > 0
          ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
      const batch: Line[] = [];
      let i = 0;
      for (;;) {
        const newline = data.indexOf(NEWLINE, i);
        if (newline < 0) break;
        if (skipping) skipping = false;
        else
          batch.push({
            bytes: data.subarray(i, newline),
            offset: carryOffset + i,
            number: number++,
            terminated: true,
          });
        i = newline + 1;
      }
      carryOffset += i;
      carry = Buffer.from(data.subarray(i));
      if (skipping) carry = Buffer.alloc(0);
      else if (carry.length > MAX_LINE_BYTES) {
        batch.push({
          bytes: carry.subarray(0, MAX_LINE_BYTES + 1),
          offset: carryOffset,
          number: number++,
          terminated: false,
        });
        carry = Buffer.alloc(0);
        skipping = true;
      }
      carryOffset = position - carry.length;
      if (batch.length > 0) yield batch;
    }
    if (carry.length > 0) {
      yield [{ bytes: carry, offset: carryOffset, number, terminated: false }];
    }
  } finally {
    await handle.close();
  }
}

/** Byte offset where line `lineIndex` (0-based) starts, counting `\n`s; null if the file is shorter. */
export async function offsetOfLine(path: string, lineIndex: number): Promise<number | null> {
  if (lineIndex === 0) return 0;
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = 0;
    let seen = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return null;
      const data = chunk.subarray(0, bytesRead);
      let i = 0;
      for (;;) {
        const newline = data.indexOf(NEWLINE, i);
        if (newline < 0) break;
        seen++;
        if (seen === lineIndex) return position + newline + 1;
        i = newline + 1;
      }
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** The shape of a file's lines, found by counting `\n`s only (no parsing). */
export interface LineShape {
  /** Complete lines (each ending in `\n`). */
  readonly count: number;
  /** Start offsets of the last two complete lines (-1 where there is no such line). */
  readonly lastStart: number;
  readonly secondLastStart: number;
  /** Offset just after the last `\n`: anything from here on is an unterminated piece. */
  readonly completeEnd: number;
}

export async function lineShape(path: string, size: number): Promise<LineShape> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let count = 0;
    let nextStart = 0;
    let lastStart = -1;
    let secondLastStart = -1;
    for (let position = 0; position < size;) {
      const { bytesRead } = await handle.read(
        chunk,
        0,
        Math.min(CHUNK_BYTES, size - position),
        position,
      );
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      for (let i = data.indexOf(NEWLINE); i >= 0; i = data.indexOf(NEWLINE, i + 1)) {
        count++;
        secondLastStart = lastStart;
        lastStart = nextStart;
        nextStart = position + i + 1;
      }
      position += bytesRead;
    }
    return { count, lastStart, secondLastStart, completeEnd: nextStart };
  } finally {
    await handle.close();
  }
}

/** Bytes `start`…`end` of a file (a line, so at most about a record's size). */
export async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The last line of a file that ends with `\n`, and its offset; null for an empty file, one that
 * does not end with `\n`, or a last line longer than any record.
 */
export async function readLastLine(
  path: string,
): Promise<{ bytes: Buffer; offset: number; size: number } | null> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return null;
    const length = Math.min(size, MAX_LINE_BYTES + 2);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    if (bytesRead !== length || buffer[length - 1] !== NEWLINE) return null;
    const start = buffer.lastIndexOf(NEWLINE, length - 2) + 1;
    if (start === 0 && length < size) return null; // longer than any record
    return { bytes: buffer.subarray(start, length - 1), offset: size - length + start, size };
  } finally {
    await handle.close();
  }
}
