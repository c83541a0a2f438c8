// Copies the ledger's journal into a backup while `airlock serve` may be appending to it, without
// its lock: segment by segment in order, each line checked (checksum, sequence, hash chain across
// files) and only whole, verified records written. A last line still being written (or torn by a
// crash) is left out, as the next start would cut it; damage before the end refuses the backup.

import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkLine, corruptionError } from '../ledger/reader.ts';
import {
  type BadRecordReason,
  type ChainHead,
  EMPTY_CHAIN,
  type Expected,
} from '../ledger/record.ts';
import { journalDirectory, listSegments, readLines, type Segment } from '../ledger/segments.ts';
import { errorCode } from '../node/atomic-file.ts';
import type { TarWriter } from './tar-writer.ts';

export interface CopiedFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  readonly sha256: string;
}

/** Where the last copied record lies in the live journal, to check it is still there at the end. */
export interface CopiedTail {
  readonly path: string;
  readonly offset: number;
  /** The line with its `\n`. */
  readonly bytes: Buffer;
}

export interface JournalCopy {
  readonly head: ChainHead;
  readonly files: readonly CopiedFile[];
  /** The hash of record `hashOfSeq` (asked for the snapshot), or null when it was not copied. */
  readonly hashAt: string | null;
  readonly tail: CopiedTail | null;
}

export interface JournalCopyOptions {
  /** The ledger directory (DATA/ledger) and its name inside the archive ("ledger"). */
  readonly ledgerDir: string;
  readonly archiveDir: string;
  readonly mtime: number;
  readonly hashOfSeq: number | null;
  readonly onBytes: (bytes: number) => void;
}

export async function listJournal(ledgerDir: string): Promise<Segment[]> {
  try {
    return await listSegments(journalDirectory(ledgerDir));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return []; // a ledger never opened: no records yet
    throw error;
  }
}

export async function copyJournal(
  tar: TarWriter,
  options: JournalCopyOptions,
): Promise<JournalCopy> {
  const segments = await listJournal(options.ledgerDir);
  const files: CopiedFile[] = [];
  let expected: Expected = EMPTY_CHAIN;
  let hashAt: string | null = null;
  let tail: CopiedTail | null = null;
  let cut: { seq: number; file: string; line: number; reason: BadRecordReason } | null = null;

  for (const [index, segment] of segments.entries()) {
    const size = (await stat(segment.path)).size;
    if (cut !== null) {
      // After a left-out last line, only empty segments may follow (one made just before a crash).
      if (size === 0) continue;
      throw corruptionError(cut);
    }
    if (segment.firstSeq !== expected.seq + 1) {
      throw corruptionError({
        seq: expected.seq + 1,
        file: segment.path,
        line: 1,
        reason: 'sequence',
      });
    }
    const name = `${options.archiveDir}/journal/${basename(segment.path)}`;
    const entry = tar.begin(name, 0o600, options.mtime);
    for await (const lines of readLines(segment.path, { end: size })) {
      const good: Buffer[] = [];
      for (const line of lines) {
        if (cut !== null) throw corruptionError(cut); // a line after the bad one: damage, not a tail
        const result = checkLine(line, expected);
        if (!result.ok) {
          cut = {
            seq: expected.seq + 1,
            file: segment.path,
            line: line.number,
            reason: result.reason,
          };
          continue;
        }
        const bytes = Buffer.concat([line.bytes, Buffer.from('\n')]);
        good.push(bytes);
        tail = { path: segment.path, offset: line.offset, bytes };
        expected = result.record;
        if (result.record.seq === options.hashOfSeq) hashAt = result.record.hash;
      }
      if (good.length > 0) {
        const bytes = Buffer.concat(good);
        await entry.write(bytes);
        options.onBytes(bytes.length);
      }
    }
    if (entry.size === 0 && index > 0) {
      entry.cancel(); // an empty last segment: the journal starts a new one when it appends
      continue;
    }
    const done = await entry.end();
    files.push({ path: name, size: done.size, mode: 0o600, sha256: done.sha256 });
  }
  const head = { seq: expected.seq, hash: expected.hash ?? EMPTY_CHAIN.hash };
  return { head, files, hashAt, tail };
}

/** Whether the last copied record is still in the live journal where it was read. */
export async function tailStillThere(tail: CopiedTail | null): Promise<boolean> {
  if (tail === null) return true;
  let handle;
  try {
    handle = await open(tail.path, 'r');
  } catch {
    return false; // the segment went away: another history
  }
  try {
    const buffer = Buffer.alloc(tail.bytes.length);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, tail.offset);
    return bytesRead === buffer.length && buffer.equals(tail.bytes);
  } finally {
    await handle.close();
  }
}
