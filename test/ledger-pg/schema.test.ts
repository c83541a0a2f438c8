// The PostgreSQL ledger's schema and edges: migrations applied once and recorded, a newer schema
// refused untouched, the records table append-only, UTF8 required, schemas as separate ledgers,
// refusals that name the database but never its password, and verify's view of damaged rows.

import test from 'ava';
import { migrate, MIGRATIONS } from '../../src/ledger-pg/migrate.ts';
import { pgNames } from '../../src/ledger-pg/schema.ts';
import { verifyPgLedger } from '../../src/ledger-pg/verify.ts';
import { createPool } from '../../src/ledger-pg/connection.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { databaseOf } from '../helpers/postgres.ts';
import { T0, tallyReducer } from '../ledger/helpers.ts';
import { openNode as open } from './helpers.ts';

const cluster = clusterForFile();

/** A database holding a ledger of `count` records (closed again). */
async function ledgerOf(count: number) {
  const url = await cluster().createDatabase();
  const ledger = await open(url);
  for (let i = 0; i < count; i++) await ledger.append(i % 2 ? 'a' : 'b', { n: i }, T0 + i);
  await ledger.close();
  return { url, database: databaseOf(url) };
}

test('migrations are applied once, in order, and recorded', async (t) => {
  const url = await cluster().createDatabase();
  const pool = createPool({ url, purpose: 'schema test' });
  const known = MIGRATIONS.length;
  t.deepEqual(await migrate(pool, pgNames()), { from: 0, to: known });
  t.deepEqual(await migrate(pool, pgNames()), { from: known, to: known });
  // A later migration is applied on top of the ones recorded.
  const later = [
    ...MIGRATIONS,
    { version: known + 1, name: 'a later one', sql: 'CREATE TABLE later (x int)' },
  ];
  t.deepEqual(await migrate(pool, pgNames(), later), { from: known, to: known + 1 });
  const { rows } = await pool.query(
    'SELECT version, name FROM airlock.schema_migrations ORDER BY version',
  );
  t.deepEqual(rows, [
    { version: 1, name: 'ledger records and snapshots' },
    { version: 2, name: 'shared documents' },
    { version: 3, name: 'a later one' },
  ]);
  await pool.end();
});

test('a schema a newer airlock migrated is refused, and nothing is changed', async (t) => {
  const { url, database } = await ledgerOf(3);
  await cluster().query(
    "INSERT INTO airlock.schema_migrations (version, name) VALUES (3, 'from the future')",
    database,
  );
  await t.throwsAsync(open(url), {
    code: 'LEDGER_SCHEMA_NEWER',
    message: /schema "airlock" is at version 3, newer than this airlock knows \(2\)/,
  });
  const { rows } = await cluster().query(
    'SELECT count(*)::int AS n FROM airlock.ledger_records',
    database,
  );
  t.is(rows[0].n, 3);
});

test('the records table refuses UPDATE, DELETE and TRUNCATE', async (t) => {
  const { url, database } = await ledgerOf(3);
  for (const sql of [
    "UPDATE airlock.ledger_records SET type = 'x' WHERE seq = 2",
    'DELETE FROM airlock.ledger_records WHERE seq = 3',
    'TRUNCATE airlock.ledger_records',
  ]) {
    await t.throwsAsync(cluster().query(sql, database), { message: /append-only/ }, sql);
  }
  const ledger = await open(url);
  t.deepEqual(await ledger.verify(), {
    ok: true,
    records: 3,
    lastSeq: 3,
    lastHash: ledger.head.hash,
  });
  await ledger.close();
});

test('verify finds a missing row and a column that disagrees with its line; progress counts records', async (t) => {
  const bypass = 'SET session_replication_role = replica; ';
  const gap = await ledgerOf(10);
  await cluster().query(`${bypass}DELETE FROM airlock.ledger_records WHERE seq = 4`, gap.database);
  t.like(await verifyPgLedger({ url: gap.url }), {
    ok: false,
    records: 3,
    firstBad: { seq: 4, file: 'airlock.ledger_records', line: 5, reason: 'sequence' },
  });

  const column = await ledgerOf(10);
  await cluster().query(
    `${bypass}UPDATE airlock.ledger_records SET type = 'other' WHERE seq = 6`,
    column.database,
  );
  t.like(await verifyPgLedger({ url: column.url }), {
    ok: false,
    records: 5,
    firstBad: { seq: 6, reason: 'malformed' },
  });

  const progress: Array<[number, number]> = [];
  const sound = await ledgerOf(10);
  t.like(await verifyPgLedger({ url: sound.url, onProgress: (d, n) => progress.push([d, n]) }), {
    ok: true,
    records: 10,
  });
  t.deepEqual(progress.at(-1), [10, 10]);
  await t.throwsAsync(verifyPgLedger({ url: await cluster().createDatabase() }), {
    code: 'FILE_NOT_FOUND',
    message: /holds no Airlock ledger \(no table airlock\.ledger_records\)/,
  });
});

test('a database not in UTF8 is refused: the records are hashed as UTF-8 text', async (t) => {
  const url = await cluster().createDatabase({ encoding: 'SQL_ASCII' });
  await t.throwsAsync(open(url), {
    code: 'CONFIG_INVALID',
    message: /encoding SQL_ASCII; Airlock needs UTF8/,
  });
});

test('two schemas in one database are two ledgers', async (t) => {
  const url = await cluster().createDatabase();
  const [east, west] = [await open(url, { schema: 'east' }), await open(url, { schema: 'west' })];
  await east.append('a', {}, T0);
  await east.append('a', {}, T0);
  await west.append('b', {}, T0);
  await Promise.all([east.refresh(), west.refresh()]);
  t.is(east.state.count, 2);
  t.deepEqual(west.state.byType, { b: 1 });
  await Promise.all([east.close(), west.close()]);
  await t.throwsAsync(open(url, { schema: 'Not-A-Name' }), { instanceOf: TypeError });
});

test('a database that cannot be reached is LEDGER_UNAVAILABLE naming it, never its password', async (t) => {
  const url = `postgres://airlock:s3cret@127.0.0.1:${cluster().port + 1}/nowhere`;
  const error = await t.throwsAsync(open(url, { connectTimeoutMs: 1000 }), {
    code: 'LEDGER_UNAVAILABLE',
    message: new RegExp(
      `database at 127\\.0\\.0\\.1:${cluster().port + 1}/nowhere cannot be reached`,
    ),
  });
  t.false(
    JSON.stringify({
      message: error?.message,
      details: (error as { details?: unknown })?.details,
    }).includes('s3cret'),
  );
  await t.throwsAsync(verifyPgLedger({ url }), {
    code: 'LEDGER_UNAVAILABLE',
    message: /cannot be reached/,
  });
  await t.throwsAsync(open('mysql://127.0.0.1/x'), {
    code: 'CONFIG_INVALID',
    message: /postgres:\/\//,
  });
});

test('a work that returns a promise is refused as misuse, and what it appended is dropped', async (t) => {
  const url = await cluster().createDatabase();
  const ledger = await open(url);
  await t.throwsAsync(
    ledger.transact(async () => {
      void ledger.append('a', {}, T0);
    }),
    { instanceOf: TypeError, message: /synchronous/ },
  );
  await ledger.settle();
  t.is(ledger.state.count, 0);
  t.is((await ledger.append('b', {}, T0)).seq, 1);
  await ledger.close();
});

test('an append the reducer refuses inside a work fails the whole work', async (t) => {
  const url = await cluster().createDatabase();
  const ledger = await open(url, {
    reducer: {
      ...tallyReducer,
      apply(state, record) {
        if (record.type === 'refused') throw new Error('no such license');
        return tallyReducer.apply(state, record);
      },
    },
  });
  await t.throwsAsync(
    ledger.transact(() => {
      void ledger.append('a', {}, T0);
      void ledger.append('refused', {}, T0);
      return 'done';
    }),
    { message: 'no such license' },
  );
  await ledger.settle();
  t.is(ledger.state.count, 0);
  t.is(ledger.head.seq, 0);
  await ledger.close();
});
