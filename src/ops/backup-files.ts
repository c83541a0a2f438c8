// The data directory's files as a backup sees them: which paths it copies or leaves out, the walk
// that lists them, and copying one open file into the archive (its inode held, so a file replaced
// meanwhile is read whole as it was, and the replacement is noticed by comparing what was seen).

import { type Dirent } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { MAX_FILE_BYTES } from './backup-manifest.ts';
import type { CopiedFile } from './journal-copy.ts';
import type { TarWriter } from './tar-writer.ts';
import { isSafeName } from './ustar.ts';

export type EntryKind = 'file' | 'journal' | 'snapshot' | 'leave';

const CHUNK = 1024 * 1024;

/**
 * What a backup does with a path of the data directory (relative, `/`-separated): lock files,
 * temp files of interrupted writes and stale-lock leftovers are left out; the journal and the
 * snapshot have their own rules; everything else is copied.
 */
export function classifyEntry(path: string): EntryKind {
  const parts = path.split('/');
  const name = parts.at(-1)!;
  if (parts.some((part) => part.startsWith('.'))) return 'leave';
  if (name === 'LOCK' || name.endsWith('.stale')) return 'leave';
  if (path === 'ledger/snapshot.json') return 'snapshot';
  if (path.startsWith('ledger/journal/')) return 'journal';
  return 'file';
}

export interface Seen {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface Walked {
  readonly files: string[];
  readonly leftOut: string[];
}

/** The regular files to copy (relative paths, sorted), following links to files. */
export async function walk(dir: string): Promise<Walked> {
  const entries: Dirent[] = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  const leftOut: string[] = [];
  for (const entry of entries) {
    const path = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (entry.isDirectory() || classifyEntry(path) !== 'file') continue;
    const regular =
      entry.isFile() ||
      (entry.isSymbolicLink() && (await stat(join(dir, path)).catch(() => null))?.isFile());
    if (regular === true && isSafeName(path)) files.push(path);
    else leftOut.push(path);
  }
  return { files: files.sort(), leftOut: leftOut.sort() };
}

export async function readFully(
  handle: FileHandle,
  buffer: Buffer,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Copies one open file into the archive; false when it shrank while being read. */
export async function copyOpenFile(
  handle: FileHandle,
  size: number,
  tar: TarWriter,
  name: string,
  mode: number,
  mtime: number,
  onBytes: (n: number) => void,
): Promise<{ file: CopiedFile } | null> {
  const entry = tar.begin(name, mode & 0o777, mtime);
  const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
  for (let at = 0; at < size;) {
    const want = buffer.subarray(0, Math.min(buffer.length, size - at));
    const got = await readFully(handle, want, at);
    if (got !== want.length) {
      entry.cancel();
      return null;
    }
    await entry.write(want);
    onBytes(got);
    at += got;
  }
  const done = await entry.end();
  return { file: { path: name, size: done.size, mode: mode & 0o777, sha256: done.sha256 } };
}

export async function openRegular(
  path: string,
): Promise<{ handle: FileHandle; seen: Seen; mode: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null; // gone since the walk
  }
  const s = await handle.stat();
  if (!s.isFile()) {
    await handle.close();
    return null;
  }
  if (s.size > MAX_FILE_BYTES) {
    await handle.close();
    throw new AirlockError(
      'FILE_TOO_LARGE',
      `${path} is larger than ${MAX_FILE_BYTES} bytes; no file of a data directory should be.`,
      { path },
    );
  }
  return { handle, seen: { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs }, mode: s.mode };
}
