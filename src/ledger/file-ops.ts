// The few file operations the journal writes through, as a small interface: the real one over
// node:fs, and a seam where tests inject a full disk or a failing device; and the write probe.

import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { errorCode, syncDirectory } from '../node/atomic-file.ts';

/** A segment open for writing at explicit positions (never O_APPEND: a failed write is undone). */
export interface JournalFile {
  size(): Promise<number>;
  /** Writes every byte of `bytes` at `position`. */
  write(bytes: Uint8Array, position: number): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface JournalFileOps {
  /** Opens a file for reading and writing, creating it (empty) if it does not exist. */
  open(path: string): Promise<JournalFile>;
  /** Makes a directory's entries (a new segment's name) durable. */
  syncDirectory(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export const nodeFileOps: JournalFileOps = {
  async open(path) {
    // Owner-only: the journal names machines and clients.
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    return {
      size: async () => (await handle.stat()).size,
      async write(bytes, position) {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await handle.write(
            bytes,
            done,
            bytes.length - done,
            position + done,
          );
          done += bytesWritten;
        }
      },
      datasync: () => handle.datasync(),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    };
  },
  syncDirectory,
  remove: (path) => unlink(path),
};

/** The short reason for a failed write, for messages: never the raw errno text. */
export function writeFailureReason(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exhausted';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission was denied';
    case 'EIO':
      return 'the device reported an input/output error';
    default:
      return 'the write failed';
  }
}

/**
 * Writes, syncs and removes a scratch file in `journalDir`: resolves if durable writes work
 * again, or throws LEDGER_UNAVAILABLE for the ledger in `dir`.
 */
export async function probeWrites(
  ops: JournalFileOps,
  journalDir: string,
  dir: string,
): Promise<void> {
  const path = join(journalDir, '.probe');
  try {
    const scratch = await ops.open(path);
    try {
      await scratch.write(Buffer.alloc(4096), 0);
      await scratch.datasync();
    } finally {
      await scratch.close();
    }
    await ops.remove(path);
  } catch (error) {
    const reason = writeFailureReason(error);
    throw new AirlockError(
      'LEDGER_UNAVAILABLE',
      `The ledger in ${dir} still cannot write durably: ${reason}.`,
      { dir, reason },
    );
  }
}
