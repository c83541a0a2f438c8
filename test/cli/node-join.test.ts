// `airlock appliance init --join DIR`: another node of an appliance whose ledger is in
// PostgreSQL: the same appliance ID, secret and settings, a key and certificate of its own.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { Workspace } from './helpers.ts';

const LEDGER = 'ledger = "postgres://airlock@127.0.0.1:5432/airlock"\n';

const read = async (dir: string, name: string) => readFile(join(dir, name), 'utf8');

test('a standalone node joins with its own key and certificate, and both are trusted', async (t) => {
  const ws = await Workspace.create(t);
  const first = ws.path('node-1');
  const made = await ws.given(t, ['appliance', 'init', '--data', first]);
  await writeFile(join(first, 'airlock.toml'), LEDGER);
  const joined = await ws.ok(t, [
    'appliance',
    'init',
    '--data',
    ws.path('node-2'),
    '--join',
    first,
  ]);
  t.like(joined, { mode: 'standalone', applianceId: made['applianceId'], joined: first });
  t.not(joined['certificateId'], made['certificateId']);

  const second = ws.path('node-2');
  t.is(await read(second, 'secret.key'), await read(first, 'secret.key'));
  t.is(await read(second, 'airlock.toml'), LEDGER, 'the same ledger');
  t.is(await read(second, 'users.json'), await read(first, 'users.json'));
  t.not(await read(second, 'appliance.key'), await read(first, 'appliance.key'));
  const info = (dir: string) => ws.given(t, ['appliance', 'info', '--data', dir]);
  const [a, b] = [await info(first), await info(second)];
  t.is(a['applianceId'], b['applianceId']);
  t.not(a['keyId'], b['keyId']);
  // The new node's trust.json holds both nodes' certificates: typed responses of either verify.
  const certificates = JSON.parse(await read(second, 'trust.json')).certificates as string[];
  t.deepEqual(certificates, [
    (await read(first, 'appliance.cert')).trim(),
    (await read(second, 'appliance.cert')).trim(),
  ]);
});

test('a delegated node asks the vendor for its certificate', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const first = ws.path('node-1');
  const made = await ws.given(t, ['appliance', 'init', '--data', first, '--trust', ws.vendor]);
  await writeFile(join(first, 'airlock.toml'), LEDGER);
  const joined = await ws.ok(t, [
    'appliance',
    'init',
    '--data',
    ws.path('node-2'),
    '--join',
    first,
  ]);
  t.like(joined, { mode: 'delegated', applianceId: made['applianceId'] });
  const request = JSON.parse(await read(ws.path('node-2'), 'delegation-request.json'));
  t.is(`apl_${request.applianceId}`, made['applianceId']);
  const cert = ws.path('node-2.cert');
  await ws.given(t, [
    'vendor',
    'delegate',
    joined['requestFile'],
    '--vendor',
    ws.vendor,
    '--out',
    cert,
  ]);
  await ws.ok(t, ['appliance', 'install-cert', cert, '--data', ws.path('node-2')]);
});

test('joining an appliance that keeps its own file ledger is refused, and nothing is made', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['appliance', 'init', '--data', ws.path('node-1')]);
  const { error } = await ws.refused(
    t,
    ['appliance', 'init', '--data', ws.path('node-2'), '--join', ws.path('node-1')],
    'CONFIG_INVALID',
  );
  t.regex(error['message'], /ledger migrate/);
  await t.throwsAsync(read(ws.path('node-2'), 'appliance.json'));
});
