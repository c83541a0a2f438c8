// Renewals end to end on the cores, without HTTP: the client's pure steps against the appliance's
// use cases (createAppliance on an in-memory ledger). The same machine renews its lease without a
// second seat, and a renewed license key replaces the held one on the client and keeps the seat.

import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppliance } from '../../src/appliance/appliance.ts';
import { initApplianceDir, openApplianceDir } from '../../src/appliance/data-dir.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import {
  issueLicense,
  type LicenseFields,
  licenseKeyText,
} from '../../src/core/formats/license-key.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import {
  applyResponse,
  type ClientState,
  computeFingerprint,
  createChallenge,
  deactivate,
  emptyState,
  explicitComponents,
  getStatus,
} from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

const DAY = 86400;
const NOW = 1_800_000_000;

async function setup(t: ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-renewal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
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
  const licenseId = new Uint8Array(randomBytes(8));
  const key = (overrides: Partial<LicenseFields> = {}) =>
    licenseKeyText(
      issueLicense(
        {
          licenseId,
          type: 'trial',
          issuedAt: NOW - 10,
          expiresAt: NOW + 60 * DAY,
          seats: 1,
          leaseSeconds: 30 * DAY,
          graceSeconds: 7 * DAY,
          product: 'cad',
          features: ['pro'],
          ...overrides,
        },
        vendor.signer,
      ),
    );
  /** The client's context on machine `id` at the shared clock's time. */
  const machine = (id = 'a') => ({
    trust: identity.trust,
    now: clock.now,
    fingerprintFor: (p: string) => computeFingerprint(p, explicitComponents(id)),
    random: (n: number) => new Uint8Array(randomBytes(n)),
  });
  /** Challenge with `licenseKey`, answer at the appliance, apply: the client's whole round. */
  async function round(state: ClientState, licenseKey: string) {
    const c = createChallenge(state, licenseKey, machine());
    const answer = await appliance.respond(c.text, { channel: 'offline' });
    return { c, answer, applied: applyResponse(c.state, answer.qr, machine()) };
  }
  return { appliance, clock, key, machine, round };
}

test('renewing answers the same machine with its activation ID, renewal true and one seat', async (t) => {
  const { appliance, clock, key, machine, round } = await setup(t);
  const trial = key();
  await appliance.addLicense(trial);
  const first = await round(emptyState(), trial);
  t.false(first.answer.renewal);
  t.is(first.answer.seatsUsed, 1);

  clock.now = NOW + 25 * DAY;
  const due = getStatus(first.applied.state, machine()).status;
  t.true(due.valid);
  t.true(due.renewal.due);

  const second = await round(first.applied.state, trial);
  t.is(second.c.renews, 'lease');
  t.true(second.answer.renewal);
  t.is(second.answer.activationId, first.answer.activationId);
  t.is(second.answer.seatsUsed, 1);
  t.is(appliance.activations({ status: 'active' }).length, 1);
  t.is(second.applied.activation.activationId, first.answer.activationId);
  t.is(second.applied.activation.leaseEndsAt, NOW + 55 * DAY);

  const renewed = getStatus(second.applied.state, machine()).status;
  t.true(renewed.valid);
  t.false(renewed.renewal.due);
  t.deepEqual(renewed.warnings, []);

  // The renewal's challenge committed to a new secret; the appliance proves against that one.
  const { code } = deactivate(second.applied.state, { now: clock.now });
  t.is((await appliance.deactivate(code)).outcome, 'freed');
});

test('a renewed key is applied on the client and keeps the seat, answered by the appliance holding the old key', async (t) => {
  // The appliance's ledger still holds the trial key: the renewed key keeps the license ID and
  // the feature list, so a response computed from either key grants the same features.
  const { appliance, clock, key, machine, round } = await setup(t);
  const trial = key();
  await appliance.addLicense(trial);
  const first = await round(emptyState(), trial);

  clock.now = NOW + 20 * DAY;
  const paid = key({ type: 'subscription', issuedAt: clock.now - 60, expiresAt: NOW + 400 * DAY });
  const second = await round(first.applied.state, paid);
  t.is(second.c.renews, 'license-key');
  t.true(second.answer.renewal);
  t.is(second.answer.activationId, first.answer.activationId);
  t.is(second.answer.seatsUsed, 1);
  t.is(second.applied.state.activation?.licenseKey, paid);

  const status = getStatus(second.applied.state, machine()).status;
  t.true(status.valid);
  t.like(status.license, { type: 'subscription', expiresAt: NOW + 400 * DAY });
  t.like(status.activation, { id: first.answer.activationId });
  t.deepEqual(status.features, ['pro']);

  // The old key is now a downgrade for this machine.
  t.throws(() => createChallenge(second.applied.state, trial, machine()), {
    code: 'LICENSE_SUPERSEDED',
  } as never);
});

// The appliance's side of a renewed key (addLicense replacing the key it holds) is the appliance's
// own change; here it is the step that makes the response describe the client's key.
test('the appliance takes a renewed key with a new feature and answers the client from it', async (t) => {
  const { appliance, clock, key, machine, round } = await setup(t);
  const trial = key();
  await appliance.addLicense(trial);
  const first = await round(emptyState(), trial);

  clock.now = NOW + 20 * DAY;
  const paid = key({
    type: 'perpetual',
    issuedAt: clock.now - 60,
    expiresAt: null,
    features: ['pro', 'team'],
  });
  t.is((await appliance.addLicense(paid)).outcome, 'replaced');
  t.like(appliance.licenses()[0], { key: paid, type: 'perpetual', expiresAt: null });

  const second = await round(first.applied.state, paid);
  t.true(second.answer.renewal);
  t.is(second.answer.activationId, first.answer.activationId);
  t.is(second.answer.seatsUsed, 1);
  t.deepEqual(second.answer.features, ['pro', 'team']);
  const status = getStatus(second.applied.state, machine()).status;
  t.true(status.valid);
  t.deepEqual(status.features, ['pro', 'team']);
  t.like(status.license, { type: 'perpetual', expiresAt: null });
});

test('a client still holding the old key renews against the renewed key and keeps the seat', async (t) => {
  // The key the appliance holds decides the response; the client reads it against its own key.
  // Same features here, so the grant is right; the client's own (older) expiry still limits it.
  const { appliance, clock, key, machine, round } = await setup(t);
  const trial = key();
  await appliance.addLicense(trial);
  const first = await round(emptyState(), trial);

  clock.now = NOW + 20 * DAY;
  await appliance.addLicense(
    key({ type: 'subscription', issuedAt: clock.now - 60, expiresAt: NOW + 400 * DAY }),
  );
  const second = await round(first.applied.state, trial);
  t.is(second.c.renews, 'lease');
  t.true(second.answer.renewal);
  t.is(second.answer.seatsUsed, 1);
  t.is(second.applied.state.activation?.licenseKey, trial);
  clock.now = NOW + 61 * DAY;
  t.is(getStatus(second.applied.state, machine()).status.code, 'LICENSE_EXPIRED');
});
