// The appliance's use cases on a real data directory and an in-memory ledger.

import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createAppliance } from '../../src/appliance/appliance.ts';
import { initApplianceDir, openApplianceDir } from '../../src/appliance/data-dir.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import {
  applyResponse,
  computeFingerprint,
  createChallenge,
  deactivate,
  emptyState,
  explicitComponents,
} from '../../src/sdk/index.ts';

const NOW = 1_800_000_000;

async function setup(t: { teardown: (f: () => Promise<void>) => void }, seats = 3) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-appliance-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: NOW });
  const identity = await openApplianceDir(dir);
  const vendor = await openVendor(join(dir, 'vendor'));
  const appliance = createAppliance({
    identity,
    ledger: createMemoryLedger(),
    clock: () => NOW,
    verifier: nodeSuite,
  });
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId: new Uint8Array(randomBytes(8)),
        type: 'subscription',
        issuedAt: NOW - 10,
        expiresAt: NOW + 365 * 86400,
        seats,
        leaseSeconds: 30 * 86400,
        graceSeconds: 0,
        product: 'cad',
        features: ['pro'],
      },
      vendor.signer,
    ),
  );
  await appliance.addLicense(key);
  const machine = (id: string) => ({
    trust: identity.trust,
    now: NOW,
    fingerprintFor: (p: string) => computeFingerprint(p, explicitComponents(id)),
    random: (n: number) => new Uint8Array(randomBytes(n)),
  });
  return { appliance, key, machine };
}

test('a challenge from the client gets a response the client accepts, and the seat is counted', async (t) => {
  const { appliance, key, machine } = await setup(t);
  const c = createChallenge(emptyState(), key, machine('a'));
  const answer = await appliance.respond(c.text, { channel: 'offline' });
  t.is(answer.seatsUsed, 1);
  t.false(answer.renewal);
  const applied = applyResponse(c.state, answer.qr, machine('a'));
  t.is(applied.activation.activationId, answer.activationId);
  t.true(answer.response.length <= 150);
});

test('200 concurrent challenges for a 10-seat license grant exactly 10 seats', async (t) => {
  const { appliance, key, machine } = await setup(t, 10);
  const challenges = Array.from(
    { length: 200 },
    (_, i) => createChallenge(emptyState(), key, machine(`m${i}`)).text,
  );
  const results = await Promise.allSettled(
    challenges.map((c) => appliance.respond(c, { channel: 'online' })),
  );
  const granted = results.filter((r) => r.status === 'fulfilled');
  t.is(granted.length, 10);
  t.true(
    results.every(
      (r) => r.status === 'fulfilled' || (r.reason as AirlockError).code === 'SEATS_EXHAUSTED',
    ),
  );
  t.is(appliance.activations({ status: 'active' }).length, 10);
});

test('a deactivation code frees the seat for another machine', async (t) => {
  const { appliance, key, machine } = await setup(t, 1);
  const a = createChallenge(emptyState(), key, machine('a'));
  const applied = applyResponse(
    a.state,
    (await appliance.respond(a.text, { channel: 'offline' })).qr,
    machine('a'),
  );
  const b = createChallenge(emptyState(), key, machine('b')).text;
  await t.throwsAsync(appliance.respond(b, { channel: 'offline' }), {
    instanceOf: AirlockError,
    message: /seat/,
  });
  const { code } = deactivate(applied.state, { now: NOW });
  t.is((await appliance.deactivate(code)).outcome, 'freed');
  t.is((await appliance.deactivate(code)).outcome, 'already');
  t.is((await appliance.respond(b, { channel: 'offline' })).seatsUsed, 1);
});

test('adding the same license twice is an outcome, not an error', async (t) => {
  const { appliance, key } = await setup(t);
  t.is((await appliance.addLicense(key)).outcome, 'existing');
  t.is(appliance.licenses().length, 1);
});
