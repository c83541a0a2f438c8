// Private files (docs/KEYS.md "File permissions"): a private key or secret that other users can
// read, or that sits in a directory they can write (and so could swap), is refused before it is
// read, with the command that fixes it. Like ssh with its identity files.

import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { readFileBounded } from './atomic-file.ts';

export interface PrivateFileOptions {
  /** Also refuse a file that belongs to another user (the passphrase file). */
  readonly owner?: boolean;
}

/** Permission bits are a POSIX idea: on Windows, access is the ACLs' business. */
const POSIX = process.platform !== 'win32';

/** A file's permission bits as people write them: "0600". */
export const modeText = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** Refuses a file with any group or other permission bit (or, with `owner`, someone else's). */
export function assertPrivateFile(
  path: string,
  stats: Pick<Stats, 'mode' | 'uid'>,
  what: string,
  options: PrivateFileOptions = {},
): void {
  if (!POSIX) return;
  const uid = process.getuid?.();
  if (options.owner === true && uid !== undefined && stats.uid !== uid) {
    throw new AirlockError(
      'KEY_FILE_EXPOSED',
      `The ${what} ${path} belongs to another user (uid ${stats.uid}); it must belong to the user running airlock (uid ${uid}): run \`chown ${uid} ${path}\` and \`chmod 600 ${path}\`.`,
      { path, uid: stats.uid },
    );
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new AirlockError(
      'KEY_FILE_EXPOSED',
      `The ${what} ${path} is open to other users (mode ${modeText(stats.mode)}); only its owner may read it: run \`chmod 600 ${path}\`.`,
      { path, mode: modeText(stats.mode) },
    );
  }
}

/** Refuses a directory of private files that group or other users may write into. */
export async function assertPrivateDirectory(dir: string, what: string): Promise<void> {
  if (!POSIX) return;
  const stats = await stat(dir).catch(() => undefined);
  if (stats === undefined || (stats.mode & 0o022) === 0) return; // a missing one is the caller's
  throw new AirlockError(
    'KEY_FILE_EXPOSED',
    `The ${what} ${dir} can be written by other users (mode ${modeText(stats.mode)}), who could replace the keys in it: run \`chmod go-w ${dir}\`.`,
    { path: dir, mode: modeText(stats.mode) },
  );
}

/** Checks a private file that is not read now (a key kept for later); a missing one passes. */
export async function assertPrivatePath(path: string, what: string): Promise<void> {
  await assertPrivateDirectory(dirname(path), `directory of the ${what}`);
  const stats = await stat(path).catch(() => undefined);
  if (stats !== undefined) assertPrivateFile(path, stats, what);
}

/**
 * Reads a private file whole (at most `maxBytes`), after checking the directory it is in and,
 * on the open file itself, its permission bits.
 */
export async function readPrivateFile(
  path: string,
  maxBytes: number,
  what: string,
  options: PrivateFileOptions = {},
): Promise<Uint8Array> {
  if (options.owner !== true)
    await assertPrivateDirectory(dirname(path), `directory of the ${what}`);
  return readFileBounded(path, maxBytes, what, {
    check: (stats) => assertPrivateFile(path, stats, what, options),
  });
}
