// The offline activation loop from the command line, as a vendor and a site technician run it.

import { readFile, writeFile } from 'node:fs/promises';
import test from 'ava';
import { givenActivation, vendorWithLicense, Workspace } from './helpers.ts';

test('a machine goes from license key to activated, then deactivated, entirely offline', async (t) => {
  const ws = await Workspace.create(t);

  const vendor = await ws.ok(t, ['vendor', 'init', '--dir', 'vendor']);
  t.regex(vendor['keyId'], /^key_[0-9a-f]{8}$/);
  t.false(vendor['encrypted']);

  const issued = await ws.ok(t, [
    'license',
    'issue',
    '--vendor',
    'vendor',
    '--product',
    'acme-cad',
    '--type',
    'subscription',
    '--expires',
    '+365d',
    '--seats',
    '3',
    '--features',
    'render,export,render',
  ]);
  t.regex(issued['licenseId'], /^lic_[0-9a-f]{16}$/);
  t.deepEqual(issued['features'], ['export', 'render'], 'features are sorted and deduplicated');
  t.regex(issued['key'], /^K[0-9A-Z]{8}(-[0-9A-Z]{9})+$/);

  const { challenge } = await ws.ok(t, [
    'client',
    'challenge',
    '--license',
    issued['key'],
    '--store',
    'store',
    '--trust',
    'vendor/trust.json',
  ]);
  t.true(challenge.length <= 100, 'a challenge is at most 100 characters');

  const answer = await ws.ok(t, [
    'vendor',
    'respond',
    challenge,
    '--vendor',
    'vendor',
    '--license',
    issued['key'],
  ]);
  t.regex(answer['activationId'], /^act_[0-9a-f]{8}$/);
  t.true(answer['response'].length <= 150, 'the typed response is at most 150 characters');
  t.regex(answer['qr'], /^[0-9A-Z]+\+[0-9A-Z]+$/, 'the QR form is alphanumeric');

  // The combined form, as scanned from the QR code, carries the appliance certificate.
  const applied = await ws.ok(t, [
    'client',
    'apply',
    answer['qr'],
    '--store',
    'store',
    '--trust',
    'vendor',
  ]);
  t.is(applied['activationId'], answer['activationId']);

  const status = await ws.ok(t, ['client', 'status', '--store', 'store', '--trust', 'vendor']);
  t.like(status, { valid: true, code: 'VALID', features: ['export', 'render'] });
  t.is(status['license'].id, issued['licenseId']);

  const deactivated = await ws.ok(t, [
    'client',
    'deactivate',
    '--store',
    'store',
    '--reason',
    'retired',
  ]);
  t.regex(deactivated['code'], /^D/);
  t.true(deactivated['code'].length <= 80, 'a deactivation code is at most 80 characters');

  const { json, exitCode } = await ws.refused(
    t,
    ['client', 'status', '--store', 'store', '--trust', 'vendor'],
    'NOT_ACTIVATED',
  );
  t.is(exitCode, 6);
  t.like(json, { valid: false, code: 'NOT_ACTIVATED' });
});

test('issuing a license tells the vendor which trust file the customer’s machines use', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const issued = await ws.run(['license', 'issue', '--vendor', 'vendor', '--product', 'acme-cad']);
  t.is(issued.exitCode, 0, issued.stderr);
  t.true(
    issued.stdout.endsWith(
      [
        'Give this key to the customer. Their machines trust the trust.json shipped with the',
        "application (a copy of vendor/trust.json), or the site appliance's DATA/trust.json:",
        '  airlock client challenge --license KEY --store DIR --trust FILE',
        '',
      ].join('\n'),
    ),
    issued.stdout,
  );
});

test('once a machine knows the appliance, the short typed response is enough', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  await givenActivation(t, ws, key);
  const trust = ['--store', ws.store, '--trust', ws.vendor];

  const { challenge } = await ws.ok(t, ['client', 'challenge', '--license', key, ...trust]);
  const answer = await ws.ok(t, [
    'vendor',
    'respond',
    challenge,
    '--vendor',
    ws.vendor,
    '--license',
    key,
  ]);
  const applied = await ws.ok(t, ['client', 'apply', answer['response'], ...trust]);
  t.is(applied['activationId'], answer['activationId']);
});

test('a machine that never met the appliance needs the QR form, or the certificate in its trust file', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const trust = ['--store', ws.store, '--trust', ws.vendor];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust]);
  const answer = await ws.given(t, [
    'vendor',
    'respond',
    challenge,
    '--vendor',
    ws.vendor,
    '--license',
    key,
  ]);
  await ws.refused(t, ['client', 'apply', answer['response'], ...trust], 'CERTIFICATE_UNKNOWN');

  const { certificate } = await ws.ok(t, ['vendor', 'certificate', '--vendor', ws.vendor]);
  const shipped = JSON.parse(await readFile(ws.path('vendor/trust.json'), 'utf8'));
  await writeFile(
    ws.path('app-trust.json'),
    JSON.stringify({ ...shipped, certificates: [certificate] }),
  );
  await ws.ok(t, [
    'client',
    'apply',
    answer['response'],
    '--store',
    ws.store,
    '--trust',
    ws.path('app-trust.json'),
  ]);
});

test('a refused response leaves the activation store byte for byte as it was', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const challenge = ['client', 'challenge', '--license', key, '--store', ws.store];
  const first = await ws.given(t, [...challenge, '--trust', ws.vendor]);
  await ws.given(t, [...challenge, '--trust', ws.vendor]); // replaces the first challenge
  const answer = await ws.given(t, [
    'vendor',
    'respond',
    first['challenge'],
    '--vendor',
    ws.vendor,
    '--license',
    key,
  ]);
  const before = await ws.snapshot('store');

  await ws.refused(
    t,
    ['client', 'apply', answer['qr'], '--store', ws.store, '--trust', ws.vendor],
    'RESPONSE_STALE',
  );
  t.deepEqual(await ws.snapshot('store'), before);
});

test('codes can be read from standard input with - and from a file with @FILE', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  await writeFile(ws.path('license.txt'), `${key}\n`);

  await ws.ok(t, [
    'client',
    'challenge',
    '--license',
    '@license.txt',
    '--store',
    ws.store,
    '--trust',
    ws.vendor,
  ]);
  const inspected = await ws.run(['license', 'inspect', '-', '--json'], {}, key);
  t.is(inspected.exitCode, 0, inspected.stdout);
  t.like(JSON.parse(inspected.stdout), { product: 'acme-cad', valid: null });
});
