// The mark `airlock ledger migrate` leaves in a data directory whose journal it moved into
// PostgreSQL: a command or server that reads settings naming no database would otherwise go on
// with the old journal, and the appliance's ledger would split in two.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';

export const MOVED_FILE = 'MOVED.json';

/** Written into the ledger folder once its records are in the database. */
export async function markLedgerMoved(ledgerDir: string, database: string, at: number) {
  const text = `${JSON.stringify({ movedTo: database, at })}\n`;
  await writeFile(join(ledgerDir, MOVED_FILE), text, { mode: 0o600 });
}

/** LEDGER_MOVED when the journal in `ledgerDir` was moved into a database. */
export async function assertLedgerHere(ledgerDir: string): Promise<void> {
  const text = await readFile(join(ledgerDir, MOVED_FILE), 'utf8').catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return;
  let movedTo = 'a PostgreSQL database';
  try {
    const parsed = JSON.parse(text) as { movedTo?: unknown };
    if (typeof parsed.movedTo === 'string')
      movedTo = `the database at ${parsed.movedTo.slice(0, 200)}`;
  } catch {
    // a damaged mark still means the journal was moved
  }
  throw new AirlockError(
    'LEDGER_MOVED',
    `This appliance's ledger was moved into ${movedTo} (${join(ledgerDir, MOVED_FILE)}), but the settings read name no database: set ledger = "postgres://…" in the settings this command or service reads (or AIRLOCK_LEDGER).`,
    { path: join(ledgerDir, MOVED_FILE) },
  );
}
