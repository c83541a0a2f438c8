// Where the passphrase of sealed key files comes from (docs/KEYS.md "The passphrase"):
// AIRLOCK_PASSPHRASE, or AIRLOCK_PASSPHRASE_FILE naming a file that only the user running airlock
// owns and can read (a service's credentials file), never both.

import { AirlockError } from '../core/errors.ts';
import { readPrivateFile } from '../node/private-file.ts';
import type { Env } from './context.ts';

/** A passphrase is a line of text; a file larger than this is not a passphrase file. */
export const MAX_PASSPHRASE_FILE_BYTES = 1024;

/** The passphrase the environment gives, or undefined; reads the passphrase file when named. */
export async function passphraseFrom(env: Env): Promise<string | undefined> {
  const given = env['AIRLOCK_PASSPHRASE'] || undefined;
  const path = env['AIRLOCK_PASSPHRASE_FILE'] || undefined;
  if (path === undefined) return given;
  if (given !== undefined) {
    throw new AirlockError(
      'USAGE',
      'Both AIRLOCK_PASSPHRASE and AIRLOCK_PASSPHRASE_FILE are set: set only one of them, so that it is clear which passphrase is meant.',
    );
  }
  return readPassphraseFile(path, 'AIRLOCK_PASSPHRASE_FILE');
}

/** A passphrase from a private file (`source` names where the path came from, for messages). */
export async function readPassphraseFile(path: string, source: string): Promise<string> {
  const bytes = await readPrivateFile(path, MAX_PASSPHRASE_FILE_BYTES, 'passphrase file', {
    owner: true,
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AirlockError('FORMAT_INVALID', `The passphrase file ${path} is not UTF-8 text.`, {
      path,
    });
  }
  // Editors and `echo` end the file with a newline; it is not part of the passphrase.
  const passphrase = text.replace(/\r?\n$/, '');
  if (passphrase === '') {
    throw new AirlockError(
      'PASSPHRASE_REQUIRED',
      `The passphrase file ${path} (${source}) is empty: write the passphrase into it.`,
      { path },
    );
  }
  return passphrase;
}
