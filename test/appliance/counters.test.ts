// The numbers an appliance hands out in order (activation IDs, site bundle sequences): how far a
// restore moves them, that the reducer applies the move and never goes back, and that the end of
// the u32 range is a coded refusal, never a wrap or a crash.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createAppliance } from '../../src/appliance/appliance.ts';
import {
  nextActivationId,
  nextSiteSequence,
  RESTORE_JUMP,
  restoreJump,
  U32_MAX,
} from '../../src/appliance/counters.ts';
import { initApplianceDir, openApplianceDir } from '../../src/appliance/data-dir.ts';
import type { ApplianceEvent, ApplianceEvents } from '../../src/appliance/events.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { deserialiseState, serialiseState } from '../../src/appliance/state-snapshot.ts';
import { emptyApplianceState, reduce } from '../../src/appliance/state.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import {
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
} from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

const NOW = 1_800_000_000;
const DAY = 86400;

function restored(
  lastActivationId: { from: number; to: number },
  siteSequence: { from: number; to: number },
): ApplianceEvent<'appliance.restored'> {
  const data: ApplianceEvents['appliance.restored'] = {
    at: NOW,
    backup: { createdAt: NOW - DAY, seq: 3, hash: 'ab'.repeat(32) },
    elapsed: DAY,
    lastActivationId,
    siteSequence,
    airlockVersion: '0.2.0',
  };
  return { type: 'appliance.restored', data };
}

test('a restore moves activation IDs by 2^20 and one a second, site sequences by 10 000 and one a minute', (t) => {
  t.deepEqual(restoreJump({ lastActivationId: 3, siteSequence: 1 }, NOW, NOW), {
    elapsed: 0,
    lastActivationId: { from: 3, to: 3 + 2 ** 20 },
    siteSequence: { from: 1, to: 1 + 10_000 },
  });
  t.deepEqual(restoreJump({ lastActivationId: 3, siteSequence: 1 }, NOW - DAY, NOW), {
    elapsed: DAY,
    lastActivationId: { from: 3, to: 3 + 2 ** 20 + DAY },
    siteSequence: { from: 1, to: 1 + 10_000 + DAY / 60 },
  });
  // A clock that says the restore comes before the backup moves them by the fixed part only.
  t.like(restoreJump({ lastActivationId: 3, siteSequence: 1 }, NOW + DAY, NOW), { elapsed: 0 });
  t.deepEqual(RESTORE_JUMP, {
    activationIds: { fixed: 2 ** 20, perSecond: 1 },
    siteSequences: { fixed: 10_000, perSecond: 1 / 60 },
  });
});

test('two restores of one backup differ: the later one lands past what the earlier copy issued meanwhile', (t) => {
  const backup = { lastActivationId: 40, siteSequence: 7 };
  const first = restoreJump(backup, NOW, NOW + 2 * DAY);
  const second = restoreJump(backup, NOW, NOW + 5 * DAY);
  // At the rates the jump assumes, the first copy issued at most this much in the 3 days between.
  const meanwhile = 3 * DAY;
  t.true(second.lastActivationId.to >= first.lastActivationId.to + meanwhile);
  t.true(second.siteSequence.to >= first.siteSequence.to + meanwhile / 60);
});

test('a jump that would pass the last u32 value is refused with COUNTER_EXHAUSTED, never wrapped', (t) => {
  const edge = U32_MAX - 1 - 2 ** 20; // jumps to U32_MAX − 1: one ID is left
  t.is(
    restoreJump({ lastActivationId: edge, siteSequence: 0 }, NOW, NOW).lastActivationId.to,
    U32_MAX - 1,
  );
  const ids = t.throws(
    () => restoreJump({ lastActivationId: edge + 1, siteSequence: 0 }, NOW, NOW),
    {
      code: 'COUNTER_EXHAUSTED',
    } as never,
  );
  t.regex(ids!.message, /act_ffffffff.*Nothing was restored/);
  t.like((ids as unknown as { details: object }).details, { counter: 'activation' });
  // A clock wrongly far ahead is named in the refusal.
  const clock = t.throws(
    () => restoreJump({ lastActivationId: 2 ** 31, siteSequence: 0 }, NOW, U32_MAX),
    { code: 'COUNTER_EXHAUSTED' } as never,
  );
  t.regex(clock!.message, /clock says 2106-02-07.*If the clock is wrong, correct it/);
  t.throws(() => restoreJump({ lastActivationId: 0, siteSequence: U32_MAX - 10_000 }, NOW, NOW), {
    code: 'COUNTER_EXHAUSTED',
  } as never);
  t.throws(() => restoreJump({ lastActivationId: -1, siteSequence: 0 }, NOW, NOW), {
    instanceOf: TypeError,
  });
});

test('the next activation ID and site sequence follow the last; past the last u32 value they are refused', (t) => {
  t.is(nextActivationId({ lastActivationId: 0, siteSequence: 0 }), 1);
  t.is(nextActivationId({ lastActivationId: U32_MAX - 1, siteSequence: 0 }), U32_MAX);
  t.throws(() => nextActivationId({ lastActivationId: U32_MAX, siteSequence: 0 }), {
    code: 'COUNTER_EXHAUSTED',
  } as never);
  t.is(nextSiteSequence({ lastActivationId: 0, siteSequence: 41 }), 42);
  t.throws(() => nextSiteSequence({ lastActivationId: 0, siteSequence: U32_MAX }), {
    code: 'COUNTER_EXHAUSTED',
  } as never);
});

test('the reducer applies a restore: counters jump, never go back, and the last export stays', (t) => {
  const state = emptyApplianceState();
  reduce(state, {
    type: 'sync.exported',
    data: { siteSequence: 2, checkpoint: { seq: 9, hash: 'cd'.repeat(32) }, at: NOW },
  });
  reduce(state, restored({ from: 0, to: 1_000_000 }, { from: 2, to: 10_002 }));
  t.is(state.lastActivationId, 1_000_000);
  t.is(state.siteSequence, 10_002);
  t.deepEqual(state.lastExport, { seq: 9, hash: 'cd'.repeat(32) });
  // A restore record from an older copy's point of view never moves the counters back.
  reduce(state, restored({ from: 0, to: 5 }, { from: 0, to: 5 }));
  t.is(state.lastActivationId, 1_000_000);
  t.is(state.siteSequence, 10_002);
  // The snapshot keeps the jumped counters.
  const back = deserialiseState(JSON.parse(JSON.stringify(serialiseState(state))));
  t.is(back.lastActivationId, 1_000_000);
  t.is(back.siteSequence, 10_002);
});

test('a record of a kind the reducer does not know changes nothing (how an older reader sees a restore)', (t) => {
  const state = emptyApplianceState();
  reduce(state, { type: 'appliance.renamed', data: { at: NOW } } as unknown as ApplianceEvent);
  t.deepEqual(state, emptyApplianceState());
});

test('an appliance at the last activation ID and site sequence refuses the next with COUNTER_EXHAUSTED', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-counters-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: NOW });
  const identity = await openApplianceDir(dir);
  const vendor = await openVendor(join(dir, 'vendor'));
  const ledger = createMemoryLedger();
  const appliance = createAppliance({ identity, ledger, clock: () => NOW, verifier: nodeSuite });
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId: new Uint8Array(randomBytes(8)),
        type: 'perpetual',
        issuedAt: NOW - 10,
        expiresAt: null,
        seats: 0,
        leaseSeconds: 0,
        graceSeconds: 0,
        product: 'cad',
        features: [],
      },
      vendor.signer,
    ),
  );
  await appliance.addLicense(key);
  await ledger.append(
    'appliance.restored',
    restored({ from: 0, to: U32_MAX - 1 }, { from: 0, to: U32_MAX - 1 }).data,
    NOW * 1000,
  );
  const challenge = (machine: string) =>
    createChallenge(emptyState(), key, {
      trust: identity.trust,
      now: NOW,
      fingerprintFor: (p: string) => computeFingerprint(p, explicitComponents(machine)),
      random: (n: number) => new Uint8Array(randomBytes(n)),
    }).text;
  t.like(await appliance.respond(challenge('a'), { channel: 'offline' }), {
    activationId: 'act_ffffffff',
  });
  await t.throwsAsync(appliance.respond(challenge('b'), { channel: 'offline' }), {
    code: 'COUNTER_EXHAUSTED',
  } as never);
  // The machine that holds the last ID renews it: nothing new is handed out.
  t.like(await appliance.respond(challenge('a'), { channel: 'offline' }), { renewal: true });
  t.is((await appliance.exportSync()).siteSequence, U32_MAX);
  await t.throwsAsync(appliance.exportSync(), { code: 'COUNTER_EXHAUSTED' } as never);
});
