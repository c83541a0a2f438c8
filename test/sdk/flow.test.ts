// The client's offline activation flow against the pure core, with time and randomness passed in.

import test from 'ava';
import QRCode from 'qrcode';
import { answerChallenge } from '../../src/core/answer-challenge.ts';
import { toHex } from '../../src/core/bytes.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { issueCertificate } from '../../src/core/formats/certificate.ts';
import { decodeChallenge } from '../../src/core/formats/challenge.ts';
import { decodeDeactivation, deactivationProves } from '../../src/core/formats/deactivation.ts';
import {
  issueLicense,
  type LicenseFields,
  licenseKeyText,
} from '../../src/core/formats/license-key.ts';
import { signBundle } from '../../src/core/formats/revocation-bundle.ts';
import { keyIdOf } from '../../src/core/ids.ts';
import {
  applyResponse,
  type ClientContext,
  type ClientState,
  computeFingerprint,
  createChallenge,
  deactivate,
  emptyState,
  explicitComponents,
  getStatus,
  importRevocations,
  parseTrust,
} from '../../src/sdk/index.ts';

const DAY = 86400;
const T0 = 1_790_000_000;
const vendor = nobleSuite.signer(new Uint8Array(32).fill(0x11));
const otherVendor = nobleSuite.signer(new Uint8Array(32).fill(0x12));
const appliance = nobleSuite.signer(new Uint8Array(32).fill(0x21));
const applianceId = new Uint8Array([0, 0, 0, 7]);
const cert = issueCertificate(
  {
    applianceId,
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
const random = (n: number) => Uint8Array.from({ length: n }, () => (counter++ * 37 + 11) & 0xff);

function license(overrides: Partial<LicenseFields> = {}): string {
  return licenseKeyText(
    issueLicense(
      {
        licenseId: random(8),
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

function machine(id: string, now = T0): ClientContext & { random: typeof random } {
  return {
    trust,
    now,
    fingerprintFor: (p) => computeFingerprint(p, explicitComponents(id)),
    random,
  };
}

function activate(key: string, ctx = machine('m1'), state: ClientState = emptyState()) {
  const c = createChallenge(state, key, ctx);
  const answer = answerChallenge({
    challenge: decodeChallenge(c.text),
    license: c.license,
    certificate: cert,
    signer: appliance,
    now: ctx.now,
    activationId: 1234,
  });
  return { challenge: c, answer, applied: applyResponse(c.state, answer.combined, ctx) };
}

test('a machine activates offline and is valid with the granted features', (t) => {
  const { applied } = activate(license());
  const { status } = getStatus(applied.state, machine('m1', T0 + DAY));
  t.true(status.valid);
  t.deepEqual(status.features, ['export', 'render']);
  t.is(status.activation?.leaseEndsAt, T0 + 30 * DAY);
  t.is(status.leaseRemainingSeconds, 29 * DAY);
});

test('codes meet the lengths of the design: challenge ≤ 100, response ≤ 150, deactivation ≤ 80', (t) => {
  const { challenge, answer, applied } = activate(license());
  t.true(challenge.text.length <= 100);
  t.true(answer.text.length <= 150);
  t.true(deactivate(applied.state, { now: T0 + DAY }).code.length <= 80);
});

test('the first-activation QR form (response and certificate) fits QR version 10 at level M', (t) => {
  const { answer } = activate(license());
  const qr = QRCode.create(answer.combined, { errorCorrectionLevel: 'M' });
  t.true(qr.version <= 10, `version ${qr.version}`);
  t.true(QRCode.create(answer.text, { errorCorrectionLevel: 'M' }).version <= 10);
});

test('the typed response works once the certificate is known', (t) => {
  const key = license();
  const first = activate(key);
  const ctx = machine('m1', T0 + 2 * DAY);
  const c = createChallenge(first.applied.state, key, ctx);
  const answer = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: cert,
    signer: appliance,
    now: ctx.now,
    activationId: 1234,
  });
  const renewed = applyResponse(c.state, answer.text, ctx);
  t.is(renewed.activation.leaseEndsAt, T0 + 32 * DAY);
});

test('without the certificate the typed response is refused with CERTIFICATE_UNKNOWN', (t) => {
  const ctx = machine('m1');
  const c = createChallenge(emptyState(), license(), ctx);
  const answer = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: cert,
    signer: appliance,
    now: T0,
    activationId: 9,
  });
  const error = t.throws(() => applyResponse(c.state, answer.text, ctx), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'CERTIFICATE_UNKNOWN');
});

test('a response for another machine is refused with RESPONSE_WRONG_CHALLENGE', (t) => {
  const key = license();
  const a = createChallenge(emptyState(), key, machine('a'));
  const b = createChallenge(emptyState(), key, machine('b'));
  const forA = answerChallenge({
    challenge: a.challenge,
    license: a.license,
    certificate: cert,
    signer: appliance,
    now: T0,
    activationId: 1,
  });
  const error = t.throws(() => applyResponse(b.state, forA.combined, machine('b')), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'RESPONSE_WRONG_CHALLENGE');
});

test('a response to an earlier challenge of this machine is refused with RESPONSE_STALE', (t) => {
  const key = license();
  const first = createChallenge(emptyState(), key, machine('a'));
  const second = createChallenge(first.state, key, machine('a'));
  const old = answerChallenge({
    challenge: first.challenge,
    license: first.license,
    certificate: cert,
    signer: appliance,
    now: T0,
    activationId: 1,
  });
  const error = t.throws(() => applyResponse(second.state, old.combined, machine('a')), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'RESPONSE_STALE');
});

test('a response signed by an appliance of another vendor is refused', (t) => {
  const ctx = machine('m1');
  const c = createChallenge(emptyState(), license(), ctx);
  const rogue = issueCertificate(
    {
      applianceId,
      publicKey: appliance.publicKey,
      notAfter: T0 + DAY,
      seatQuota: 0,
      product: null,
    },
    otherVendor,
  );
  const answer = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: rogue,
    signer: appliance,
    now: T0,
    activationId: 9,
  });
  const error = t.throws(() => applyResponse(c.state, answer.combined, ctx), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'KEY_UNKNOWN');
});

test('a forged response (right tag, wrong signer) is refused with SIGNATURE_INVALID', (t) => {
  const ctx = machine('m1');
  const key = license();
  activate(key); // the certificate becomes known only through the carried form below
  const c = createChallenge(emptyState(), key, ctx);
  const forger = nobleSuite.signer(new Uint8Array(32).fill(0x66));
  const forged = answerChallenge({
    challenge: c.challenge,
    license: c.license,
    certificate: cert,
    signer: forger,
    now: T0,
    activationId: 9,
  });
  const error = t.throws(() => applyResponse(c.state, forged.combined, ctx), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'SIGNATURE_INVALID');
});

test('an activation moved to a machine with two changed components fails with FINGERPRINT_MISMATCH', (t) => {
  const { applied } = activate(license());
  const moved: ClientContext = { ...machine('elsewhere', T0 + DAY) };
  t.is(getStatus(applied.state, moved).status.code, 'FINGERPRINT_MISMATCH');
});

test('one changed machine component keeps the activation valid', (t) => {
  const components = {
    'machine-id': 'abc',
    'product-uuid': 'u-1',
    mac: '00:11:22:33:44:55',
    hostname: 'cad-1',
  };
  const ctx = { ...machine('x'), fingerprintFor: (p: string) => computeFingerprint(p, components) };
  const { applied } = activate(license(), ctx);
  const renamed = {
    ...ctx,
    now: T0 + DAY,
    fingerprintFor: (p: string) => computeFingerprint(p, { ...components, hostname: 'cad-2' }),
  };
  t.true(getStatus(applied.state, renamed).status.valid);
});

test('past the lease the activation is valid with a grace warning, then LEASE_EXPIRED', (t) => {
  const { applied } = activate(license());
  const inGrace = getStatus(applied.state, machine('m1', T0 + 31 * DAY)).status;
  t.true(inGrace.valid);
  t.is(inGrace.warnings[0]?.code, 'LEASE_IN_GRACE');
  t.is(getStatus(applied.state, machine('m1', T0 + 38 * DAY)).status.code, 'LEASE_EXPIRED');
});

test('a clock set back behind the latest time seen is detected', (t) => {
  const { applied } = activate(license());
  const later = getStatus(applied.state, machine('m1', T0 + 10 * DAY));
  t.is(getStatus(later.state, machine('m1', T0 + 2 * DAY)).status.code, 'CLOCK_ROLLBACK');
});

test('an expired license cannot make a challenge', (t) => {
  const key = license({ expiresAt: T0 - 3600, issuedAt: T0 - 10 * DAY });
  const error = t.throws(() => createChallenge(emptyState(), key, machine('m1')), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'LICENSE_EXPIRED');
});

test('a machine-bound license refuses another machine before any challenge is made', (t) => {
  const key = license({ fingerprint: computeFingerprint('acme-cad', explicitComponents('bound')) });
  t.notThrows(() => createChallenge(emptyState(), key, machine('bound')));
  const error = t.throws(() => createChallenge(emptyState(), key, machine('other')), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'FINGERPRINT_MISMATCH');
});

test('the deactivation code proves the activating machine and repeats until reactivation', (t) => {
  const { challenge, applied } = activate(license());
  const first = deactivate(applied.state, { now: T0 + DAY, reason: 'retired' });
  const decoded = decodeDeactivation(first.code);
  t.true(deactivationProves(decoded, challenge.challenge.commitment));
  t.is(decoded.reason, 'retired');
  t.is(getStatus(first.state, machine('m1', T0 + DAY)).status.code, 'NOT_ACTIVATED');
  const again = deactivate(first.state, { now: T0 + 2 * DAY });
  t.false(again.removed);
  t.is(again.code, first.code);
});

test('a revoked activation stops validating; an older bundle is refused', (t) => {
  const { applied } = activate(license());
  const bundle = (sequence: number, revoked: boolean) =>
    signBundle(
      {
        issuer: 'site',
        sequence,
        baseSequence: 0,
        issuedAt: T0,
        nextUpdate: T0 + 7 * DAY,
        licenses: [],
        activations: revoked
          ? [{ applianceId, activationId: 1234, revokedAt: T0, reason: 'lost-or-stolen' }]
          : [],
        certificates: [],
      },
      appliance,
      cert,
    ).bytes;
  const ctx = machine('m1', T0 + DAY);
  const imported = importRevocations(applied.state, bundle(2, true), ctx);
  t.is(imported.outcome, 'applied');
  const status = getStatus(imported.state, ctx).status;
  t.is(status.code, 'REVOKED');
  t.regex(status.message, /lost-or-stolen/);
  const error = t.throws(() => importRevocations(imported.state, bundle(1, false), ctx), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'BUNDLE_ROLLBACK');
  t.is(importRevocations(imported.state, bundle(2, true), ctx).outcome, 'unchanged');
});

test('a delta bundle applies only onto its base, and stale revocation data warns', (t) => {
  const { applied } = activate(license());
  const vendorBundle = (sequence: number, baseSequence: number) =>
    signBundle(
      {
        issuer: 'vendor',
        sequence,
        baseSequence,
        issuedAt: T0,
        nextUpdate: T0 + 2 * DAY,
        licenses: [],
        activations: [],
        certificates: [],
      },
      vendor,
    ).bytes;
  const ctx = machine('m1', T0 + DAY);
  const error = t.throws(() => importRevocations(applied.state, vendorBundle(5, 4), ctx), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'BUNDLE_BASE_MISMATCH');
  const full = importRevocations(applied.state, vendorBundle(4, 0), ctx);
  const delta = importRevocations(full.state, vendorBundle(5, 4), ctx);
  t.is(delta.sequence, 5);
  const later = getStatus(delta.state, machine('m1', T0 + 3 * DAY)).status;
  t.true(later.valid);
  t.true(later.warnings.some((w) => w.code === 'REVOCATIONS_STALE'));
});

test('a bundle signed by an unknown key is refused and changes nothing', (t) => {
  const { applied } = activate(license());
  const foreign = signBundle(
    {
      issuer: 'vendor',
      sequence: 1,
      baseSequence: 0,
      issuedAt: T0,
      nextUpdate: T0 + DAY,
      licenses: [],
      activations: [],
      certificates: [],
    },
    otherVendor,
  ).bytes;
  const before = JSON.stringify(applied.state);
  const error = t.throws(() => importRevocations(applied.state, foreign, machine('m1', T0 + 1)), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'KEY_UNKNOWN');
  t.is(JSON.stringify(applied.state), before);
});
