// Every record of a PostgreSQL ledger from the first, streaming and checked, for readers that do
// not open it as a node (`airlock audit`, `airlock ledger migrate`): no migration, no state.

import type { LedgerRecord } from '../ledger/record.ts';
import { createPool, databaseLabel } from './connection.ts';
import { readRows, requireRecordsTable } from './record-rows.ts';
import { databaseRefusal } from './refusals.ts';
import { DEFAULT_SCHEMA, pgNames } from './schema.ts';

export async function* allPgRecords(
  url: string,
  options: { readonly purpose: string; readonly schema?: string },
): AsyncGenerator<LedgerRecord> {
  const names = pgNames(options.schema ?? DEFAULT_SCHEMA);
  const label = databaseLabel(url);
  const pool = createPool({ url, purpose: options.purpose, poolSize: 1 });
  pool.on('error', () => undefined); // an idle connection lost: the next query reports it
  try {
    await requireRecordsTable(pool, names, label).catch((error: unknown) => {
      throw databaseRefusal(label, error, { reading: true });
    });
    const records = readRows(pool, names, 1)[Symbol.asyncIterator]();
    for (;;) {
      const next = await records.next().catch((error: unknown) => {
        throw databaseRefusal(label, error, { reading: true });
      });
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}
