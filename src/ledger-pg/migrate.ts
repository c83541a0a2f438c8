// The ledger database's schema, versioned: every migration this code knows, applied in order in
// one transaction under an advisory lock (nodes starting together apply each once), each recorded
// in schema_migrations; a database whose schema is newer than this code is refused untouched.

import type pg from 'pg';
import { AirlockError } from '../core/errors.ts';
import { checkOut } from './connection.ts';
import ledger001 from './migrations/001-ledger.ts';
import shared002 from './migrations/002-shared-documents.ts';
import { type PgNames, quoteIdentifier } from './schema.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** In order of version, each one more than the last. */
export const MIGRATIONS: readonly Migration[] = [ledger001, shared002];

export interface Migrated {
  /** The schema's version before, and after. */
  readonly from: number;
  readonly to: number;
}

export async function migrate(
  pool: pg.Pool,
  names: PgNames,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<Migrated> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new TypeError('migrations must be numbered 1, 2, 3 …');
  });
  const known = migrations.length;
  const client = await checkOut(pool);
  let failed = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${names.migrationLock})`);
    const { rows: encoding } = await client.query<{ encoding: string }>(
      'SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()',
    );
    // Records are stored as text and hashed as UTF-8: any other encoding would change their bytes.
    if (encoding[0]?.encoding !== 'UTF8') {
      throw new AirlockError(
        'CONFIG_INVALID',
        `The ledger database uses the encoding ${encoding[0]?.encoding ?? 'unknown'}; Airlock needs UTF8 ` +
          "(CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0).",
        { encoding: encoding[0]?.encoding ?? 'unknown' },
      );
    }
    // Checked before creating, so that a role without CREATE on the database can use a schema
    // its administrator made.
    const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
      names.schema,
    ]);
    if (schema.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(names.schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(names.schema)}`);
    const table = await client.query<{ name: string | null }>(
      'SELECT to_regclass($1)::text AS name',
      [names.migrations],
    );
    if (table.rows[0]?.name === null) {
      await client.query(
        'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ' +
          'applied_at timestamptz NOT NULL DEFAULT now())',
      );
    }
    const { rows } = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
    );
    const from = rows[0]!.version;
    if (from > known) {
      throw new AirlockError(
        'LEDGER_SCHEMA_NEWER',
        `The ledger database's schema "${names.schema}" is at version ${from}, newer than this airlock knows ` +
          `(${known}): a newer airlock migrated it. Run that version or a newer one on every node.`,
        { schema: names.schema, version: from, known },
      );
    }
    for (const migration of migrations.slice(from)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, known) };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A failed transaction is ended by dropping its connection: the server rolls it back.
    client.release(failed);
  }
}
