// Sneakernet end to end, as people would run it: the vendor revokes and publishes onto a folder
// standing in for a USB stick, the appliance imports it and refuses the license, the site revokes
// a stolen machine, exports its site bundle and usage report, an isolated machine imports the
// bundle and stops validating, and the vendor verifies the report. Plus the stick's hazards.

import { mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { Workspace, vendorWithLicense } from './helpers.ts';

/** A vendor, an appliance holding two of its licenses, and two machines activated on the first. */
async function site(t: Parameters<typeof vendorWithLicense>[0]) {
  const { ws, key, licenseId } = await vendorWithLicense(t, ['--seats', '4']);
  const second = await ws.given(t, [
    'license',
    'issue',
    '--vendor',
    ws.vendor,
    '--product',
    'acme-cad',
  ]);
  const data = ws.path('data');
  const usb = ws.path('usb');
  await mkdir(usb);
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  await ws.given(t, ['license', 'add', key, '--data', data]);
  await ws.given(t, ['license', 'add', second['key'], '--data', data]);
  const machines: Record<string, { store: string; activationId: string }> = {};
  for (const name of ['laptop', 'stolen']) {
    const store = ws.path(`store-${name}`);
    const env = { AIRLOCK_MACHINE_ID: name };
    const trust = ['--store', store, '--trust', ws.vendor];
    const { challenge } = await ws.given(
      t,
      ['client', 'challenge', '--license', key, ...trust],
      env,
    );
    const answer = await ws.given(t, ['respond', challenge, '--data', data]);
    await ws.given(t, ['client', 'apply', answer['qr'], ...trust], env);
    machines[name] = { store, activationId: answer['activationId'] };
  }
  return {
    ws,
    key,
    licenseId,
    second: second as { licenseId: string; key: string },
    data,
    usb,
    machines,
  };
}

test('USB round trip: vendor bundle into the appliance, site bundle out to machines, report back to the vendor', async (t) => {
  const { ws, data, usb, machines, second, licenseId } = await site(t);

  // The vendor revokes the second license and publishes onto the stick.
  await ws.ok(t, [
    'vendor',
    'revoke',
    second['licenseId'],
    '--vendor',
    ws.vendor,
    '--reason',
    'non-payment',
  ]);
  await ws.ok(t, [
    'vendor',
    'publish-revocations',
    '--vendor',
    ws.vendor,
    '--out',
    join(usb, 'vendor-1.revocations'),
  ]);

  // The appliance imports the folder; the revoked license activates nothing more.
  const imported = await ws.ok(t, ['sync', 'import', usb, '--data', data]);
  t.like(imported['bundles'][0], { stream: 'vendor', sequence: 1, outcome: 'applied' });
  t.like(await ws.ok(t, ['sync', 'import', usb, '--data', data]), {
    bundles: [{ outcome: 'unchanged' }],
  });
  const env = { AIRLOCK_MACHINE_ID: 'newcomer' };
  const trust = ['--store', ws.path('store-newcomer'), '--trust', ws.vendor];
  const { challenge } = await ws.given(
    t,
    ['client', 'challenge', '--license', second['key'], ...trust],
    env,
  );
  const refused = await ws.refused(t, ['respond', challenge, '--data', data], 'REVOKED');
  t.regex(refused.error['message'], /revoked by the vendor/);

  // The laptop was stolen: the site revokes its activation; its seat is free again.
  const revoked = await ws.ok(t, [
    'revoke',
    machines['stolen']!.activationId,
    '--data',
    data,
    '--reason',
    'lost-or-stolen',
  ]);
  t.like(revoked, { outcome: 'revoked', licenseId });
  const shown = await ws.ok(t, ['license', 'show', licenseId, '--data', data]);
  t.is(shown['license']['seatsUsed'], 1);

  // Export: site bundle and usage report, with a manifest.
  const exported = await ws.ok(t, ['sync', 'export', usb, '--data', data]);
  t.is(exported['manifest']['siteSequence'], 1);
  const [bundlePath, reportPath] = exported['paths'] as string[];

  // The stolen machine imports the site bundle: it no longer validates; the laptop still does.
  const stolen = ['--store', machines['stolen']!.store, '--trust', ws.vendor];
  await ws.ok(t, ['client', 'import-revocations', bundlePath!, ...stolen], {
    AIRLOCK_MACHINE_ID: 'stolen',
  });
  const status = await ws.run(['client', 'status', ...stolen, '--json'], {
    AIRLOCK_MACHINE_ID: 'stolen',
  });
  t.like(JSON.parse(status.stdout), { valid: false, code: 'REVOKED' });
  const laptop = ['--store', machines['laptop']!.store, '--trust', ws.vendor];
  const told = await ws.run(['client', 'import-revocations', bundlePath!, ...laptop], {
    AIRLOCK_MACHINE_ID: 'laptop',
  });
  t.is(told.exitCode, 0, told.stderr);
  t.true(
    told.stdout.startsWith(
      `Imported revocation bundle 1 from site appliance ${exported['manifest']['applianceId']} (full): `,
    ),
    told.stdout,
  );
  t.regex(exported['manifest']['applianceId'], /^apl_[0-9a-f]{8}$/);
  t.like(await ws.ok(t, ['client', 'status', ...laptop], { AIRLOCK_MACHINE_ID: 'laptop' }), {
    valid: true,
  });

  // The vendor reads the report: seats per license, and a ledger that moves forward.
  const first = await ws.ok(t, ['vendor', 'verify-report', reportPath!, '--vendor', ws.vendor]);
  t.is(first['verdict'], 'first');
  const report = JSON.parse(await readFile(reportPath!, 'utf8'));
  t.deepEqual(
    report.licenses.map((l: any) => [l.licenseId, l.seatsUsed]).sort(),
    [
      [licenseId, 1],
      [second['licenseId'], 0],
    ].sort(),
  );
  await ws.ok(t, ['sync', 'export', usb, '--data', data]);
  const next = await ws.ok(t, ['vendor', 'verify-report', reportPath!, '--vendor', ws.vendor]);
  t.is(next['verdict'], 'forward');
});

test('a stolen machine revoked at the site cannot activate the license again', async (t) => {
  const { ws, key, data, machines } = await site(t);
  await ws.ok(t, [
    'revoke',
    machines['stolen']!.activationId,
    '--data',
    data,
    '--reason',
    'stolen from a car',
  ]);
  const trust = ['--store', ws.path('store-again'), '--trust', ws.vendor];
  const env = { AIRLOCK_MACHINE_ID: 'stolen' };
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust], env);
  const { error } = await ws.refused(t, ['respond', challenge, '--data', data], 'REVOKED');
  t.regex(error['message'], /may not activate this license again/);
  // Revoking it again is an outcome; a 4-seat license allows one revocation a month.
  t.like(
    await ws.ok(t, [
      'revoke',
      machines['stolen']!.activationId,
      '--data',
      data,
      '--reason',
      'retired',
    ]),
    {
      outcome: 'already',
    },
  );
  await ws.refused(
    t,
    ['revoke', machines['laptop']!.activationId, '--data', data, '--reason', 'retired'],
    'REVOCATION_LIMIT',
  );
});

test('the stick’s hazards are refused with their own codes and change nothing', async (t) => {
  const { ws, data, usb } = await site(t);
  await ws.ok(t, [
    'vendor',
    'revoke',
    'lic_0000000000000001',
    '--vendor',
    ws.vendor,
    '--reason',
    'fraud',
  ]);
  const bundle = join(usb, 'vendor-1.revocations');
  await ws.ok(t, ['vendor', 'publish-revocations', '--vendor', ws.vendor, '--out', bundle]);
  const before = await ws.snapshot('data');

  // A flipped byte.
  const bytes = await readFile(bundle);
  const flipped = ws.path('flipped.revocations');
  bytes[30] = bytes[30]! ^ 1;
  await writeFile(flipped, bytes);
  const bad = await ws.refused(t, ['sync', 'import', flipped, '--data', data], 'SIGNATURE_INVALID');
  t.regex(bad.error['message'], /^flipped\.revocations: /);

  // A symbolic link in the folder.
  const linked = ws.path('linked');
  await mkdir(linked);
  await symlink(bundle, join(linked, 'vendor.revocations'));
  await ws.refused(t, ['sync', 'import', linked, '--data', data], 'SYNC_PATH_UNSAFE');

  // A file of 2 GB (sparse) where a bundle is expected: refused before it is read.
  const huge = ws.path('huge');
  await mkdir(huge);
  await writeFile(join(huge, 'big.revocations'), '');
  await truncate(join(huge, 'big.revocations'), 2 * 1024 ** 3);
  await ws.refused(t, ['sync', 'import', huge, '--data', data], 'FILE_TOO_LARGE');

  // A manifest naming a path outside the folder, and one whose hash does not match.
  const escaping = ws.path('escaping');
  await mkdir(escaping);
  await writeFile(
    join(escaping, 'airlock-sync-apl_00000001.json'),
    JSON.stringify({
      format: 'airlock-sync/v1',
      files: [{ name: '../data/secret.key', bytes: 65, sha256: '00' }],
    }),
  );
  await ws.refused(t, ['sync', 'import', escaping, '--data', data], 'SYNC_PATH_UNSAFE');
  const torn = ws.path('torn');
  await mkdir(torn);
  await writeFile(join(torn, 'vendor-1.revocations'), await readFile(bundle));
  await writeFile(
    join(torn, 'airlock-sync-apl_00000001.json'),
    JSON.stringify({
      format: 'airlock-sync/v1',
      files: [{ name: 'vendor-1.revocations', bytes: 1, sha256: '00' }],
    }),
  );
  await ws.refused(t, ['sync', 'import', torn, '--data', data], 'SYNC_MANIFEST_MISMATCH');
  t.deepEqual(await ws.snapshot('data'), before, 'no refusal changed the data directory');

  // The good bundle goes in; an older one after a newer is a rollback; a delta needs its base.
  await ws.ok(t, ['sync', 'import', bundle, '--data', data]);
  await ws.ok(t, [
    'vendor',
    'revoke',
    'lic_0000000000000002',
    '--vendor',
    ws.vendor,
    '--reason',
    'fraud',
  ]);
  const second = join(usb, 'vendor-2.revocations');
  await ws.ok(t, ['vendor', 'publish-revocations', '--vendor', ws.vendor, '--out', second]);
  await ws.ok(t, ['sync', 'import', second, '--data', data]);
  await ws.refused(t, ['sync', 'import', bundle, '--data', data], 'BUNDLE_ROLLBACK');
  await ws.ok(t, [
    'vendor',
    'revoke',
    'lic_0000000000000003',
    '--vendor',
    ws.vendor,
    '--reason',
    'fraud',
  ]);
  const delta = ws.path('delta-3-on-1.revocations');
  await ws.ok(t, [
    'vendor',
    'publish-revocations',
    '--vendor',
    ws.vendor,
    '--out',
    delta,
    '--delta-since',
    '1',
  ]);
  await ws.refused(t, ['sync', 'import', delta, '--data', data], 'BUNDLE_BASE_MISMATCH');
  t.like(await ws.ok(t, ['sync', 'status', '--data', data]), { vendor: { sequence: 2 } });
});

test('an export never overwrites a newer export of the same appliance', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  const usb = ws.path('usb');
  await mkdir(usb);
  await ws.given(t, ['appliance', 'init', '--data', data]);
  const { cp } = await import('node:fs/promises');
  await cp(data, ws.path('backup'), { recursive: true });
  await ws.ok(t, ['sync', 'export', usb, '--data', data]);
  await ws.ok(t, ['sync', 'export', usb, '--data', data]);
  // The old copy of the data directory exports site bundle 1 over bundle 2: refused.
  const stick = await ws.snapshot('usb');
  const backup = await ws.snapshot('backup');
  await ws.refused(t, ['sync', 'export', usb, '--data', ws.path('backup')], 'SYNC_EXPORT_OLDER');
  t.deepEqual(await ws.snapshot('usb'), stick);
  // Nothing was recorded either: the old copy's ledger is as it was (the lock file aside).
  const after = await ws.snapshot('backup');
  for (const [path, content] of backup) t.is(after.get(path), content, path);
});
