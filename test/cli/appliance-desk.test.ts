// The site's CLI on an appliance data directory: licenses added and created, challenges answered
// and seats freed from the ledger, tokens, the ledger's verification, and the lock that keeps a
// second writer out.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { acquireLock } from '../../src/ledger/index.ts';
import { vendorWithLicense, Workspace } from './helpers.ts';

/** A standalone appliance with a vendor-signed 2-seat license added to it. */
async function site(t: Parameters<typeof vendorWithLicense>[0]) {
  const { ws, key, licenseId } = await vendorWithLicense(t, ['--seats', '2']);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  const added = await ws.given(t, ['license', 'add', key, '--data', data]);
  t.is(added['outcome'], 'added');
  return { ws, key, licenseId, data };
}

test('the whole offline loop through the appliance CLI: challenge, respond, apply, status, deactivate, seat free again', async (t) => {
  const { ws, key, licenseId, data } = await site(t);
  const trust = ['--store', ws.store, '--trust', join(data, 'trust.json')];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);

  const answer = await ws.ok(t, ['respond', challenge, '--data', data]);
  t.like(answer, { licenseId, renewal: false, seats: 2, seatsUsed: 1 });
  t.regex(answer['response'], /^R[0-9A-Z-]{148}$/);

  await ws.ok(t, ['client', 'apply', answer['qr'], ...trust]);
  const status = await ws.ok(t, ['client', 'status', ...trust]);
  t.is(status['valid'], true);

  // The same machine asking again renews its activation and takes no second seat.
  const again = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);
  const renewed = await ws.ok(t, ['respond', again['challenge'], '--data', data]);
  t.like(renewed, { activationId: answer['activationId'], renewal: true, seatsUsed: 1 });
  await ws.given(t, ['client', 'apply', renewed['response'], ...trust]);

  const { code } = await ws.given(t, ['client', 'deactivate', '--store', ws.store]);
  const freed = await ws.ok(t, ['deactivate', code, '--data', data]);
  t.like(freed, { outcome: 'freed', activationId: answer['activationId'], seatsUsed: 0 });
  t.like(await ws.ok(t, ['deactivate', code, '--data', data]), { outcome: 'already' });

  const listed = await ws.ok(t, ['activations', 'list', '--data', data, '--license', licenseId]);
  t.deepEqual(
    listed['activations'].map((a: any) => [a.activationId, a.status]),
    [[answer['activationId'], 'deactivated']],
  );
  const shown = await ws.ok(t, ['license', 'show', licenseId, '--data', data]);
  t.like(shown['license'], { seatsUsed: 0, seats: 2 });
  t.like(await ws.ok(t, ['ledger', 'verify', '--data', data]), { ok: true, records: 4 });
});

test('the third machine on a 2-seat license is refused, and the ledger is unchanged by it', async (t) => {
  const { ws, key, data } = await site(t);
  for (const machine of ['m1', 'm2']) {
    const store = ws.path(`store-${machine}`);
    const env = { AIRLOCK_MACHINE_ID: machine };
    const trust = ['--store', store, '--trust', join(data, 'trust.json')];
    const { challenge } = await ws.given(
      t,
      ['client', 'challenge', '--license', key, ...trust],
      env,
    );
    await ws.given(t, ['respond', challenge, '--data', data]);
  }
  const env = { AIRLOCK_MACHINE_ID: 'm3' };
  const trust = ['--store', ws.path('store-m3'), '--trust', join(data, 'trust.json')];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust], env);
  const before = await ws.snapshot('data/ledger/journal');
  await ws.refused(t, ['respond', challenge, '--data', data], 'SEATS_EXHAUSTED');
  t.deepEqual(await ws.snapshot('data/ledger/journal'), before);
});

test('respond reads the challenge from a photo of its QR code', async (t) => {
  const { ws, key, data } = await site(t);
  const trust = ['--store', ws.store, '--trust', join(data, 'trust.json')];
  const photo = ws.path('challenge.png');
  await ws.given(t, ['client', 'challenge', '--license', key, ...trust, '--qr', photo]);
  const answer = await ws.ok(t, ['respond', '--image', photo, '--data', data]);
  t.is(answer['seatsUsed'], 1);
  await ws.refused(t, ['respond', '--data', data], 'USAGE');
});

test('an appliance-held license: created with an S key shown once, redeemed for its signed key, activated', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data]);
  const made = await ws.ok(t, [
    'license',
    'create',
    '--data',
    data,
    '--product',
    'tools',
    '--seats',
    '1',
    '--features',
    'export,pro',
  ]);
  const held: string = made['heldKey'];
  t.regex(held, /^S[0-9A-Z]{8}-[0-9A-Z]{9}-[0-9A-Z]{9}$/);
  t.like(made['license'], { product: 'tools', held: true, seats: 1 });

  // The key itself is nowhere in the data directory: only its keyed hash.
  const files = await ws.snapshot('data');
  const compact = held.replaceAll('-', '');
  for (const [, content] of files) {
    const text = Buffer.from(content, 'base64').toString('utf8');
    t.false(text.includes(held) || text.includes(compact));
  }

  // Typed with confusable characters and lower case, it still redeems.
  const sloppy = held.toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l');
  const redeemed = await ws.ok(t, ['license', 'redeem', sloppy, '--data', data]);
  t.is(redeemed['license']['licenseId'], made['license']['licenseId']);
  const key: string = redeemed['key'];
  const trust = ['--store', ws.store, '--trust', join(data, 'trust.json')];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);
  const answer = await ws.given(t, ['respond', challenge, '--data', data]);
  await ws.given(t, ['client', 'apply', answer['qr'], ...trust]);
  const status = await ws.ok(t, ['client', 'status', ...trust]);
  t.deepEqual(status['features'], ['export', 'pro']);

  // Another random key of the right shape names no license.
  const other = await ws.given(t, ['license', 'create', '--data', data, '--product', 'tools']);
  t.not(other['heldKey'], held);
  const forged = `S${'0'.repeat(8)}`;
  await ws.refused(t, ['license', 'redeem', forged, '--data', data], 'CODE_GROUP_MISTYPED');
});

test('a delegated appliance cannot create held licenses: it has no vendor key', async (t) => {
  const { ws } = await vendorWithLicense(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const before = await ws.snapshot('data');
  await ws.refused(
    t,
    ['license', 'create', '--data', data, '--product', 'tools'],
    'VENDOR_KEY_REQUIRED',
  );
  // Opening the ledger may create its empty journal; no record was written.
  const after = await ws.snapshot('data');
  for (const [path, content] of before) t.is(after.get(path), content, path);
});

test('a second writer is refused with LEDGER_LOCKED, naming the holder', async (t) => {
  const { ws, key, data } = await site(t);
  const lock = await acquireLock(join(data, 'ledger'), { purpose: 'appliance server (test)' });
  t.teardown(() => lock.release());
  const { error } = await ws.refused(t, ['license', 'add', key, '--data', data], 'LEDGER_LOCKED');
  t.regex(error['message'], /appliance server \(test\)/);
  // Verification only reads: it runs beside the holder.
  t.like(await ws.ok(t, ['ledger', 'verify', '--data', data]), { ok: true, records: 1 });
});

test('ledger verify names the first changed record and exits 8', async (t) => {
  const { ws, key, data } = await site(t);
  const trust = ['--store', ws.store, '--trust', join(data, 'trust.json')];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);
  await ws.given(t, ['respond', challenge, '--data', data]);
  const journal = join(data, 'ledger', 'journal');
  const [segment] = (await readdir(journal)).sort();
  const path = join(journal, segment!);
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace('"seats":2', '"seats":9'));
  const result = await ws.run(['ledger', 'verify', '--data', data, '--json']);
  t.is(result.exitCode, 8);
  const json = JSON.parse(result.stdout);
  t.like(json, { ok: false, records: 0, firstBad: { seq: 1, reason: 'checksum', line: 1 } });
});

test('tokens: created once with their role, listed without the secret, revoked', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data]);
  const made = await ws.ok(t, [
    'token',
    'create',
    '--data',
    data,
    '--role',
    'operator',
    '--label',
    'front desk',
  ]);
  t.regex(made['token'], /^alt_/);
  const listed = await ws.ok(t, ['token', 'list', '--data', data]);
  t.is(listed['tokens'].length, 1);
  t.like(listed['tokens'][0], { id: made['id'], role: 'operator', label: 'front desk' });
  t.false(JSON.stringify(listed).includes(made['token']));
  await ws.refused(t, ['token', 'create', '--data', data, '--role', 'root'], 'USAGE');
  t.like(await ws.ok(t, ['token', 'revoke', made['id'], '--data', data]), { outcome: 'revoked' });
  await ws.refused(t, ['token', 'revoke', made['id'], '--data', data], 'FILE_NOT_FOUND');
});

test("a machine given the appliance's trust.json takes the short typed response at its first activation", async (t) => {
  const { ws, key, data } = await site(t);
  const trust = ['--store', ws.store, '--trust', join(data, 'trust.json')];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);
  const answer = await ws.given(t, ['respond', challenge, '--data', data]);
  // Typed, without the certificate the QR form carries: trust.json holds it.
  await ws.ok(t, ['client', 'apply', answer['response'], ...trust]);
  t.like(await ws.given(t, ['client', 'status', ...trust]), { valid: true });
  // The vendor's own trust file has no appliance certificate: there the QR form is needed.
  const bare = ['--store', ws.path('store-2'), '--trust', ws.vendor];
  const env = { AIRLOCK_MACHINE_ID: 'machine-b' };
  const other = await ws.given(t, ['client', 'challenge', '--license', key, ...bare], env);
  const second = await ws.given(t, ['respond', other['challenge'], '--data', data]);
  await ws.refused(t, ['client', 'apply', second['response'], ...bare], 'CERTIFICATE_UNKNOWN', env);
});

test("a delegated appliance's trust.json holds its certificate once installed, and the new one after a rotation", async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const data = ws.path('data');
  const made = await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const certificates = async () =>
    (JSON.parse(await readFile(join(data, 'trust.json'), 'utf8')) as { certificates: string[] })
      .certificates;
  t.deepEqual(await certificates(), [], 'no certificate before the vendor signs one');
  const cert = ws.path('a.cert');
  await ws.given(t, [
    'vendor',
    'delegate',
    made['requestFile'],
    '--vendor',
    ws.vendor,
    '--out',
    cert,
  ]);
  await ws.given(t, ['appliance', 'install-cert', cert, '--data', data]);
  const first = await certificates();
  t.deepEqual(first, [(await readFile(cert, 'utf8')).trim()]);

  const rotation = await ws.given(t, ['appliance', 'rotate-key', '--data', data]);
  const next = ws.path('b.cert');
  await ws.given(t, [
    'vendor',
    'delegate',
    rotation['requestFile'],
    '--vendor',
    ws.vendor,
    '--out',
    next,
  ]);
  await ws.given(t, ['appliance', 'install-cert', next, '--data', data]);
  t.deepEqual(await certificates(), [(await readFile(next, 'utf8')).trim()], 'replaced, not added');

  await ws.given(t, ['license', 'add', key, '--data', data]);
  const trust = ['--store', ws.store, '--trust', join(data, 'trust.json')];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);
  const answer = await ws.given(t, ['respond', challenge, '--data', data]);
  await ws.ok(t, ['client', 'apply', answer['response'], ...trust]);
});
