// Appliance-held licenses on the file ledger: created with a key the appliance keeps only as a
// keyed hash, redeemed for the vendor-signed key after a restart (from the snapshot and from the
// journal alone), and only with the right key.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { createHeldKey, decodeHeldKey } from '../../src/core/formats/held-key.ts';
import { verifyLicenseKey } from '../../src/sdk/verify-license.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

const NOW = 1_800_000_000;
const random = (n: number) => new Uint8Array(randomBytes(n));
const TERMS = {
  type: 'subscription',
  expiresAt: NOW + 365 * 86400,
  seats: 5,
  leaseSeconds: 7 * 86400,
  graceSeconds: 86400,
  product: 'tools',
  features: ['export'],
  fingerprint: undefined,
  user: undefined,
} as const;

async function dataDir(t: { teardown(f: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-held-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: NOW });
  return dir;
}

const open = (dir: string) =>
  openAppliance(dir, { clock: () => NOW, random, purpose: 'test', snapshotEvery: 1_000_000 });

test('a held license is redeemed for a vendor-signed key with its ID and terms', async (t) => {
  const dir = await dataDir(t);
  const a = await open(dir);
  const vendor = await openVendor(join(dir, 'vendor'));
  const made = await a.appliance.createHeldLicense(TERMS, vendor.signer);
  const license = a.appliance.redeem(made.heldKey);
  t.is(license.licenseId, made.license.licenseId);
  t.true(license.held);
  const key = verifyLicenseKey(license.key, {
    trust: a.identity.trust,
    now: NOW,
    verifier: nodeSuite,
  });
  t.like(key, { type: 'subscription', seats: 5, product: 'tools', features: ['export'] });
  t.deepEqual(key.licenseId, decodeHeldKey(made.heldKey).licenseId);
  await a.close();
});

for (const how of ['snapshot', 'journal'] as const) {
  test(`after a restart (state from the ${how}) the held key still redeems, and nothing else does`, async (t) => {
    const dir = await dataDir(t);
    const first = await open(dir);
    const vendor = await openVendor(join(dir, 'vendor'));
    const made = await first.appliance.createHeldLicense(TERMS, vendor.signer);
    await first.close(); // writes a snapshot
    if (how === 'journal') await rm(join(dir, 'ledger', 'snapshot.json'));

    const second = await open(dir);
    t.is(second.ledger.opened.snapshotSeq === null, how === 'journal');
    t.is(second.appliance.redeem(made.heldKey).licenseId, made.license.licenseId);
    t.throws(() => second.appliance.redeem(createHeldKey(random(14)).text), {
      code: 'LICENSE_UNKNOWN',
    });
    await second.close();
  });
}

test('a vendor key the appliance does not trust cannot make held licenses', async (t) => {
  const dir = await dataDir(t);
  const a = await open(dir);
  const stranger = nodeSuite.signer(random(32));
  await t.throwsAsync(a.appliance.createHeldLicense(TERMS, stranger), { code: 'KEY_UNKNOWN' });
  t.deepEqual(a.appliance.licenses(), []);
  await a.close();
});
