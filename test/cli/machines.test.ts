// Two machines simulated on one host with AIRLOCK_MACHINE_ID: an activation belongs to the machine
// that asked for it, and neither a response nor a copied store moves it elsewhere.

import { cp } from 'node:fs/promises';
import test from 'ava';
import { givenActivation, vendorWithLicense } from './helpers.ts';

const A = { AIRLOCK_MACHINE_ID: 'machine-a' };
const B = { AIRLOCK_MACHINE_ID: 'machine-b' };

test("machine A's response is refused on machine B, and B's store is left as it was", async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const storeA = ws.path('store-a');
  const storeB = ws.path('store-b');
  const challengeA = await ws.given(
    t,
    ['client', 'challenge', '--license', key, '--store', storeA, '--trust', ws.vendor],
    A,
  );
  await ws.given(
    t,
    ['client', 'challenge', '--license', key, '--store', storeB, '--trust', ws.vendor],
    B,
  );
  const answerA = await ws.given(t, [
    'vendor',
    'respond',
    challengeA['challenge'],
    '--vendor',
    ws.vendor,
    '--license',
    key,
  ]);
  const before = await ws.snapshot('store-b');

  await ws.refused(
    t,
    ['client', 'apply', answerA['qr'], '--store', storeB, '--trust', ws.vendor],
    'RESPONSE_WRONG_CHALLENGE',
    B,
  );
  t.deepEqual(await ws.snapshot('store-b'), before);
});

test("a copy of machine A's activation store opens on A but not on machine B", async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  await givenActivation(t, ws, key, A);
  const copy = ws.path('copied-store');
  await cp(ws.store, copy, { recursive: true });
  const status = ['client', 'status', '--store', copy, '--trust', ws.vendor];

  const { exitCode } = await ws.refused(t, status, 'STORE_FOREIGN', B);
  t.is(exitCode, 7);
  t.like(await ws.ok(t, status, A), { valid: true });
});

test('a license bound to one machine fingerprint activates there and nowhere else', async (t) => {
  const { ws } = await vendorWithLicense(t);
  const fingerprint = await ws.ok(t, ['client', 'fingerprint', '--product', 'acme-cad'], A);
  t.like(fingerprint, { explicit: true, product: 'acme-cad' });
  t.regex(fingerprint['fingerprint'], /^fp_[0-9a-f]{16}$/);
  t.false(JSON.stringify(fingerprint).includes('machine-a'), 'raw identities are never shown');

  const bound = await ws.given(t, [
    'license',
    'issue',
    '--vendor',
    ws.vendor,
    '--product',
    'acme-cad',
    '--fingerprint',
    fingerprint['fingerprint'],
  ]);
  const challenge = ['client', 'challenge', '--license', bound['key'], '--trust', ws.vendor];
  await ws.refused(t, [...challenge, '--store', ws.path('store-b')], 'FINGERPRINT_MISMATCH', B);
  await ws.given(t, [...challenge, '--store', ws.path('store-a')], A);
});
