// Crash-safe file writing (temp file, fsync, rename, fsync the directory) and size-bounded
// reading, for every file Airlock keeps: key files, the client store, settings.

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AirlockError } from '../core/errors.ts';

export interface WriteFileAtomicOptions {
  /** Permission bits of the new file, applied exactly (not filtered by the umask). */
  readonly mode?: number;
  /** Refuse with FILE_EXISTS instead of replacing an existing file (never a race: uses link(2)). */
  readonly exclusive?: boolean;
}

/** The errno code of a failed file operation (ENOENT, ENOSPC, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * Writes `data` to `path` so that a reader sees either the old file or the whole new one, even
 * after a crash or power loss: write a temp file next to it, fsync, rename over the target, then
 * fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a file path');
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new TypeError('data must be a Uint8Array or a string');
  }
  const mode = options.mode ?? 0o666;
  const directory = dirname(path);
  // A dot file with a random suffix: unique per writer, so concurrent writers never share it,
  // and a temp file left by a crash is never mistaken for the target.
  const temp = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', mode).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
    throw new AirlockError('FILE_NOT_FOUND', `The directory ${directory} does not exist.`, {
      path: directory,
    });
  });
  try {
    try {
      if (options.mode !== undefined) await file.chmod(mode); // open() applies the umask
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    if (options.exclusive === true) {
      await linkExclusive(temp, path);
      await unlink(temp);
    } else {
      await rename(temp, path);
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

async function linkExclusive(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') {
      throw new AirlockError('FILE_EXISTS', `${path} already exists; it was left unchanged.`, {
        path,
      });
    }
    throw error;
  }
}

/** Makes a directory's entries durable (a new or renamed file's name). */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the data itself is already on disk.
    if (errorCode(error) !== 'EINVAL' && errorCode(error) !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

export interface ReadFileBoundedOptions {
  /** Checks the open file's status before anything is read (src/node/private-file.ts). */
  readonly check?: (stats: Stats) => void;
}

/**
 * Reads a whole file, refusing one larger than `maxBytes` before reading it. `what` names the file
 * in messages ("key file", "activation store").
 */
export async function readFileBounded(
  path: string,
  maxBytes: number,
  what: string,
  options: ReadFileBoundedOptions = {},
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TypeError('maxBytes must be a non-negative integer');
  }
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') {
      throw new AirlockError('FILE_NOT_FOUND', `The ${what} ${path} does not exist.`, { path });
    }
    throw error;
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) {
      throw new AirlockError('FORMAT_INVALID', `The ${what} ${path} is not a regular file.`, {
        path,
      });
    }
    options.check?.(stats);
    if (stats.size > maxBytes) {
      throw new AirlockError(
        'FORMAT_INVALID',
        `The ${what} ${path} is too large (${stats.size} bytes; at most ${maxBytes} expected).`,
        { path, size: stats.size },
      );
    }
    // Room for one byte more than the stat saw, so a file that grows meanwhile is caught.
    const buffer = new Uint8Array(stats.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > stats.size) {
        throw new AirlockError('FORMAT_INVALID', `The ${what} ${path} grew while being read.`, {
          path,
        });
      }
    }
    return buffer.subarray(0, length);
  } finally {
    await file.close();
  }
}
