// Site bundles speak for their appliance only while its certificate stands: one issued after the
// certificate expired, or from an appliance whose certificate the vendor revoked, is refused.

import test from 'ava';
import { toHex } from '../../src/core/bytes.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { issueCertificate } from '../../src/core/formats/certificate.ts';
import { type BundleContents, signBundle } from '../../src/core/formats/revocation-bundle.ts';
import { keyIdOf } from '../../src/core/ids.ts';
import { emptyState, importRevocations, parseTrust } from '../../src/sdk/index.ts';

const T0 = 1_800_000_000;
const DAY = 86400;
const vendor = nobleSuite.signer(new Uint8Array(32).fill(0x31));
const appliance = nobleSuite.signer(new Uint8Array(32).fill(0x32));
const trust = parseTrust({
  format: 'airlock-trust/v1',
  roots: [{ keyId: `key_${toHex(keyIdOf(vendor.publicKey))}`, publicKey: toHex(vendor.publicKey) }],
});
const cert = issueCertificate(
  {
    applianceId: new Uint8Array([0, 0, 0, 9]),
    publicKey: appliance.publicKey,
    notAfter: T0 + 10 * DAY,
    seatQuota: 0,
    product: null,
  },
  vendor,
);
const ctx = (now: number) => ({
  trust,
  now,
  fingerprintFor: () => new Uint8Array(8),
  verifier: nobleSuite,
});

function contents(over: Partial<BundleContents>): BundleContents {
  return {
    issuer: 'site',
    sequence: 1,
    baseSequence: 0,
    issuedAt: T0,
    nextUpdate: T0 + 30 * DAY,
    licenses: [],
    activations: [],
    certificates: [],
    ...over,
  };
}

test('a site bundle issued while its certificate stands is applied', (t) => {
  const bundle = signBundle(contents({}), appliance, cert);
  t.is(importRevocations(emptyState(), bundle.bytes, ctx(T0)).outcome, 'applied');
});

test('a site bundle issued after its appliance certificate expired is refused', (t) => {
  const late = signBundle(contents({ issuedAt: T0 + 11 * DAY }), appliance, cert);
  t.throws(() => importRevocations(emptyState(), late.bytes, ctx(T0 + 11 * DAY)), {
    code: 'CERTIFICATE_EXPIRED',
  });
});

test('a site bundle from an appliance whose certificate the vendor revoked is refused', (t) => {
  const revocation = signBundle(
    {
      issuer: 'vendor',
      sequence: 1,
      baseSequence: 0,
      issuedAt: T0,
      nextUpdate: T0 + DAY,
      licenses: [],
      activations: [],
      certificates: [
        { certificateId: cert.certificateId, revokedAt: T0, reason: 'key-compromise' },
      ],
    },
    vendor,
  );
  const held = importRevocations(emptyState(), revocation.bytes, ctx(T0)).state;
  const site = signBundle(contents({ sequence: 2 }), appliance, cert);
  t.throws(() => importRevocations(held, site.bytes, ctx(T0 + 60)), { code: 'REVOKED' });
});
