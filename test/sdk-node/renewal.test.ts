// The Node client's side of leases: its renewWithinSeconds option decides when status() asks for
// renewal, a renewal round through its encrypted store keeps the activation until applied, and
// online it refuses a response the appliance computed from another key of the license.

import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppliance } from '../../src/appliance/appliance.ts';
import { initApplianceDir, openApplianceDir } from '../../src/appliance/data-dir.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { AirlockError } from '../../src/core/errors.ts';
import {
  issueLicense,
  type LicenseFields,
  licenseKeyText,
} from '../../src/core/formats/license-key.ts';
import { parseId } from '../../src/core/ids.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { createNodeClient } from '../../src/sdk/node/client.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import { setup as httpSetup } from '../http/helpers.ts';

const DAY = 86400;
const NOW = 1_800_000_000;

async function tempDir(t: ExecutionContext, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `airlock-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function setup(t: ExecutionContext) {
  const dir = await tempDir(t, 'renewal-appliance');
  await initApplianceDir(dir, { now: NOW });
  const identity = await openApplianceDir(dir);
  const vendor = await openVendor(join(dir, 'vendor'));
  const clock = { now: NOW };
  const appliance = createAppliance({
    identity,
    ledger: createMemoryLedger(),
    clock: () => clock.now,
    verifier: nodeSuite,
  });
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId: new Uint8Array(randomBytes(8)),
        type: 'subscription',
        issuedAt: NOW - 10,
        expiresAt: NOW + 365 * DAY,
        seats: 1,
        leaseSeconds: 30 * DAY,
        graceSeconds: 7 * DAY,
        product: 'cad',
        features: ['pro'],
      },
      vendor.signer,
    ),
  );
  await appliance.addLicense(key);
  const storeDir = await tempDir(t, 'renewal-store');
  const client = (renewWithinSeconds?: number) =>
    createNodeClient({
      storeDir,
      trust: identity.trust,
      env: { AIRLOCK_MACHINE_ID: 'renewing-machine' },
      clock: () => clock.now,
      ...(renewWithinSeconds === undefined ? {} : { renewWithinSeconds }),
    });
  return { appliance, clock, key, client };
}

test('renewWithinSeconds sets when status() asks for renewal; the default is 7 days here', async (t) => {
  const { appliance, clock, key, client } = await setup(t);
  const made = await client().challenge(key);
  await client().apply((await appliance.respond(made.text, { channel: 'offline' })).qr);

  clock.now = NOW + 24 * DAY;
  const byDefault = await client().status();
  t.like(byDefault, { valid: true, renewal: { due: true, dueAt: NOW + 23 * DAY } });
  t.deepEqual(
    byDefault.warnings.map((w) => w.code),
    ['LEASE_ENDING'],
  );
  const twoDays = await client(2 * DAY).status();
  t.like(twoDays, {
    valid: true,
    renewal: { due: false, dueAt: NOW + 28 * DAY, windowSeconds: 2 * DAY },
  });
  t.deepEqual(twoDays.warnings, []);
});

test('a renewal round keeps the machine valid until the response is applied, on one seat', async (t) => {
  const { appliance, clock, key, client } = await setup(t);
  const first = await client().challenge(key);
  const granted = await appliance.respond(first.text, { channel: 'offline' });
  await client().apply(granted.qr);

  clock.now = NOW + 25 * DAY;
  const renewal = await client().challenge(key);
  t.is(renewal.renews, 'lease');
  t.like(await client().status(), { valid: true, activation: { leaseEndsAt: NOW + 30 * DAY } });
  const answer = await appliance.respond(renewal.text, { channel: 'offline' });
  t.like(answer, { renewal: true, activationId: granted.activationId, seatsUsed: 1 });
  const { activation } = await client().apply(answer.response);
  t.is(activation.leaseEndsAt, NOW + 55 * DAY);
  t.like(await client().status(), {
    valid: true,
    activation: { id: granted.activationId },
    renewal: { due: false, dueAt: NOW + 48 * DAY },
  });
});

test('a renewWithinSeconds that is not whole seconds is refused when the client is made', (t) => {
  for (const bad of [-1, 0.5, Number.POSITIVE_INFINITY]) {
    t.throws(
      () =>
        createNodeClient({
          storeDir: '/nonexistent',
          trust: { roots: [], certificates: [] },
          env: { AIRLOCK_MACHINE_ID: 'x' },
          renewWithinSeconds: bad,
        }),
      { instanceOf: TypeError, message: /renewWithinSeconds/ },
    );
  }
});

test('online, a response computed from another key of the license is refused and nothing is kept', async (t) => {
  const s = await httpSetup(t);
  const vendor = await openVendor(join(s.dir, 'vendor'));
  // s.key: subscription, features ['pro']. A renewal of it, with a feature sorted before 'pro'.
  const renewed = (overrides: Partial<LicenseFields>) =>
    licenseKeyText(
      issueLicense(
        {
          licenseId: parseId('license', s.licenseId),
          type: 'perpetual',
          issuedAt: NOW - 5,
          expiresAt: null,
          seats: 3,
          leaseSeconds: 30 * DAY,
          graceSeconds: 0,
          product: 'cad',
          features: ['export', 'pro'],
          ...overrides,
        },
        vendor.signer,
      ),
    );
  const client = createNodeClient({
    storeDir: await tempDir(t, 'renewal-online'),
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: 'online-renewal' },
    clock: () => NOW,
    online: { url: s.url, token: s.tokens.operator },
  });
  const first = await client.activate(s.key);
  t.is(first.mode, 'online');

  // The appliance still holds ['pro']: its mask's bit 0 would read as 'export' against the new key.
  const paid = renewed({});
  const error = await t.throwsAsync(client.activate(paid), { instanceOf: AirlockError });
  t.is(error?.code, 'LICENSE_EXISTS');
  t.is(error?.details['reason'], 'appliance-key');
  t.regex(error!.message, /granted pro, but read against the key given its response grants export/);
  const held = await client.status();
  t.like(held, { valid: true, license: { type: 'subscription' } });
  t.deepEqual(held.features, ['pro']);

  // Once the appliance holds the renewed key, the same activation renews with it.
  t.is((await s.appliance.addLicense(paid)).outcome, 'replaced');
  const again = await client.activate(paid);
  t.like(again, { mode: 'online', renewal: true, seatsUsed: 1 });
  const status = await client.status();
  t.like(status, { valid: true, license: { type: 'perpetual', expiresAt: null } });
  t.deepEqual(status.features, ['export', 'pro']);
});
