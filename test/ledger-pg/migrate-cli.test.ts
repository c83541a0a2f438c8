// `airlock ledger migrate`: a data directory's ledger moved into PostgreSQL (the same chain; the
// setting written; the appliance goes on there) and back onto a single box; refusals.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { vendorWithLicense } from '../cli/helpers.ts';

const cluster = clusterForFile();

/** An appliance with a 5-seat license and two machines activated, on its file ledger. */
async function appliance(t: Parameters<typeof vendorWithLicense>[0]) {
  const { ws, key } = await vendorWithLicense(t, ['--seats', '5']);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  await ws.given(t, ['license', 'add', key, '--data', data]);
  const activate = async (machine: string) => {
    const store = ['--store', ws.path(machine), '--trust', join(data, 'trust.json')];
    const env = { AIRLOCK_MACHINE_ID: machine };
    const { challenge } = await ws.given(
      t,
      ['client', 'challenge', '--license', key, ...store],
      env,
    );
    return ws.given(t, ['respond', challenge, '--data', data]);
  };
  await activate('m1');
  await activate('m2');
  return { ws, data, activate };
}

test('a ledger moved into PostgreSQL keeps its chain, and the appliance goes on there; then back', async (t) => {
  const { ws, data, activate } = await appliance(t);
  const before = await ws.given(t, ['ledger', 'verify', '--data', data]);
  const url = await cluster().createDatabase();

  const moved = await ws.ok(t, ['ledger', 'migrate', '--from', data, '--to', url]);
  t.like(moved, { records: before['records'], seq: before['lastSeq'], hash: before['lastHash'] });
  t.is(moved['setting'], 'written');
  t.regex(await readFile(join(data, 'airlock.toml'), 'utf8'), /^ledger = "postgres:\/\//m);

  // Settings that name no database (say, a service reading another file) find the journal moved.
  const settings = await readFile(join(data, 'airlock.toml'), 'utf8');
  await rm(join(data, 'airlock.toml'));
  await ws.refused(t, ['license', 'list', '--data', data], 'LEDGER_MOVED');
  await ws.refused(t, ['ledger', 'verify', '--data', data], 'LEDGER_MOVED');
  await writeFile(join(data, 'airlock.toml'), settings);

  // Every command now follows the setting: verify reads the database, respond writes there.
  const there = await ws.ok(t, ['ledger', 'verify', '--data', data]);
  t.like(there, { ok: true, records: before['records'], lastHash: before['lastHash'] });
  const third = await activate('m3');
  t.is(third['seatsUsed'], 3);
  t.like(await ws.ok(t, ['ledger', 'verify', '--data', data]), { records: before['records'] + 1 });

  // Moving it again is refused: the journal says it was moved.
  await ws.refused(t, ['ledger', 'migrate', '--from', data, '--to', url], 'LEDGER_MOVED');

  // Back onto a single box: the journal emptied, the setting removed.
  await rm(join(data, 'ledger'), { recursive: true });
  const back = await ws.ok(t, ['ledger', 'migrate', '--from', url, '--to', data]);
  t.is(back['records'], before['records'] + 1);
  await rm(join(data, 'airlock.toml'));
  t.like(await ws.ok(t, ['ledger', 'verify', '--data', data]), {
    ok: true,
    records: before['records'] + 1,
    lastHash: back['hash'],
  });
  t.is((await activate('m4'))['seatsUsed'], 4, 'the seats counted from the moved ledger');
});

test('refusals: two directories or two URLs, and a source with a writer', async (t) => {
  const { ws, data } = await appliance(t);
  await ws.refused(t, ['ledger', 'migrate', '--from', data, '--to', ws.path('other')], 'USAGE');
  const url = await cluster().createDatabase();
  await ws.refused(t, ['ledger', 'migrate', '--from', url, '--to', url], 'USAGE');
  // Another process writing the data directory (as serve would) holds its ledger's lock.
  const { acquireLock } = await import('../../src/ledger/index.ts');
  const lock = await acquireLock(join(data, 'ledger'), { purpose: 'appliance server (test)' });
  try {
    await ws.refused(t, ['ledger', 'migrate', '--from', data, '--to', url], 'LEDGER_LOCKED');
  } finally {
    await lock.release();
  }
  t.like(await ws.given(t, ['ledger', 'verify', '--data', data]), { ok: true });
  // Another appliance's ledger into a database that holds one already.
  const other = await appliance(t);
  await other.ws.ok(t, ['ledger', 'migrate', '--from', other.data, '--to', url]);
  const full = await ws.refused(
    t,
    ['ledger', 'migrate', '--from', data, '--to', url],
    'LEDGER_NOT_EMPTY',
  );
  t.regex(full.error['message'], /already holds/);
});
