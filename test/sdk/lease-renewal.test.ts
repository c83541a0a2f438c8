// Leases on the client, on the pure core: when renewal is due, how a renewal challenge leaves the
// activation running until its response is applied, where lease plus grace ends, and how a renewed
// license key (same ID, issued later) replaces the held one while an older one is refused.

import test from 'ava';
import { answerChallenge } from '../../src/core/answer-challenge.ts';
import { toHex } from '../../src/core/bytes.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { issueCertificate } from '../../src/core/formats/certificate.ts';
import {
  issueLicense,
  type LicenseFields,
  licenseKeyText,
} from '../../src/core/formats/license-key.ts';
import { keyIdOf } from '../../src/core/ids.ts';
import {
  applyResponse,
  type ClientContext,
  type ClientState,
  computeFingerprint,
  createChallenge,
  deactivate,
  DEFAULT_RENEW_WITHIN_SECONDS,
  emptyState,
  explicitComponents,
  getStatus,
  parseTrust,
  renewalWindow,
} from '../../src/sdk/index.ts';

const DAY = 86400;
const HOUR = 3600;
const T0 = 1_790_000_000;
const LEEWAY = 300;
const vendor = nobleSuite.signer(new Uint8Array(32).fill(0x31));
const appliance = nobleSuite.signer(new Uint8Array(32).fill(0x32));
const cert = issueCertificate(
  {
    applianceId: new Uint8Array([0, 0, 0, 9]),
    publicKey: appliance.publicKey,
    notAfter: T0 + 3650 * DAY,
    seatQuota: 0,
    product: null,
  },
  vendor,
);
const trust = parseTrust({
  format: 'airlock-trust/v1',
  roots: [{ keyId: `key_${toHex(keyIdOf(vendor.publicKey))}`, publicKey: toHex(vendor.publicKey) }],
});

let counter = 0;
const random = (n: number) => Uint8Array.from({ length: n }, () => (counter++ * 53 + 7) & 0xff);
const LICENSE_ID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function license(overrides: Partial<LicenseFields> = {}): string {
  return licenseKeyText(
    issueLicense(
      {
        licenseId: LICENSE_ID,
        type: 'subscription',
        issuedAt: T0 - DAY,
        expiresAt: T0 + 365 * DAY,
        seats: 3,
        leaseSeconds: 30 * DAY,
        graceSeconds: 7 * DAY,
        product: 'acme-cad',
        features: ['export', 'render'],
        ...overrides,
      },
      vendor,
    ),
  );
}

function at(now: number, extra: Partial<ClientContext> = {}) {
  return {
    trust,
    now,
    fingerprintFor: (p: string) => computeFingerprint(p, explicitComponents('m1')),
    random,
    ...extra,
  };
}

/** Challenge with `key` at `now`, the appliance answers as activation 77, the client applies. */
function activate(key: string, now = T0, state: ClientState = emptyState()) {
  const c = createChallenge(state, key, at(now));
  const answer = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: cert,
    signer: appliance,
    now,
    activationId: 77,
  });
  return { challenge: c, applied: applyResponse(c.state, answer.combined, at(now)) };
}

const statusAt = (state: ClientState, now: number, extra: Partial<ClientContext> = {}) =>
  getStatus(state, at(now, extra)).status;
const codes = (status: { warnings: readonly { code: string }[] }) =>
  status.warnings.map((w) => w.code);

test('the default window is a quarter of the lease, at most 7 days; a chosen one wins', (t) => {
  t.is(DEFAULT_RENEW_WITHIN_SECONDS, 7 * DAY);
  t.is(renewalWindow(30 * DAY), 7 * DAY);
  t.is(renewalWindow(28 * DAY), 7 * DAY);
  t.is(renewalWindow(8 * DAY), 2 * DAY);
  t.is(renewalWindow(HOUR), 15 * 60);
  t.is(renewalWindow(30 * DAY, 2 * DAY), 2 * DAY);
  t.is(renewalWindow(HOUR, 0), 0);
});

test('status says renewal is due from the lease end less the window, with LEASE_ENDING', (t) => {
  const { applied } = activate(license());
  const early = statusAt(applied.state, T0 + DAY);
  t.true(early.valid);
  t.deepEqual(early.renewal, { due: false, dueAt: T0 + 23 * DAY, windowSeconds: 7 * DAY });
  t.deepEqual(codes(early), []);

  const justBefore = statusAt(applied.state, T0 + 23 * DAY - 1);
  t.false(justBefore.renewal.due);
  t.deepEqual(codes(justBefore), []);

  const due = statusAt(applied.state, T0 + 23 * DAY);
  t.true(due.valid);
  t.true(due.renewal.due);
  t.deepEqual(codes(due), ['LEASE_ENDING']);
  t.regex(due.warnings[0]!.message, /renew/);
});

test('a chosen window moves when renewal is due and when LEASE_ENDING is said', (t) => {
  const { applied } = activate(license());
  const within = { renewWithinSeconds: 2 * DAY };
  const quiet = statusAt(applied.state, T0 + 25 * DAY, within);
  t.deepEqual(quiet.renewal, { due: false, dueAt: T0 + 28 * DAY, windowSeconds: 2 * DAY });
  t.deepEqual(codes(quiet), []);
  const due = statusAt(applied.state, T0 + 28 * DAY, within);
  t.true(due.renewal.due);
  t.deepEqual(codes(due), ['LEASE_ENDING']);
});

test('a one-hour lease asks for renewal in its last quarter hour, not at once', (t) => {
  const { applied } = activate(license({ leaseSeconds: HOUR, graceSeconds: 0 }));
  const fresh = statusAt(applied.state, T0 + 60);
  t.deepEqual(fresh.renewal, { due: false, dueAt: T0 + 45 * 60, windowSeconds: 15 * 60 });
  t.deepEqual(codes(fresh), []);
  t.true(statusAt(applied.state, T0 + 45 * 60).renewal.due);
});

test('a lease shortened by the license expiry counts its window from the lease granted', (t) => {
  // 30-day lease, but the license ends in 8 days: the appliance grants 8 days, the window is 2.
  const { applied } = activate(license({ expiresAt: T0 + 8 * DAY }));
  const status = statusAt(applied.state, T0 + DAY);
  t.is(status.activation?.leaseEndsAt, T0 + 8 * DAY);
  t.deepEqual(status.renewal, { due: false, dueAt: T0 + 6 * DAY, windowSeconds: 2 * DAY });
});

test('an activation without a lease end is never due for renewal', (t) => {
  const { applied } = activate(license({ leaseSeconds: 0 }));
  const status = statusAt(applied.state, T0 + 300 * DAY);
  t.true(status.valid);
  t.deepEqual(status.renewal, { due: false, dueAt: null, windowSeconds: null });
  t.is(status.leaseRemainingSeconds, null);
});

test('without an activation there is nothing to renew', (t) => {
  const status = statusAt(emptyState(), T0);
  t.is(status.code, 'NOT_ACTIVATED');
  t.deepEqual(status.renewal, { due: false, dueAt: null, windowSeconds: null });
});

test('lease plus grace (plus the clock leeway) is the end: LEASE_EXPIRED one second later', (t) => {
  const { applied } = activate(license());
  const end = T0 + 30 * DAY + 7 * DAY + LEEWAY;
  const last = statusAt(applied.state, end);
  t.true(last.valid);
  t.deepEqual(codes(last), ['LEASE_IN_GRACE']);
  t.is(last.leaseRemainingSeconds, -(7 * DAY + LEEWAY));
  const over = statusAt(applied.state, end + 1);
  t.false(over.valid);
  t.is(over.code, 'LEASE_EXPIRED');
  t.true(over.renewal.due, 'a new challenge is still the way back');
  t.true(last.features.length > 0);
  t.deepEqual(over.features, [], 'a status that is not valid grants no feature');
});

test('without a grace period the lease end (plus leeway) is the end', (t) => {
  const { applied } = activate(license({ graceSeconds: 0 }));
  t.true(statusAt(applied.state, T0 + 30 * DAY + LEEWAY).valid);
  t.is(statusAt(applied.state, T0 + 30 * DAY + LEEWAY + 1).code, 'LEASE_EXPIRED');
});

test('a renewal challenge leaves the activation valid until its response is applied', (t) => {
  const key = license();
  const { applied } = activate(key);
  const renewAt = T0 + 24 * DAY;
  const c = createChallenge(applied.state, key, at(renewAt));
  t.is(c.renews, 'lease');
  t.deepEqual(c.state.activation, applied.state.activation, 'the activation held is untouched');
  t.truthy(c.state.pending);

  // The operator is away: the machine keeps running on the old lease, into its grace period.
  const waiting = statusAt(c.state, T0 + 31 * DAY);
  t.true(waiting.valid);
  t.is(waiting.activation?.leaseEndsAt, T0 + 30 * DAY);

  const answer = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: cert,
    signer: appliance,
    now: renewAt,
    activationId: 77,
  });
  const renewed = applyResponse(c.state, answer.text, at(T0 + 31 * DAY));
  t.is(renewed.activation.activationId, 'act_0000004d');
  t.is(renewed.activation.leaseEndsAt, renewAt + 30 * DAY, 'counted from the renewal challenge');
  t.is(renewed.state.pending, undefined);
  const after = statusAt(renewed.state, T0 + 31 * DAY);
  t.true(after.valid);
  t.deepEqual(codes(after), []);
  t.false(after.renewal.due);
  t.is(after.renewal.dueAt, renewAt + 23 * DAY);
});

test('a renewed key (same license ID, issued later) replaces the held key and keeps the activation', (t) => {
  const trial = license({ type: 'trial', expiresAt: T0 + 30 * DAY, features: ['export'] });
  const { applied } = activate(trial);
  const paidAt = T0 + 20 * DAY;
  const paid = license({
    type: 'perpetual',
    issuedAt: paidAt - HOUR,
    expiresAt: null,
    features: ['export', 'render'],
  });
  const c = createChallenge(applied.state, paid, at(paidAt));
  t.is(c.renews, 'license-key');
  t.is(c.state.activation?.licenseKey, trial, 'the trial key stays until the response is applied');
  const answer = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: cert,
    signer: appliance,
    now: paidAt,
    activationId: 77,
  });
  const renewed = applyResponse(c.state, answer.text, at(paidAt));
  t.is(renewed.state.activation?.licenseKey, paid);

  // Past the trial's expiry the machine runs on, on the paid key.
  const later = statusAt(renewed.state, T0 + 40 * DAY);
  t.true(later.valid);
  t.like(later.license, { id: 'lic_0102030405060708', type: 'perpetual', expiresAt: null });
  t.like(later.activation, { id: 'act_0000004d', leaseEndsAt: paidAt + 30 * DAY });
  t.deepEqual(later.features, ['export', 'render']);
});

test('an older key for the license held is refused as superseded, and nothing changes', (t) => {
  const old = license({ issuedAt: T0 - 10 * DAY, expiresAt: T0 + 30 * DAY });
  const renewed = license({ issuedAt: T0 - DAY, expiresAt: T0 + 395 * DAY });
  const { applied } = activate(renewed);
  const error = t.throws(() => createChallenge(applied.state, old, at(T0 + DAY)), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'LICENSE_SUPERSEDED');
  t.is(error?.details['reason'], 'superseded');
  t.is(error?.details['heldIssuedAt'], T0 - DAY);
  t.regex(error!.message, /older than the one this machine holds/);
  t.true(statusAt(applied.state, T0 + DAY).valid);
});

test('another key issued at the same time as the held one is refused: neither is newer', (t) => {
  const { applied } = activate(license({ seats: 3 }));
  const twin = license({ seats: 5 });
  const error = t.throws(() => createChallenge(applied.state, twin, at(T0 + DAY)), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'LICENSE_SUPERSEDED');
  t.regex(error!.message, /same time/);
});

test('a key of the license held but for another product is refused', (t) => {
  const { applied } = activate(license());
  const moved = license({ issuedAt: T0, product: 'acme-cam' });
  const error = t.throws(() => createChallenge(applied.state, moved, at(T0 + DAY)), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'LICENSE_EXISTS');
  t.is(error?.details['reason'], 'product');
});

test('a pending challenge with an older key is refused when its response is applied', (t) => {
  // A state from before the rule: the pending challenge was made while the older key was held.
  const old = license({ issuedAt: T0 - 10 * DAY });
  const renewed = license({ issuedAt: T0 - DAY });
  const pendingOld = createChallenge(emptyState(), old, at(T0));
  const held = activate(renewed, T0).applied.state;
  const state: ClientState = { ...held, pending: pendingOld.state.pending! };
  const answer = answerChallenge({
    challenge: pendingOld.challenge,
    license: pendingOld.license,
    certificate: cert,
    signer: appliance,
    now: T0,
    activationId: 77,
  });
  const error = t.throws(() => applyResponse(state, answer.combined, at(T0 + 60)), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'LICENSE_SUPERSEDED');
});

test('a key for another license is refused while activated: the old seat must be given back first', (t) => {
  const { applied } = activate(license());
  const other = license({ licenseId: Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]) });
  const error = t.throws(() => createChallenge(applied.state, other, at(T0 + DAY)), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'ACTIVATION_HELD');
  t.regex(error!.message, /Deactivate it first/);
  const { state } = deactivate(applied.state, { now: T0 + DAY });
  t.is(createChallenge(state, other, at(T0 + DAY)).renews, null);
  t.is(createChallenge(emptyState(), license(), at(T0)).renews, null);
});

for (const bad of [-1, 1.5, Number.NaN, '7d', 2 ** 33, null]) {
  test(`renewWithinSeconds ${String(bad)} is a programmer's mistake (TypeError)`, (t) => {
    const ctx = { ...at(T0), renewWithinSeconds: bad } as unknown as ClientContext;
    t.throws(() => getStatus(emptyState(), ctx), { instanceOf: TypeError });
  });
}
