// A node's turn at writing (src/ledger-pg/turn.ts), whose records, NOTIFY and COMMIT go to the
// server in one query string: records whose text needs quoting are stored byte for byte; a COMMIT
// whose reply is lost is refused as "may or may not have been recorded", and the node then holds
// what the database does; an insert the server refuses recorded nothing, and the next works go on.

import test from 'ava';
import type { LedgerNotice } from '../../src/ledger/ledger.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { startPgProxy } from '../helpers/pg-proxy.ts';
import { databaseOf } from '../helpers/postgres.ts';
import { T0 } from '../ledger/helpers.ts';
import { openNode as open, until } from './helpers.ts';

const cluster = clusterForFile();

async function storedCount(database: string): Promise<number> {
  const sql = 'SELECT count(*) AS n FROM airlock.ledger_records';
  return Number((await cluster().query(sql, database)).rows[0].n);
}

test('records whose text needs quoting are stored exactly as encoded', async (t) => {
  const url = await cluster().createDatabase();
  const ledger = await open(url);
  const texts = [
    "it's",
    'back\\slash',
    "\\'; DROP TABLE airlock.ledger_records; --",
    '$$ dollar $tag$',
    "E'x'",
    'ünïcødé ✓ 日本 🚀',
    'line\nbreak\ttab',
    '"quoted"',
  ];
  const written = await ledger.transact(() =>
    texts.map((text, i) => ledger.append(i % 2 === 0 ? "type's" : 'type\\b', { text }, T0)),
  );
  const appended = await Promise.all(written);
  const read = [];
  for await (const record of ledger.records()) read.push(record);
  t.deepEqual(read, appended);
  t.deepEqual(
    read.map((r) => r.data['text']),
    texts,
  );
  t.true((await ledger.verify()).ok, 'the columns agree with the lines');
  await ledger.close();
});

test('a COMMIT whose reply is lost is refused as may or may not recorded; the node then holds the database’s records', async (t) => {
  const url = await cluster().createDatabase();
  const database = databaseOf(url);
  const proxy = await startPgProxy(url);
  t.teardown(() => proxy.close());
  const notices: LedgerNotice[] = [];
  const ledger = await open(proxy.url, {
    probeIntervalMs: 100,
    onNotice: (notice) => notices.push(notice),
  });
  await ledger.append('a', { n: 1 }, T0);

  proxy.holdNextCommit();
  const appended = ledger.append('a', { n: 2 }, T0);
  await proxy.commitHeld();
  t.true(await until(async () => (await storedCount(database)) === 2), 'committed');
  proxy.cut();
  await t.throwsAsync(appended, {
    code: 'LEDGER_UNAVAILABLE',
    message: /cannot be reached .*the last writes may or may not have been recorded/,
  });

  t.true(await until(() => ledger.available), 'available again by itself');
  await ledger.settle();
  t.is(ledger.state.count, 2, 'the state is read again: the record was committed');
  t.is((await ledger.append('a', { n: 3 }, T0)).seq, 3);
  t.true((await ledger.verify()).ok);
  t.true(notices.some((notice) => notice.kind === 'unavailable'));
  await ledger.close();
});

test('an insert the server refuses recorded nothing; the next works go on', async (t) => {
  const url = await cluster().createDatabase();
  const database = databaseOf(url);
  const ledger = await open(url);
  await ledger.append('a', { n: 1 }, T0);
  await cluster().query(
    'CREATE FUNCTION airlock.refuse() RETURNS trigger LANGUAGE plpgsql AS ' +
      "$$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$; " +
      'CREATE TRIGGER refuse BEFORE INSERT ON airlock.ledger_records ' +
      'FOR EACH ROW EXECUTE FUNCTION airlock.refuse()',
    database,
  );
  await t.throwsAsync(ledger.append('a', { n: 2 }, T0), {
    code: 'LEDGER_UNAVAILABLE',
    message: /refused the write \(refused for the test.*\); nothing was recorded\./,
  });
  await cluster().query('DROP TRIGGER refuse ON airlock.ledger_records', database);
  await ledger.settle();
  t.true(ledger.available, 'a refused write is not a lost database');
  t.is(ledger.state.count, 1);
  t.is((await ledger.append('a', { n: 3 }, T0)).seq, 2);
  t.is(await storedCount(database), 2);
  t.deepEqual(ledger.state.seqs, [1, 2]);
  await ledger.close();
});
