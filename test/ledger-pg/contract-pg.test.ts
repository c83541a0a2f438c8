// The ledger contract (test/ledger/contract.ts) on the PostgreSQL ledger: a database per test on
// a throwaway cluster, a record tampered with by a superuser who turns the append-only trigger
// off for the session and changes the row's line.

import { openPgLedger } from '../../src/ledger-pg/pg-ledger.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { databaseOf } from '../helpers/postgres.ts';
import { ledgerContract } from '../ledger/contract.ts';
import { tallyReducer } from '../ledger/helpers.ts';

const cluster = clusterForFile();

ledgerContract('postgres', () => ({
  async place() {
    const url = await cluster().createDatabase();
    const database = databaseOf(url);
    return {
      open: (options = {}) =>
        openPgLedger({
          url,
          reducer: options.reducer ?? tallyReducer,
          purpose: 'contract test',
          ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
        }),
      async tamper(seq) {
        const changed = await cluster().query(
          'SET session_replication_role = replica; ' +
            `UPDATE airlock.ledger_records SET line = replace(line, '"data":{', '"data":{"x":1,') WHERE seq = ${Number(seq)}`,
          database,
        );
        const results = changed as unknown as Array<{ rowCount: number }>;
        if (results.at(-1)?.rowCount !== 1) throw new Error(`no record ${seq} to tamper with`);
      },
    };
  },
}));
