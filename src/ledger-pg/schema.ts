// Names in the ledger's database: the schema that holds its tables (so that one database can be
// shared with other software, or hold several ledgers), quoted identifiers, the advisory lock keys
// and the notification channel, all derived from the schema's name.

import { hash } from 'node:crypto';

export const DEFAULT_SCHEMA = 'airlock';
/** Lower-case, so that the name needs no quoting rules; short enough for the channel's name. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

export interface PgNames {
  readonly schema: string;
  /** Qualified, quoted table names, ready for SQL text. */
  readonly records: string;
  readonly snapshots: string;
  readonly migrations: string;
  readonly documents: string;
  /** The records table as people read it ("airlock.ledger_records"), for messages. */
  readonly recordsLabel: string;
  /** LISTEN/NOTIFY channel on which writers announce the seq of their last record. */
  readonly channel: string;
  /** pg_advisory_xact_lock keys (signed 64-bit integers as decimal text). */
  readonly writerLock: string;
  readonly migrationLock: string;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function lockKey(purpose: string, schema: string): string {
  const digest = hash('sha256', `airlock-ledger/${purpose}/${schema}`, 'hex');
  return BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`)).toString();
}

export function pgNames(schema: string = DEFAULT_SCHEMA): PgNames {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw new TypeError(
      'schema must be 1 to 48 lower-case letters, digits or _, not first a digit',
    );
  }
  const table = (name: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
  return {
    schema,
    records: table('ledger_records'),
    snapshots: table('ledger_snapshots'),
    migrations: table('schema_migrations'),
    documents: table('shared_documents'),
    recordsLabel: `${schema}.ledger_records`,
    channel: `airlock_ledger_${schema}`,
    writerLock: lockKey('writer', schema),
    migrationLock: lockKey('migrate', schema),
  };
}
