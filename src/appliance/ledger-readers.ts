// Reading an appliance's ledger where it is kept (the data directory's journal, or PostgreSQL when
// the `ledger` setting names a database) without opening it: read-only and lock-free, so these run
// beside a serving appliance (`airlock ledger verify`, `airlock audit`).

import { allRecords, verifyLedger, type VerifyResult } from '../ledger/index.ts';
import type { LedgerRecord } from '../ledger/record.ts';
import { allPgRecords } from '../ledger-pg/all-records.ts';
import { verifyPgLedger } from '../ledger-pg/verify.ts';
import { assertLedgerHere } from './ledger-moved.ts';
import { ledgerDir } from './service.ts';

/** Every record from the first, checked as read. */
export async function* ledgerRecords(
  dir: string,
  url: string | undefined,
): AsyncGenerator<LedgerRecord> {
  if (url !== undefined) {
    yield* allPgRecords(url, { purpose: 'reading the ledger' });
    return;
  }
  await assertLedgerHere(ledgerDir(dir));
  yield* allRecords(ledgerDir(dir));
}

/**
 * Checks every record's checksum, sequence and chain. Progress counts bytes of the journal's
 * files, or records of the database's.
 */
export async function verifyApplianceLedger(
  dir: string,
  url: string | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyResult> {
  const progress = onProgress === undefined ? {} : { onProgress };
  if (url !== undefined) return verifyPgLedger({ url, ...progress });
  await assertLedgerHere(ledgerDir(dir));
  return verifyLedger(ledgerDir(dir), progress);
}
