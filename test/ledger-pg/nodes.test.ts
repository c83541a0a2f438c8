// Several appliance nodes on one PostgreSQL ledger: works racing on two nodes in one process and
// on separate processes never pass a limit and lose nothing; a node hears the other's commits by
// itself (LISTEN/NOTIFY) and refresh() makes it current at once, also while its own COMMIT's reply
// is still on the way; a node opens from another's snapshot; a node whose database was put back to
// an older copy reads it again.

import test from 'ava';
import { finished, T0, type Tally } from '../ledger/helpers.ts';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import type { Ledger, LedgerNotice } from '../../src/ledger/ledger.ts';
import { startPgProxy } from '../helpers/pg-proxy.ts';
import { databaseOf } from '../helpers/postgres.ts';
import { openNode as open, until } from './helpers.ts';

const cluster = clusterForFile();

/** A work that takes a seat while fewer than `limit` are taken. */
const takeSeat = (ledger: Ledger<Tally>, limit: number) => () => {
  if (ledger.state.count >= limit) return false;
  void ledger.append('seat', {}, T0);
  return true;
};

test('two nodes racing for the last seats never pass the limit, and agree after refresh', async (t) => {
  const url = await cluster().createDatabase();
  const [a, b] = [await open(url), await open(url)];
  const limit = 25;
  const outcomes = await Promise.all(
    Array.from({ length: 120 }, (_, i) => {
      const node = i % 2 === 0 ? a : b;
      return node.transact(takeSeat(node, limit));
    }),
  );
  t.is(outcomes.filter(Boolean).length, limit);
  await Promise.all([a.refresh(), b.refresh()]);
  t.is(a.state.count, limit);
  t.deepEqual(b.state, a.state);
  t.deepEqual(b.head, a.head);
  t.deepEqual(await a.verify(), {
    ok: true,
    records: limit,
    lastSeq: limit,
    lastHash: a.head.hash,
  });
  await Promise.all([a.close(), b.close()]);
});

test('a node hears another node’s commits without being asked; refresh is current at once', async (t) => {
  const url = await cluster().createDatabase();
  const [a, b] = [await open(url), await open(url)];
  await a.append('a', { n: 1 }, T0);
  t.true(await until(() => b.state.count === 1), 'LISTEN/NOTIFY brought it');

  for (let i = 0; i < 20; i++) {
    await a.append('a', { n: 1 }, T0);
    await b.refresh();
    t.is(b.state.count, i + 2, 'refresh after an acknowledged append sees it');
  }
  // b writes on top of what it caught up on: one chain.
  const record = await b.append('b', {}, T0);
  t.is(record.seq, 22);
  await a.refresh();
  t.deepEqual(a.head, b.head);
  await Promise.all([a.close(), b.close()]);
});

test('a node catching up past its own committed records before their COMMIT’s reply keeps its state', async (t) => {
  const url = await cluster().createDatabase();
  const database = databaseOf(url);
  const proxy = await startPgProxy(url);
  t.teardown(() => proxy.close());
  const notices: LedgerNotice[] = [];
  const a = await open(proxy.url, { onNotice: (notice) => notices.push(notice) });
  const b = await open(url);
  await a.append('a', { n: 1 }, T0);

  // a's record 2 is committed, but a has not heard so: its COMMIT's reply is held.
  proxy.holdNextCommit();
  const appended = a.append('a', { n: 2 }, T0);
  await proxy.commitHeld();
  const stored = async () =>
    Number(
      (await cluster().query('SELECT count(*) AS n FROM airlock.ledger_records', database)).rows[0]
        .n,
    );
  while ((await stored()) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
  // b writes after it, and a catches up (as NOTIFY or the next request's refresh would).
  t.is((await b.append('b', {}, T0)).seq, 3);
  const refreshed = a.refresh().then(() => 'current');
  const waited = new Promise((resolve) => setTimeout(resolve, 3000, 'still waiting'));
  t.is(await Promise.race([refreshed, waited]), 'current', 'refresh needs no reload');
  t.deepEqual(a.head, b.head);
  t.deepEqual(a.state, b.state);

  proxy.release();
  t.like(await appended, { seq: 2 });
  t.is((await a.append('a', { n: 3 }, T0)).seq, 4);
  await b.refresh();
  t.deepEqual(b.state, a.state);
  t.is(a.state.count, 4);
  t.deepEqual(
    notices.filter((notice) => notice.kind === 'reloading'),
    [],
  );
  t.true((await a.verify()).ok);
  await Promise.all([a.close(), b.close()]);
});

test('nodes in separate processes racing for seats never pass the limit', async (t) => {
  const url = await cluster().createDatabase();
  const limit = 100;
  const here = await open(url);
  const children = [1, 2].map(() =>
    spawn(
      process.execPath,
      ['--import=tsx', join(import.meta.dirname, 'child-node.ts'), url, '60', String(limit)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    ),
  );
  const results = children.map((child) => finished(child));
  // Every node opened before any starts: they race.
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve, reject) => {
          child.stdout!.once('data', resolve);
          child.once('exit', () => reject(new Error('a node ended before it was ready')));
        }),
    ),
  );
  for (const child of children) child.stdin!.write('go\n');
  const ours = await Promise.all(
    Array.from({ length: 60 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      return here.transact(takeSeat(here, limit));
    }),
  );
  let granted = ours.filter(Boolean).length;
  const each = [granted];
  for (const result of await Promise.all(results)) {
    t.is(result.code, 0, result.stderr);
    const theirs = (JSON.parse(result.stdout.split('\n').at(-2)!) as { granted: number }).granted;
    each.push(theirs);
    granted += theirs;
  }
  t.log('granted per node', each);
  t.is(granted, limit);
  await here.refresh();
  t.is(here.state.count, limit);
  t.like(await here.verify(), { ok: true, records: limit });
  await here.close();
});

test('a node opens from the snapshot another node wrote, replaying only what follows', async (t) => {
  const url = await cluster().createDatabase();
  const a = await open(url, { snapshotEvery: 10 });
  for (let i = 0; i < 25; i++) await a.append('a', { n: i }, T0);
  await a.settle();
  const b = await open(url);
  t.deepEqual(b.opened, { snapshotSeq: 20, replayed: 5 });
  t.deepEqual(b.state, a.state);
  await Promise.all([a.close(), b.close()]);
});

test('a node whose database was put back to an older copy reads it again before writing', async (t) => {
  const url = await cluster().createDatabase();
  const database = databaseOf(url);
  const ledger = await open(url);
  for (let i = 0; i < 10; i++) await ledger.append('a', { n: 1 }, T0);
  // As a restore would: the last four records are gone (the trigger is bypassed as superuser).
  await cluster().query(
    'SET session_replication_role = replica; DELETE FROM airlock.ledger_records WHERE seq > 6',
    database,
  );
  const record = await ledger.append('b', {}, T0);
  t.is(record.seq, 7, 'follows the database’s last record, not the node’s');
  t.is(ledger.state.count, 7);
  t.true((await ledger.verify()).ok);
  await ledger.close();
});
