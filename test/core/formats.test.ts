// Round trips and rules of every binary format (docs/FORMATS.md §3.4, §6-§11): what the encoders
// refuse as misuse (TypeError), what the decoders refuse as bad data (FORMAT_INVALID), bounds that
// hold before work, and canonical encoding: whatever parses re-encodes to the very same bytes.

import test from 'ava';
import fc from 'fast-check';
import { concatBytes, ByteWriter } from '../../src/core/bytes.ts';
import { decodeDuration, encodeDuration, MAX_DURATION_SECONDS } from '../../src/core/duration.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { AirlockError } from '../../src/core/errors.ts';
import {
  CERTIFICATE_BYTES,
  certificateCompact,
  certificateCovers,
  certificateText,
  decodeCertificate,
  issueCertificate,
  parseCertificate,
  verifyCertificateSignature,
} from '../../src/core/formats/certificate.ts';
import {
  CHALLENGE_BYTES,
  challengeTag,
  challengeText,
  commitmentOf,
  decodeChallenge,
  encodeChallenge,
  parseChallenge,
} from '../../src/core/formats/challenge.ts';
import {
  DEACTIVATION_REASONS,
  deactivationProves,
  deactivationText,
  decodeDeactivation,
  encodeDeactivation,
  parseDeactivation,
} from '../../src/core/formats/deactivation.ts';
import {
  decodeLicenseKey,
  issueLicense,
  LICENSE_TYPES,
  type LicenseFields,
  licenseKeyText,
  licenseSignerKeyId,
  parseLicenseKey,
  verifyLicenseSignature,
} from '../../src/core/formats/license-key.ts';
import {
  combinedResponseText,
  decodeResponse,
  parseResponse,
  RESPONSE_BYTES,
  responseText,
  signResponse,
  verifyResponseSignature,
} from '../../src/core/formats/response.ts';
import {
  type BundleContents,
  MAX_BUNDLE_BYTES,
  parseBundle,
  REVOCATION_REASONS,
  signBundle,
  verifyBundleSignature,
} from '../../src/core/formats/revocation-bundle.ts';
import { keyIdOf } from '../../src/core/ids.ts';
import { kindByte } from '../../src/core/kinds.ts';

const vendor = nobleSuite.signer(new Uint8Array(32).fill(1));
const appliance = nobleSuite.signer(new Uint8Array(32).fill(2));
const T0 = 1767225600;
const DAY = 86400;

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function codeOf(run: () => unknown): string {
  const error = thrown(run);
  if (error instanceof AirlockError) return error.code;
  return error === undefined ? 'accepted' : `crashed: ${String(error)}`;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b);

// ---------------------------------------------------------------------------------------------
// Arbitraries

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const name = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,31}$/);

/** A duration that survives encoding exactly: a count of the finest unit that holds it. */
const exactDuration = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 16383 }).map((n) => n * 60),
  fc.integer({ min: 274, max: 16383 }).map((n) => n * 3600),
  fc.integer({ min: 683, max: 16383 }).map((n) => n * DAY),
);

const userText = fc
  .string({ minLength: 1, maxLength: 20, unit: 'grapheme' })
  .map((s) => s.normalize('NFC'))
  .filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s))
  .filter((s) => {
    const n = new TextEncoder().encode(s).length;
    return n >= 1 && n <= 64;
  });

const licenseFields: fc.Arbitrary<LicenseFields> = fc
  .record({
    licenseId: bytesOf(8),
    type: fc.constantFrom(...LICENSE_TYPES),
    issuedAt: fc.integer({ min: 0, max: 0xfffffff0 }),
    validity: fc.option(fc.integer({ min: 1, max: 10 * 365 * DAY }), { nil: null }),
    seats: fc.integer({ min: 0, max: 0xffff }),
    leaseSeconds: exactDuration,
    graceSeconds: exactDuration,
    product: name,
    features: fc.uniqueArray(name, { maxLength: 16 }).map((f) => [...f].sort()),
    fingerprint: fc.option(bytesOf(8), { nil: undefined }),
    user: fc.option(userText, { nil: undefined }),
  })
  .map(({ validity, ...f }) => {
    const needsExpiry = f.type === 'trial' || f.type === 'subscription';
    const expiresAt =
      validity === null && !needsExpiry
        ? null
        : Math.min(f.issuedAt + (validity ?? DAY), 0xffffffff);
    return {
      ...f,
      expiresAt,
      seats: f.type === 'floating' ? Math.max(1, f.seats) : f.seats,
      leaseSeconds: f.type === 'floating' && f.leaseSeconds === 0 ? 3600 : f.leaseSeconds,
    };
  });

const challengeFields = fc.record({
  licenseId: bytesOf(8),
  fingerprint: bytesOf(8),
  nonce: bytesOf(8),
  clientTime: u32,
  commitment: bytesOf(16),
});

const reason = fc.constantFrom(...REVOCATION_REASONS);
const bundleContents = (issuer: 'vendor' | 'site', applianceId: Uint8Array) =>
  fc
    .record({
      sequence: fc.integer({ min: 1, max: 0xffffffff }),
      delta: fc.boolean(),
      issuedAt: fc.integer({ min: 0, max: 0xfffffff0 }),
      validity: fc.integer({ min: 1, max: 15 }),
      licenses: fc.uniqueArray(fc.record({ licenseId: bytesOf(8), revokedAt: u32, reason }), {
        maxLength: 8,
        selector: (l) => Buffer.from(l.licenseId).toString('hex'),
      }),
      activations: fc.uniqueArray(
        fc.record({
          applianceId: issuer === 'site' ? fc.constant(applianceId) : bytesOf(4),
          activationId: fc.integer({ min: 1, max: 0xffffffff }),
          revokedAt: u32,
          reason,
        }),
        {
          maxLength: 8,
          selector: (a) => `${Buffer.from(a.applianceId).toString('hex')}:${a.activationId}`,
        },
      ),
      certificates: fc.uniqueArray(
        fc.record({ certificateId: bytesOf(8), revokedAt: u32, reason }),
        {
          maxLength: 8,
          selector: (c) => Buffer.from(c.certificateId).toString('hex'),
        },
      ),
    })
    .map(({ delta, validity, ...c }): BundleContents => ({
      issuer,
      ...c,
      baseSequence: delta && c.sequence > 1 ? c.sequence - 1 : 0,
      nextUpdate: c.issuedAt + validity,
    }));

const certificate = issueCertificate(
  {
    applianceId: Uint8Array.from([0xab, 0x12, 0xcd, 0x34]),
    publicKey: appliance.publicKey,
    notAfter: T0 + 730 * DAY,
    seatQuota: 500,
    product: 'cad-suite',
  },
  vendor,
);

// ---------------------------------------------------------------------------------------------
// §3.4 Durations

test('a duration encodes to the largest canonical duration not above it', (t) => {
  const units = [60, 3600, DAY];
  fc.assert(
    fc.property(fc.integer({ min: 60, max: MAX_DURATION_SECONDS + DAY - 1 }), (seconds) => {
      const unit = units.find((u) => Math.floor(seconds / u) <= 0x3fff)!;
      const rounded = Math.floor(seconds / unit) * unit;
      const decoded = decodeDuration(encodeDuration(seconds), 'd');
      // Rounding down to the unit, or, where that would fit a finer unit, the finer unit's maximum.
      const finerMax = unit > 60 ? 0x3fff * units[units.indexOf(unit) - 1]! : 0;
      return decoded === Math.max(rounded, Math.min(finerMax, seconds)) && decoded <= seconds;
    }),
    { numRuns: 2000 },
  );
  t.is(encodeDuration(0), 0);
  t.is(decodeDuration(0, 'd'), 0);
});

test('exact durations survive encoding unchanged', (t) => {
  fc.assert(fc.property(exactDuration, (s) => decodeDuration(encodeDuration(s), 'd') === s));
  t.pass();
});

test('every non-canonical 16-bit duration is refused, every canonical one re-encodes to itself', (t) => {
  let canonical = 0;
  for (let value = 0; value <= 0xffff; value++) {
    let seconds: number;
    try {
      seconds = decodeDuration(value, 'd');
    } catch (error) {
      if (!(error instanceof AirlockError) || error.code !== 'FORMAT_INVALID') {
        return void t.fail(`0x${value.toString(16)} crashed: ${String(error)}`);
      }
      continue;
    }
    canonical++;
    if (encodeDuration(seconds) !== value)
      return void t.fail(`0x${value.toString(16)} is not canonical`);
  }
  // none + 16383 minute counts + hours 274..16383 + days 683..16383
  t.is(canonical, 1 + 16383 + (16383 - 273) + (16383 - 682));
});

test('encodeDuration refuses what a duration cannot be', (t) => {
  for (const bad of [-1, 1.5, 59, Number.NaN, MAX_DURATION_SECONDS + DAY, Infinity]) {
    t.throws(() => encodeDuration(bad), { instanceOf: TypeError }, String(bad));
  }
});

test('every duration the encoder accepts is one the decoder accepts', (t) => {
  // 16384 minutes rounds to 273 hours, which fits in minutes: decodeDuration refuses 0x4111.
  for (const seconds of [16384 * 60, 274 * 3600 - 1, 16384 * 3600, 683 * DAY - 1]) {
    t.is(
      codeOf(() => decodeDuration(encodeDuration(seconds), 'd')),
      'accepted',
      String(seconds),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// §6 License keys

test('license keys round-trip through their typed form, verified before they are parsed', (t) => {
  fc.assert(
    fc.property(licenseFields, (fields) => {
      const key = issueLicense(fields, vendor);
      const bytes = decodeLicenseKey(licenseKeyText(key));
      if (!same(licenseSignerKeyId(bytes), keyIdOf(vendor.publicKey))) return false;
      if (!verifyLicenseSignature(bytes, vendor.publicKey, nobleSuite)) return false;
      const parsed = parseLicenseKey(bytes);
      t.deepEqual(parsed, { ...fields, vendorKeyId: keyIdOf(vendor.publicKey), bytes: key.bytes });
      return key.bytes.length % 5 === 0;
    }),
    { numRuns: 150 },
  );
});

test('issueLicense refuses fields that break a license rule with a TypeError', (t) => {
  const base: LicenseFields = {
    licenseId: new Uint8Array(8),
    type: 'subscription',
    issuedAt: T0,
    expiresAt: T0 + DAY,
    seats: 1,
    leaseSeconds: 0,
    graceSeconds: 0,
    product: 'cad-suite',
    features: ['a', 'b'],
  };
  t.notThrows(() => issueLicense(base, vendor));
  const broken: [string, Partial<LicenseFields> | Record<string, unknown>][] = [
    ['a trial without an expiry', { type: 'trial', expiresAt: null }],
    ['a subscription without an expiry', { expiresAt: null }],
    ['an expiry before the issue time', { expiresAt: T0 - 1 }],
    ['an expiry equal to the issue time', { expiresAt: T0 }],
    ['an unknown type', { type: 'forever' }],
    ['a 7-byte license ID', { licenseId: new Uint8Array(7) }],
    ['65536 seats', { seats: 65536 }],
    ['fractional seats', { seats: 1.5 }],
    ['a floating license without a lease', { type: 'floating', leaseSeconds: 0 }],
    ['a floating license with unlimited seats', { type: 'floating', seats: 0, leaseSeconds: 3600 }],
    ['an invalid product name', { product: 'CAD' }],
    ['features out of order', { features: ['b', 'a'] }],
    ['a duplicate feature', { features: ['a', 'a'] }],
    ['17 features', { features: Array.from({ length: 17 }, (_, i) => `f${i + 10}`) }],
    ['a 7-byte fingerprint', { fingerprint: new Uint8Array(7) }],
    ['an empty user', { user: '' }],
    ['a user with a control character', { user: 'a\u0000b' }],
    ['a user not in NFC', { user: 'e\u0301' }],
    ['a lease under a minute', { leaseSeconds: 30 }],
    ['an issue time beyond u32', { issuedAt: 2 ** 32, expiresAt: 2 ** 32 + 1 }],
  ];
  for (const [what, change] of broken) {
    const error = thrown(() => issueLicense({ ...base, ...change } as LicenseFields, vendor));
    t.true(error instanceof TypeError, `${what}: ${String(error)}`);
  }
});

test('a license key signed with fields that break the rules parses as FORMAT_INVALID', (t) => {
  // A trial license without expiry, written by hand and signed properly.
  const body = new ByteWriter()
    .u8(kindByte('K', 1))
    .bytes(keyIdOf(vendor.publicKey))
    .bytes(new Uint8Array(8))
    .u8(1) // trial
    .u32(T0)
    .u32(0)
    .u16(1)
    .u16(0)
    .u16(0)
    .u8(0)
    .shortString('cad-suite')
    .u8(0);
  while ((body.length + 64) % 5 !== 0) body.u8(0);
  const unsigned = body.finish();
  const bytes = concatBytes(
    unsigned,
    vendor.sign(
      concatBytes(new TextEncoder().encode('airlock-license-v1'), new Uint8Array([0]), unsigned),
    ),
  );
  t.true(verifyLicenseSignature(bytes, vendor.publicKey, nobleSuite));
  const error = thrown(() => parseLicenseKey(bytes));
  t.true(error instanceof AirlockError);
  t.is((error as AirlockError).code, 'FORMAT_INVALID');
  t.regex((error as AirlockError).message, /trial license needs an expiry/);
});

test('a license body changed anywhere either is refused or re-encodes to the same bytes', (t) => {
  fc.assert(
    fc.property(licenseFields, fc.nat(), fc.integer({ min: 1, max: 255 }), (fields, at, xor) => {
      const key = issueLicense(fields, vendor);
      const bodyLength = key.bytes.length - 64;
      const changed = key.bytes.slice();
      const i = at % bodyLength;
      changed[i] = changed[i]! ^ xor;
      let parsed;
      try {
        parsed = parseLicenseKey(changed);
      } catch (error) {
        return error instanceof AirlockError;
      }
      // It parsed: then it is the one canonical encoding of its fields.
      const again = issueLicense(parsed, nobleSuite.signer(new Uint8Array(32).fill(1)));
      return i < 5 || same(again.bytes.subarray(0, bodyLength), changed.subarray(0, bodyLength));
    }),
    { numRuns: 300 },
  );
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// §7 Appliance certificates

test('certificates round-trip through their typed and compact forms', (t) => {
  fc.assert(
    fc.property(
      bytesOf(4).filter((b) => b.some((x) => x !== 0)),
      u32,
      fc.integer({ min: 0, max: 0xffff }),
      fc.option(name, { nil: null }),
      (applianceId, notAfter, seatQuota, product) => {
        const cert = issueCertificate(
          { applianceId, publicKey: appliance.publicKey, notAfter, seatQuota, product },
          vendor,
        );
        t.deepEqual(decodeCertificate(certificateText(cert)), cert);
        t.deepEqual(decodeCertificate(certificateCompact(cert)), cert);
        return (
          cert.bytes.length === CERTIFICATE_BYTES &&
          certificateText(cert).length === 229 &&
          certificateCompact(cert).length === 184 &&
          verifyCertificateSignature(cert, vendor.publicKey, nobleSuite) &&
          (product === null
            ? cert.productTag === null && certificateCovers(cert, 'anything')
            : certificateCovers(cert, product))
        );
      },
    ),
    { numRuns: 50 },
  );
});

test('a certificate for one product does not cover another', (t) => {
  t.true(certificateCovers(certificate, 'cad-suite'));
  t.false(certificateCovers(certificate, 'cad-suite2'));
});

test('issueCertificate refuses an all-zero appliance ID or a short key with a TypeError', (t) => {
  const fields = {
    applianceId: new Uint8Array(4),
    publicKey: appliance.publicKey,
    notAfter: T0,
    seatQuota: 0,
    product: null,
  };
  t.throws(() => issueCertificate(fields, vendor), { instanceOf: TypeError });
  t.throws(() => issueCertificate({ ...fields, applianceId: new Uint8Array(3).fill(1) }, vendor), {
    instanceOf: TypeError,
  });
  t.throws(
    () =>
      issueCertificate(
        { ...fields, applianceId: new Uint8Array(4).fill(1), publicKey: new Uint8Array(31) },
        vendor,
      ),
    {
      instanceOf: TypeError,
    },
  );
});

test('a certificate of any other length is FORMAT_INVALID', (t) => {
  for (const length of [0, 1, 51, 114, 116, 230]) {
    const bytes = new Uint8Array(length);
    if (length > 0) bytes[0] = kindByte('A', 1);
    t.is(
      codeOf(() => parseCertificate(bytes)),
      'FORMAT_INVALID',
      String(length),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// §8 Challenges, §9 responses, §10 deactivation codes

test('challenges round-trip, and their tag and commitment are as specified', (t) => {
  fc.assert(
    fc.property(challengeFields, bytesOf(16), (fields, secret) => {
      const ch = encodeChallenge({ ...fields, commitment: commitmentOf(secret) });
      const text = challengeText(ch);
      t.deepEqual(decodeChallenge(text), ch);
      t.deepEqual(parseChallenge(ch.bytes), ch);
      return (
        text.length === 89 &&
        ch.bytes.length === CHALLENGE_BYTES &&
        challengeTag(ch.bytes).length === 2
      );
    }),
  );
});

test('encodeChallenge refuses fields of the wrong size with a TypeError', (t) => {
  const fields = {
    licenseId: new Uint8Array(8),
    fingerprint: new Uint8Array(8),
    nonce: new Uint8Array(8),
    clientTime: 0,
    commitment: new Uint8Array(16),
  };
  for (const change of [
    { licenseId: new Uint8Array(7) },
    { nonce: new Uint8Array(9) },
    { commitment: new Uint8Array(15) },
    { clientTime: -1 },
    { clientTime: 2 ** 32 },
  ]) {
    t.throws(() => encodeChallenge({ ...fields, ...change }), { instanceOf: TypeError });
  }
  t.throws(() => commitmentOf(new Uint8Array(15)), { instanceOf: TypeError });
});

test('responses round-trip in typed and combined form and verify against their challenge only', (t) => {
  fc.assert(
    fc.property(
      challengeFields,
      challengeFields,
      fc.integer({ min: 1, max: 0xffffffff }),
      exactDuration,
      fc.integer({ min: 0, max: 0xffff }),
      (a, b, activationId, leaseSeconds, featureMask) => {
        const challenge = encodeChallenge(a);
        const other = encodeChallenge(b);
        const response = signResponse(
          challenge,
          { activationId, leaseSeconds, featureMask },
          appliance,
        );
        t.deepEqual(decodeResponse(responseText(response)), { response });
        const combined = combinedResponseText(response, certificate);
        t.deepEqual(decodeResponse(combined), { response, certificate });
        return (
          responseText(response).length === 149 &&
          combined.length === 305 &&
          response.bytes.length === RESPONSE_BYTES &&
          verifyResponseSignature(response, challenge, appliance.publicKey, nobleSuite) &&
          (same(a.nonce, b.nonce) ||
            !verifyResponseSignature(response, other, appliance.publicKey, nobleSuite)) &&
          !verifyResponseSignature(response, challenge, vendor.publicKey, nobleSuite)
        );
      },
    ),
    { numRuns: 50 },
  );
});

test('signResponse refuses activation ID 0 and a mask beyond 16 bits with a TypeError', (t) => {
  const challenge = encodeChallenge({
    licenseId: new Uint8Array(8),
    fingerprint: new Uint8Array(8),
    nonce: new Uint8Array(8),
    clientTime: 0,
    commitment: new Uint8Array(16),
  });
  t.throws(
    () => signResponse(challenge, { activationId: 0, leaseSeconds: 0, featureMask: 0 }, appliance),
    { instanceOf: TypeError },
  );
  t.throws(
    () =>
      signResponse(
        challenge,
        { activationId: 2 ** 32, leaseSeconds: 0, featureMask: 0 },
        appliance,
      ),
    { instanceOf: TypeError },
  );
  t.throws(
    () =>
      signResponse(
        challenge,
        { activationId: 1, leaseSeconds: 0, featureMask: 0x10000 },
        appliance,
      ),
    { instanceOf: TypeError },
  );
});

test('deactivation codes round-trip and prove only their own commitment', (t) => {
  fc.assert(
    fc.property(
      bytesOf(4),
      fc.integer({ min: 1, max: 0xffffffff }),
      bytesOf(16),
      bytesOf(16),
      u32,
      fc.constantFrom(...DEACTIVATION_REASONS),
      (applianceId, activationId, secret, otherSecret, clientTime, reason) => {
        const d = encodeDeactivation({ applianceId, activationId, secret, clientTime, reason });
        t.deepEqual(decodeDeactivation(deactivationText(d)), d);
        return (
          deactivationText(d).length === 59 &&
          deactivationProves(d, commitmentOf(secret)) &&
          (same(secret, otherSecret) || !deactivationProves(d, commitmentOf(otherSecret)))
        );
      },
    ),
  );
});

test('parseDeactivation checks the kind byte like every other parser', (t) => {
  const bytes = new Uint8Array(30);
  bytes[0] = kindByte('C', 1);
  bytes[8] = 1;
  t.is(
    codeOf(() => parseDeactivation(bytes)),
    'CODE_WRONG_KIND',
  );
});

test('fixed-size artefacts changed anywhere either are refused or re-encode to the same bytes', (t) => {
  const ch = encodeChallenge({
    licenseId: new Uint8Array(8).fill(1),
    fingerprint: new Uint8Array(8).fill(2),
    nonce: new Uint8Array(8).fill(3),
    clientTime: T0,
    commitment: new Uint8Array(16).fill(4),
  });
  const response = signResponse(
    ch,
    { activationId: 7, leaseSeconds: 30 * DAY, featureMask: 3 },
    appliance,
  );
  const d = encodeDeactivation({
    applianceId: new Uint8Array(4).fill(9),
    activationId: 7,
    secret: new Uint8Array(16).fill(5),
    clientTime: T0,
    reason: 'retired',
  });
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const flip = (bytes: Uint8Array, limit: number): Uint8Array => {
        const out = bytes.slice();
        out[at % limit] = out[at % limit]! ^ xor;
        return out;
      };
      const r = flip(response.bytes, 11);
      const rOutcome = thrown(() => parseResponse(r));
      const dBytes = flip(d.bytes, 30);
      const dOutcome = thrown(() => parseDeactivation(dBytes));
      const cBytes = flip(ch.bytes, 45);
      const cOutcome = thrown(() => parseChallenge(cBytes));
      if (
        ![rOutcome, dOutcome, cOutcome].every((e) => e === undefined || e instanceof AirlockError)
      ) {
        return false;
      }
      // Whatever parsed is the one encoding of its fields (byte 0 of a deactivation code: see above).
      const rCanonical =
        rOutcome !== undefined ||
        (() => {
          const p = parseResponse(r);
          const body = new ByteWriter().u8(r[0]!).bytes(p.challengeTag).u32(p.activationId);
          return same(
            body.u16(encodeDuration(p.leaseSeconds)).u16(p.featureMask).finish(),
            r.subarray(0, 11),
          );
        })();
      const dCanonical =
        dOutcome !== undefined ||
        at % 30 === 0 ||
        same(encodeDeactivation(parseDeactivation(dBytes)).bytes, dBytes);
      const cCanonical =
        cOutcome !== undefined || same(encodeChallenge(parseChallenge(cBytes)).bytes, cBytes);
      return rCanonical && dCanonical && cCanonical;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// §11 Revocation bundles

test('vendor and site bundles round-trip and come out sorted', (t) => {
  fc.assert(
    fc.property(
      fc
        .constantFrom('vendor' as const, 'site' as const)
        .chain((issuer) => bundleContents(issuer, certificate.applianceId)),
      (contents) => {
        const site = contents.issuer === 'site';
        const signer = site ? appliance : vendor;
        const shuffled = {
          ...contents,
          licenses: [...contents.licenses].reverse(),
          activations: [...contents.activations].reverse(),
        };
        const bundle = signBundle(shuffled, signer, site ? certificate : undefined);
        const parsed = parseBundle(bundle.bytes);
        const sortedHex = (xs: readonly Uint8Array[]) =>
          xs.map((x) => Buffer.from(x).toString('hex'));
        const ids = sortedHex(parsed.licenses.map((l) => l.licenseId));
        t.deepEqual(ids, [...ids].sort());
        t.deepEqual(parsed, bundle);
        t.is(parsed.licenses.length, contents.licenses.length);
        t.is(parsed.activations.length, contents.activations.length);
        t.is(parsed.certificates.length, contents.certificates.length);
        return (
          verifyBundleSignature(parsed, signer.publicKey, nobleSuite) &&
          same(parsed.signerKeyId, keyIdOf(signer.publicKey))
        );
      },
    ),
    { numRuns: 60 },
  );
});

test('signBundle refuses a site bundle without its certificate and a vendor bundle with one', (t) => {
  const contents: BundleContents = {
    issuer: 'site',
    sequence: 1,
    baseSequence: 0,
    issuedAt: T0,
    nextUpdate: T0 + 1,
    licenses: [],
    activations: [],
    certificates: [],
  };
  t.throws(() => signBundle(contents, appliance), { instanceOf: TypeError });
  t.throws(() => signBundle({ ...contents, issuer: 'vendor' }, vendor, certificate), {
    instanceOf: TypeError,
  });
});

function bundleWithCount(count: number, entries: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new ByteWriter()
    .u8(kindByte('B', 1))
    .u8(1)
    .u8(0)
    .u8(0)
    .u32(1)
    .u32(0)
    .u32(T0)
    .u32(T0 + DAY)
    .bytes(keyIdOf(vendor.publicKey))
    .u32(count)
    .bytes(entries)
    .finish();
  return concatBytes(body, new Uint8Array(64));
}

test('an entry count larger than the data is refused at once, before any entry is read', (t) => {
  for (const count of [1, 2, 1_000_000, 1_000_001, 0x7fffffff, 0xffffffff]) {
    const started = performance.now();
    t.is(
      codeOf(() => parseBundle(bundleWithCount(count))),
      'FORMAT_INVALID',
      String(count),
    );
    t.true(performance.now() - started < 50, `count ${count} took too long`);
  }
  const oneEntry = new Uint8Array(13);
  t.is(
    codeOf(() => parseBundle(bundleWithCount(2, oneEntry))),
    'FORMAT_INVALID',
  );
});

test('a bundle larger than 32 MiB is refused before it is parsed', (t) => {
  const huge = new Uint8Array(MAX_BUNDLE_BYTES + 1);
  huge[0] = kindByte('B', 1);
  const started = performance.now();
  const error = thrown(() => parseBundle(huge));
  t.true(error instanceof AirlockError);
  t.regex((error as AirlockError).message, /32 MiB/);
  t.true(performance.now() - started < 50);
});

test('every truncation of a bundle is refused with FORMAT_INVALID', (t) => {
  const bundle = signBundle(
    {
      issuer: 'site',
      sequence: 3,
      baseSequence: 2,
      issuedAt: T0,
      nextUpdate: T0 + DAY,
      licenses: [{ licenseId: new Uint8Array(8).fill(1), revokedAt: T0, reason: 'fraud' }],
      activations: [
        {
          applianceId: certificate.applianceId,
          activationId: 5,
          revokedAt: T0,
          reason: 'lost-or-stolen',
        },
      ],
      certificates: [
        { certificateId: new Uint8Array(8).fill(3), revokedAt: T0, reason: 'superseded' },
      ],
    },
    appliance,
    certificate,
  );
  for (let length = 0; length < bundle.bytes.length; length++) {
    t.is(
      codeOf(() => parseBundle(bundle.bytes.subarray(0, length))),
      'FORMAT_INVALID',
      String(length),
    );
  }
  t.is(
    codeOf(() => parseBundle(concatBytes(bundle.bytes, new Uint8Array(1)))),
    'FORMAT_INVALID',
  );
});

test('a bundle changed anywhere either is refused or re-encodes to the same bytes', (t) => {
  const contents: BundleContents = {
    issuer: 'vendor',
    sequence: 9,
    baseSequence: 8,
    issuedAt: T0,
    nextUpdate: T0 + DAY,
    licenses: [
      { licenseId: new Uint8Array(8).fill(1), revokedAt: T0, reason: 'fraud' },
      { licenseId: new Uint8Array(8).fill(2), revokedAt: T0, reason: 'retired' },
    ],
    activations: [
      {
        applianceId: new Uint8Array(4).fill(7),
        activationId: 5,
        revokedAt: T0,
        reason: 'lost-or-stolen',
      },
    ],
    certificates: [
      { certificateId: new Uint8Array(8).fill(3), revokedAt: T0, reason: 'superseded' },
    ],
  };
  const bundle = signBundle(contents, vendor);
  const bodyLength = bundle.bytes.length - 64;
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const changed = bundle.bytes.slice();
      const i = at % bodyLength;
      changed[i] = changed[i]! ^ xor;
      let parsed;
      try {
        parsed = parseBundle(changed);
      } catch (error) {
        return error instanceof AirlockError;
      }
      if (i >= 20 && i < 24) return true; // the signer key ID: re-signing would restore it
      const again = signBundle(parsed, vendor);
      return same(again.bytes.subarray(0, bodyLength), changed.subarray(0, bodyLength));
    }),
    { numRuns: 500 },
  );
  t.pass();
});
