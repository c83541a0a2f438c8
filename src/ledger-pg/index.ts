// The activation ledger on PostgreSQL, for several appliance nodes on one database: only a list
// of what is public (docs/POSTGRES.md).

export { openPgLedger, type PgLedger, type PgLedgerOptions } from './pg-ledger.ts';
export { verifyPgLedger, type VerifyPgLedgerOptions } from './verify.ts';
export { migrate, MIGRATIONS, type Migrated, type Migration } from './migrate.ts';
export { databaseLabel, type PgConnectionOptions } from './connection.ts';
export { DEFAULT_SCHEMA, pgNames, type PgNames } from './schema.ts';
