// Revocations by sneakernet: a vendor bundle on a USB stick, imported on the isolated machine.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { signBundle } from '../../src/core/formats/revocation-bundle.ts';
import { parseId } from '../../src/core/ids.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { readKeyFile } from '../../src/node/key-file.ts';
import { DAY, givenActivation, T0, vendorWithLicense } from './helpers.ts';

const now = { AIRLOCK_NOW: String(T0) };

test('a vendor bundle revoking the license stops the machine; an older bundle is then refused', async (t) => {
  const { ws, key, licenseId } = await vendorWithLicense(t, [], now);
  await givenActivation(t, ws, key);
  // The vendor signs bundles with its root key, as a vendor tool would.
  const { seed } = await readKeyFile(join(ws.vendor, 'root.key'));
  const vendor = nodeSuite.signer(seed);
  const bundle = (sequence: number, revoked: boolean) =>
    signBundle(
      {
        issuer: 'vendor',
        sequence,
        baseSequence: 0,
        issuedAt: T0 - DAY + sequence,
        nextUpdate: T0 + 30 * DAY,
        licenses: revoked
          ? [
              {
                licenseId: parseId('license', licenseId),
                revokedAt: T0 - DAY,
                reason: 'lost-or-stolen',
              },
            ]
          : [],
        activations: [],
        certificates: [],
      },
      vendor,
    ).bytes;
  await writeFile(ws.path('revocations-1.bundle'), bundle(1, false));
  await writeFile(ws.path('revocations-2.bundle'), bundle(2, true));
  const trust = ['--store', ws.store, '--trust', ws.vendor];

  const imported = await ws.ok(t, [
    'client',
    'import-revocations',
    ws.path('revocations-2.bundle'),
    ...trust,
  ]);
  t.like(imported, { outcome: 'applied', stream: 'vendor', sequence: 2, counts: { licenses: 1 } });
  const { exitCode, error } = await ws.refused(t, ['client', 'status', ...trust], 'REVOKED');
  t.is(exitCode, 5);
  t.regex(error['message'], /lost-or-stolen/);

  const before = await ws.snapshot('store');
  await ws.refused(
    t,
    ['client', 'import-revocations', ws.path('revocations-1.bundle'), ...trust],
    'BUNDLE_ROLLBACK',
  );
  t.deepEqual(await ws.snapshot('store'), before);
});
