// Writes a ustar archive to a file the way every Airlock file is written: into a temp file beside
// it (mode 0600), fsynced, then linked into place only if nothing is there yet, so a reader sees
// no archive or the whole one. Entries stream in; an entry's size is fixed when it ends.

import { createHash, type Hash, randomBytes } from 'node:crypto';
import { type FileHandle, link, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { errorCode, syncDirectory } from '../node/atomic-file.ts';
import { BLOCK, encodeHeader, paddedSize } from './ustar.ts';

export interface EntryWriter {
  /** Appends bytes to the entry (and to its SHA-256). */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
  /** Writes the header with the final size; returns the size and hex SHA-256. */
  end(): Promise<{ readonly size: number; readonly sha256: string }>;
  /** Leaves the entry out: the next one is written where it began. */
  cancel(): void;
}

export interface TarWriter {
  readonly tempPath: string;
  begin(name: string, mode: number, mtime: number): EntryWriter;
  /** Ends the archive, syncs it and links it to its path; FILE_EXISTS if one appeared there. */
  commit(): Promise<void>;
  /** Removes the temp file (after a failure). */
  discard(): Promise<void>;
}

export async function createTarWriter(path: string): Promise<TarWriter> {
  const directory = dirname(path);
  const tempPath = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(tempPath, 'wx', 0o600);
    await handle.chmod(0o600); // open() applies the umask; the archive holds private keys
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') {
      throw new AirlockError('FILE_NOT_FOUND', `The directory ${directory} does not exist.`, {
        path: directory,
      });
    }
    throw error;
  }
  let position = 0;
  let open_: EntryWriter | null = null;

  async function writeAt(bytes: Uint8Array, at: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, at + done);
      done += bytesWritten;
    }
  }

  return {
    tempPath,
    begin(name, mode, mtime) {
      if (open_ !== null) throw new TypeError('the previous entry has not ended');
      encodeHeader({ name, size: 0, mode, mtime }); // refuses a bad name before any byte
      const start = position;
      const dataStart = start + BLOCK;
      let size = 0;
      const hash: Hash = createHash('sha256');
      const entry: EntryWriter = {
        get size() {
          return size;
        },
        async write(bytes) {
          await writeAt(bytes, dataStart + size);
          size += bytes.length;
          hash.update(bytes);
        },
        async end() {
          await writeAt(encodeHeader({ name, size, mode, mtime }), start);
          const pad = paddedSize(size) - size;
          if (pad > 0) await writeAt(new Uint8Array(pad), dataStart + size);
          position = dataStart + paddedSize(size);
          open_ = null;
          return { size, sha256: hash.digest('hex') };
        },
        cancel() {
          position = start;
          open_ = null;
        },
      };
      open_ = entry;
      return entry;
    },
    async commit() {
      if (open_ !== null) throw new TypeError('an entry has not ended');
      await writeAt(new Uint8Array(2 * BLOCK), position); // two zero blocks end the archive
      await handle.truncate(position + 2 * BLOCK); // nothing of a cancelled entry stays behind
      await handle.sync();
      await handle.close();
      try {
        await link(tempPath, path);
      } catch (error) {
        await unlink(tempPath).catch(() => undefined);
        if (errorCode(error) === 'EEXIST') {
          throw new AirlockError('FILE_EXISTS', `${path} already exists; it was left as it is.`, {
            path,
          });
        }
        throw error;
      }
      await unlink(tempPath);
      await syncDirectory(directory);
    },
    async discard() {
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
    },
  };
}
