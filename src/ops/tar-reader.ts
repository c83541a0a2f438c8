// Reads the table of contents of a ustar archive from its headers alone, bounded before anything
// is extracted: at most so many entries, each a regular file with a safe name of bounded size,
// lying wholly inside the file, names unique, and the two zero blocks that end it.

import type { FileHandle } from 'node:fs/promises';
import { AirlockError } from '../core/errors.ts';
import { BLOCK, decodeHeader, paddedSize, type TarHeader } from './ustar.ts';

export interface ArchiveEntry extends TarHeader {
  /** Where the entry's bytes start in the archive. */
  readonly offset: number;
}

export interface ArchiveLimits {
  readonly maxEntries: number;
  readonly maxEntryBytes: number;
}

/** tar pads archives to 10 KiB records; more zeros than this after the end marker are not padding. */
const MAX_TRAILING_BYTES = 64 * 1024;

function invalid(path: string, problem: string, offset: number): AirlockError {
  return new AirlockError(
    'BACKUP_INVALID',
    `${path} is not a whole Airlock backup: ${problem} (at byte ${offset}).`,
    { path, offset },
  );
}

export async function readArchiveIndex(
  handle: FileHandle,
  path: string,
  limits: ArchiveLimits,
): Promise<ArchiveEntry[]> {
  const size = (await handle.stat()).size;
  const entries: ArchiveEntry[] = [];
  const names = new Set<string>();
  const block = Buffer.alloc(BLOCK);
  let position = 0;
  for (;;) {
    if (position + BLOCK > size) throw invalid(path, 'it is cut short', position);
    await handle.read(block, 0, BLOCK, position);
    const read = decodeHeader(block);
    if (read.kind === 'bad') throw invalid(path, read.reason, position);
    if (read.kind === 'end') break;
    const { header } = read;
    if (entries.length >= limits.maxEntries) {
      throw invalid(path, `it holds more than ${limits.maxEntries} entries`, position);
    }
    if (header.size > limits.maxEntryBytes) {
      throw invalid(
        path,
        `${header.name} claims ${header.size} bytes, more than a backup holds`,
        position,
      );
    }
    if (names.has(header.name)) throw invalid(path, `${header.name} appears twice`, position);
    names.add(header.name);
    const offset = position + BLOCK;
    if (offset + header.size > size) throw invalid(path, `${header.name} is cut short`, position);
    entries.push({ ...header, offset });
    position = offset + paddedSize(header.size);
  }
  // The end: a second zero block, then nothing but a little zero padding.
  const rest = size - position - BLOCK;
  if (rest < BLOCK) throw invalid(path, 'it is cut short', position);
  if (rest > MAX_TRAILING_BYTES) throw invalid(path, 'it has data after its end', position);
  const tail = Buffer.alloc(rest);
  await handle.read(tail, 0, rest, position + BLOCK);
  if (tail.some((byte) => byte !== 0)) throw invalid(path, 'it has data after its end', position);
  return entries;
}
