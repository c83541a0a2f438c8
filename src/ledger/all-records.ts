// Every record of a ledger's journal from the first, streaming, for readers that look at all of
// them (`airlock audit`). Read-only and lock-free, like verify: it runs beside a serving appliance.

import { readRecords } from './reader.ts';
import type { LedgerRecord } from './record.ts';
import { journalDirectory, listSegments } from './segments.ts';

export async function* allRecords(dir: string): AsyncGenerator<LedgerRecord> {
  yield* readRecords(await listSegments(journalDirectory(dir)), { fromSeq: 1 });
}
