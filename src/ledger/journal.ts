// The ledger's durable log: records appended to JSON Lines segment files, with group commit (one
// write and one fdatasync for every append that arrives while the disk is busy).

import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import {
  type JournalFile,
  type JournalFileOps,
  nodeFileOps,
  probeWrites,
  writeFailureReason,
} from './file-ops.ts';
import { readRecords } from './reader.ts';
import { type ChainHead, type EncodedRecord, encodeRecord, type LedgerRecord } from './record.ts';
import { journalDirectory, type Segment, segmentFileName } from './segments.ts';
import { type RecoveredTail, recoverTail } from './tail.ts';

export type { RecoveredTail };

export interface JournalOptions {
  /** The data directory; the journal lives in its `journal/` subdirectory. */
  readonly dir: string;
  /** Told when opening cut a torn last record left by a crash. */
  readonly onRecovered?: (event: RecoveredTail) => void;
  /** A segment is closed and a new one begun before it would grow past this (default 64 MiB). */
  readonly segmentBytes?: number;
  /** The file operations writes go through (a test seam; default: node:fs). */
  readonly fileOps?: JournalFileOps;
}

export interface JournalEntry {
  readonly type: string;
  readonly data: object;
  readonly at: number;
}

export interface Journal {
  readonly dir: string;
  /** The last record appended (assigned synchronously by append, durable or not yet). */
  readonly head: ChainHead;
  readonly lastSeq: number;
  readonly lastHash: string;
  /** The last record known to be on disk. */
  readonly durable: ChainHead;
  readonly stats: { readonly appends: number; readonly flushes: number };
  /**
   * Appends one record. Its seq and hash are fixed before this returns; the promise resolves once
   * it is durable, or rejects with LEDGER_UNAVAILABLE (and then every later append is refused).
   */
  append(type: string, data: object, at: number): Promise<LedgerRecord>;
  appendMany(entries: readonly JournalEntry[]): Promise<LedgerRecord[]>;
  /** Appends a record made by encodeRecord(journal.head, …), for callers that apply it first. */
  commit(encoded: EncodedRecord): Promise<LedgerRecord>;
  /** Durable records from `fromSeq` on (checked as read; damage throws LEDGER_CORRUPT). */
  records(fromSeq?: number): AsyncIterable<LedgerRecord>;
  /** Writes and syncs a scratch file next to the segments: resolves if durable writes work. */
  probe(): Promise<void>;
  /** Waits for pending appends, then closes the file. Later appends are refused. */
  close(): Promise<void>;
}

interface Pending {
  readonly lines: readonly Buffer[];
  readonly bytes: number;
  readonly firstSeq: number;
  readonly last: ChainHead;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Upper bound of one write; what is left waits for the next flush. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export async function openJournal(options: JournalOptions): Promise<Journal> {
  const { dir } = options;
  const ops = options.fileOps ?? nodeFileOps;
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
    throw new TypeError('segmentBytes must be a positive integer');
  }
  const journalDir = journalDirectory(dir);
  const tail = await recoverTail(dir, ops, options.onRecovered ?? (() => undefined));
  const segments = tail.segments;
  let file: JournalFile = await ops.open(segments.at(-1)!.path);
  let length = tail.length; // durable bytes of the current segment
  let head: ChainHead = tail.head;
  let durable: ChainHead = tail.head;
  const stats = { appends: 0, flushes: 0 };
  let queue: Pending[] = [];
  let flushing = false;
  let failure: AirlockError | null = null;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const refusal = (): AirlockError =>
    closed
      ? new AirlockError('LEDGER_UNAVAILABLE', `The ledger in ${dir} is closed.`, { dir })
      : new AirlockError(
          'LEDGER_UNAVAILABLE',
          `The ledger in ${dir} refuses writes since an earlier write failed (${String(failure?.details['reason'])}); ` +
            'it must be reopened.',
          { dir },
        );

  function enqueue(encoded: readonly EncodedRecord[]): Promise<void> {
    if (failure !== null || closed) return Promise.reject(refusal());
    const first = encoded[0]!.record;
    if (first.seq !== head.seq + 1 || first.prev !== head.hash) {
      return Promise.reject(new TypeError('the record does not follow the journal head'));
    }
    const last = encoded.at(-1)!.record;
    head = last;
    stats.appends += encoded.length;
    const lines = encoded.map((e) => e.line);
    const bytes = lines.reduce((sum, line) => sum + line.length, 0);
    return new Promise((resolve, reject) => {
      queue.push({ lines, bytes, firstSeq: first.seq, last, resolve, reject });
      schedule();
    });
  }

  function schedule(): void {
    if (flushing) return;
    flushing = true;
    // One turn of the event loop first, so every append made in this tick (and the callers'
    // continuations of the previous flush) joins the same write.
    setImmediate(() => void flushRound());
  }

  async function flushRound(): Promise<void> {
    let taken = 0;
    let bytes = 0;
    while (
      taken < queue.length &&
      (taken === 0 || bytes + queue[taken]!.bytes <= MAX_BATCH_BYTES)
    ) {
      bytes += queue[taken]!.bytes;
      taken++;
    }
    const batch = queue.slice(0, taken);
    queue = queue.slice(taken);
    await writeBatch(batch);
    flushing = false;
    if (queue.length > 0 && failure === null) schedule();
    else if (queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Writes a batch segment by segment, rotating between appends (never inside one). */
  async function writeBatch(batch: readonly Pending[]): Promise<void> {
    let index = 0;
    while (index < batch.length) {
      // The appends from `index` that still fit the current segment (at least one if it is empty).
      let end = index;
      let size = length;
      while (end < batch.length && (size === 0 || size + batch[end]!.bytes <= segmentBytes)) {
        size += batch[end]!.bytes;
        end++;
      }
      try {
        if (end === index) {
          await rotateTo(batch[index]!.firstSeq);
          continue;
        }
        const lines = batch.slice(index, end).flatMap((item) => item.lines);
        await file.write(lines.length === 1 ? lines[0]! : Buffer.concat(lines), length);
        await file.datasync();
      } catch (error) {
        await fail(error, batch.slice(index));
        return;
      }
      stats.flushes++;
      length = size;
      durable = batch[end - 1]!.last;
      for (let i = index; i < end; i++) batch[i]!.resolve();
      index = end;
    }
  }

  async function rotateTo(firstSeq: number): Promise<void> {
    const segment: Segment = { firstSeq, path: join(journalDir, segmentFileName(firstSeq)) };
    const next = await ops.open(segment.path);
    try {
      await ops.syncDirectory(journalDir);
    } catch (error) {
      await next.close().catch(() => undefined);
      throw error;
    }
    await file.close().catch(() => undefined); // its records are durable already
    file = next;
    length = 0;
    segments.push(segment);
  }

  /** A failed write: refuse everything pending and to come, and undo what was half-written. */
  async function fail(error: unknown, unwritten: readonly Pending[]): Promise<void> {
    const reason = writeFailureReason(error);
    failure = new AirlockError(
      'LEDGER_UNAVAILABLE',
      `The ledger in ${dir} could not write durably: ${reason}; nothing was acknowledged. ` +
        'Free disk space or fix permissions.',
      { dir, reason },
    );
    const rejected = [...unwritten, ...queue];
    queue = [];
    head = durable;
    // Undo before rejecting, so a caller that reopens at once finds the file consistent. If the
    // device refuses even this, reopening cuts a torn tail; whole records may remain (see docs).
    await file
      .truncate(length)
      .then(() => file.datasync())
      .catch(() => undefined);
    for (const item of rejected) item.reject(failure);
  }

  return {
    dir,
    get head() {
      return head;
    },
    get lastSeq() {
      return head.seq;
    },
    get lastHash() {
      return head.hash;
    },
    get durable() {
      return durable;
    },
    stats,
    async append(type, data, at) {
      const encoded = encodeRecord(head, at, type, data);
      await enqueue([encoded]);
      return encoded.record;
    },
    async appendMany(entries) {
      if (!Array.isArray(entries)) throw new TypeError('entries must be an array');
      if (entries.length === 0) return [];
      const encoded: EncodedRecord[] = [];
      let previous = head;
      for (const entry of entries) {
        const next = encodeRecord(previous, entry.at, entry.type, entry.data);
        encoded.push(next);
        previous = next.record;
      }
      await enqueue(encoded);
      return encoded.map((e) => e.record);
    },
    async commit(encoded) {
      await enqueue([encoded]);
      return encoded.record;
    },
    records(fromSeq = 1) {
      if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
        throw new TypeError('fromSeq must be a positive integer');
      }
      return readRecords([...segments], { fromSeq, untilSeq: durable.seq });
    },
    probe: () => probeWrites(ops, journalDir, dir),
    async close() {
      if (closed) return;
      closed = true;
      if (flushing) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await file.close();
    },
  };
}
