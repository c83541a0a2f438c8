// Applying vendor revocation bundles, as properties (docs/FORMATS.md §11.4): a random history of
// revocations published as sequences 1..n, carried as a full bundle then deltas, holds exactly what
// the newest full bundle holds; older bundles are rollbacks, a delta needs exactly its base, and a
// bundle with any one byte changed is refused at decoding or signature and never applied.

import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { toHex } from '../../src/core/bytes.ts';
import { AirlockError, type ErrorCode } from '../../src/core/errors.ts';
import {
  REVOCATION_REASONS,
  type RevocationReason,
  type RevokedActivation,
  type RevokedCertificate,
  type RevokedLicense,
  signBundle,
} from '../../src/core/formats/revocation-bundle.ts';
import { keyIdOf } from '../../src/core/ids.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { applyBundle, type StreamContext } from '../../src/sdk/revocation-streams.ts';
import { revocationKeyOfActivation, type RevocationStream } from '../../src/sdk/state.ts';
import { parseTrust } from '../../src/sdk/trust.ts';

type Streams = Readonly<Record<string, RevocationStream>>;

const T0 = 1_800_000_000;
const DAY = 86400;
const vendor = nodeSuite.signer(new Uint8Array(32).fill(0x41));
const ctx: StreamContext = {
  trust: parseTrust({
    format: 'airlock-trust/v1',
    roots: [
      { keyId: `key_${toHex(keyIdOf(vendor.publicKey))}`, publicKey: toHex(vendor.publicKey) },
    ],
  }),
  verifier: nodeSuite,
  // Every bundle of a history is issued before this, so BUNDLE_NOT_YET_VALID never intervenes.
  now: T0 + 10_000 * DAY,
  leewaySeconds: 300,
};

/** What a bundle may be refused with when its bytes were changed: decoding or signature (§11.5). */
const TAMPER_CODES: readonly ErrorCode[] = [
  'FORMAT_INVALID',
  'SIGNATURE_INVALID',
  'CODE_WRONG_KIND',
  'FORMAT_UNSUPPORTED_VERSION',
  'KEY_UNKNOWN',
];

// ---------------------------------------------------------------------------------------------
// A vendor's history: each revocation is published first in the bundle of sequence `step`.

interface Published<T> {
  readonly step: number;
  readonly entry: T;
}

interface History {
  /** Sequences 1..n were published. */
  readonly n: number;
  /** Indexed by sequence; [0] is unused. */
  readonly issuedAt: readonly number[];
  readonly nextUpdate: readonly number[];
  readonly licenses: readonly Published<RevokedLicense>[];
  readonly activations: readonly Published<RevokedActivation>[];
  readonly certificates: readonly Published<RevokedCertificate>[];
}

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const reason = fc.constantFrom(...REVOCATION_REASONS);
const revokedAt = fc.integer({ min: T0 - 365 * DAY, max: T0 + 365 * DAY });
/** Which sequence first lists an entry, before it is reduced to 1..n. */
const step = fc.nat({ max: 1000 });

const history = (minN: number): fc.Arbitrary<History> =>
  fc
    .record({
      gaps: fc.array(fc.integer({ min: 1, max: 30 * DAY }), { minLength: minN, maxLength: 6 }),
      validity: fc.integer({ min: 1, max: 60 * DAY }),
      licenses: fc.uniqueArray(fc.record({ step, licenseId: bytesOf(8), revokedAt, reason }), {
        maxLength: 12,
        selector: (l) => toHex(l.licenseId),
      }),
      activations: fc.uniqueArray(
        fc.record({
          step,
          // Few appliances, so that several activations share one, as on a real site.
          applianceId: fc.constantFrom(Uint8Array.of(0, 0, 0, 1), Uint8Array.of(0xab, 0, 0, 2)),
          activationId: fc.integer({ min: 1, max: 0xffffffff }),
          revokedAt,
          reason,
        }),
        { maxLength: 12, selector: (a) => `${toHex(a.applianceId)}:${a.activationId}` },
      ),
      certificates: fc.uniqueArray(
        fc.record({ step, certificateId: bytesOf(8), revokedAt, reason }),
        { maxLength: 6, selector: (c) => toHex(c.certificateId) },
      ),
    })
    .map(({ gaps, validity, licenses, activations, certificates }): History => {
      const n = gaps.length;
      const issuedAt = [0];
      for (const gap of gaps) issuedAt.push(issuedAt[issuedAt.length - 1]! + gap);
      const at = issuedAt.map((g) => T0 + g);
      const publish = <T extends { step: number }>(items: readonly T[]) =>
        items.map(({ step: s, ...entry }) => ({ step: (s % n) + 1, entry }));
      return {
        n,
        issuedAt: at,
        nextUpdate: at.map((t) => t + validity),
        licenses: publish(licenses),
        activations: publish(activations),
        certificates: publish(certificates),
      };
    });

/** The bundle of `sequence`: full (base 0) lists everything up to it, a delta what came after base. */
function bundleOf(h: History, sequence: number, base = 0): Uint8Array {
  const since = <T>(items: readonly Published<T>[]) =>
    items.filter((p) => p.step > base && p.step <= sequence).map((p) => p.entry);
  return signBundle(
    {
      issuer: 'vendor',
      sequence,
      baseSequence: base,
      issuedAt: h.issuedAt[sequence]!,
      nextUpdate: h.nextUpdate[sequence]!,
      licenses: since(h.licenses),
      activations: since(h.activations),
      certificates: since(h.certificates),
    },
    vendor,
  ).bytes;
}

/** The vendor stream holding sequence `sequence`, built from the history, not from bundles. */
function expectedStream(h: History, sequence: number): RevocationStream {
  const upTo = <T extends { revokedAt: number; reason: RevocationReason }>(
    items: readonly Published<T>[],
    key: (entry: T) => string,
  ) =>
    Object.fromEntries(
      items
        .filter((p) => p.step <= sequence)
        .map(({ entry }) => [key(entry), { at: entry.revokedAt, reason: entry.reason }]),
    );
  return {
    sequence,
    issuedAt: h.issuedAt[sequence]!,
    nextUpdate: h.nextUpdate[sequence]!,
    licenses: upTo(h.licenses, (l) => toHex(l.licenseId)),
    activations: upTo(h.activations, (a) =>
      revocationKeyOfActivation(toHex(a.applianceId), a.activationId),
    ),
    certificates: upTo(h.certificates, (c) => toHex(c.certificateId)),
  };
}

/** Applies one bundle as a caller does: the stream it names takes its next value. */
function apply(streams: Streams, bytes: Uint8Array): Streams {
  const applied = applyBundle(streams, bytes, ctx);
  assert.equal(applied.outcome, 'applied');
  return { ...streams, [applied.stream]: applied.next };
}

/** The code a refusal carries; fails the property if the bundle was accepted instead. */
function refusal(streams: Streams, bytes: Uint8Array): AirlockError {
  const before = structuredClone(streams);
  try {
    const applied = applyBundle(streams, bytes, ctx);
    assert.fail(
      `expected a refusal, got '${applied.outcome}' at sequence ${applied.next.sequence}`,
    );
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    assert.deepEqual(streams, before, 'a refused bundle left the streams as they were');
    return error;
  }
}

const held = (h: History, sequence: number): Streams =>
  sequence === 0 ? {} : apply({}, bundleOf(h, sequence));

// ---------------------------------------------------------------------------------------------
// (a) Full bundle then deltas ≡ the newest full bundle

test('a full bundle then deltas up to n hold exactly what the full bundle of n holds', (t) => {
  // From sequence k, deltas to each stop and on to n: one step at a time, or several at once.
  const path = history(1).chain((h) =>
    fc.record({
      h: fc.constant(h),
      k: fc.integer({ min: 1, max: h.n }),
      stops: fc.uniqueArray(fc.integer({ min: 1, max: h.n }), { maxLength: h.n }),
      everyStep: fc.boolean(),
    }),
  );
  fc.assert(
    fc.property(path, ({ h, k, stops, everyStep }) => {
      const between = (s: number) => s > k && s < h.n;
      const route = everyStep
        ? Array.from({ length: h.n - k }, (_, i) => k + 1 + i)
        : [...stops.filter(between).sort((a, b) => a - b), ...(k < h.n ? [h.n] : [])];
      let streams = held(h, k);
      let base = k;
      for (const sequence of route) {
        streams = apply(streams, bundleOf(h, sequence, base));
        base = sequence;
      }
      const direct = held(h, h.n);
      assert.deepEqual(streams, direct);
      assert.deepEqual(direct['vendor'], expectedStream(h, h.n));
    }),
    { numRuns: 150 },
  );
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// (b) Rollback, and the same sequence again

test('once sequence j is held, every older bundle is BUNDLE_ROLLBACK and the stream stays', (t) => {
  const older = history(2).chain((h) =>
    fc.integer({ min: 2, max: h.n }).chain((j) =>
      fc.integer({ min: 1, max: j - 1 }).chain((i) =>
        fc.record({
          h: fc.constant(h),
          j: fc.constant(j),
          i: fc.constant(i),
          // 0: the full bundle of i; otherwise a delta onto this base.
          base: i === 1 ? fc.constant(0) : fc.integer({ min: 0, max: i - 1 }),
          viaDeltas: fc.boolean(),
        }),
      ),
    ),
  );
  fc.assert(
    fc.property(older, ({ h, j, i, base, viaDeltas }) => {
      // j held from a full bundle, or reached from sequence 1 by deltas: the same either way.
      let streams = held(h, viaDeltas ? 1 : j);
      for (let s = 2; viaDeltas && s <= j; s++) streams = apply(streams, bundleOf(h, s, s - 1));
      const error = refusal(streams, bundleOf(h, i, base));
      assert.equal(error.code, 'BUNDLE_ROLLBACK');
      assert.deepEqual(error.details, { held: j, offered: i });
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('the bundle of the sequence already held, full or delta, is unchanged', (t) => {
  const same = history(1).chain((h) =>
    fc.integer({ min: 1, max: h.n }).chain((j) =>
      fc.record({
        h: fc.constant(h),
        j: fc.constant(j),
        base: fc.integer({ min: 0, max: j - 1 }),
      }),
    ),
  );
  fc.assert(
    fc.property(same, ({ h, j, base }) => {
      const streams = held(h, j);
      const before = structuredClone(streams);
      const again = applyBundle(streams, bundleOf(h, j, base), ctx);
      assert.equal(again.outcome, 'unchanged');
      assert.equal(again.next, streams['vendor'], 'the held stream itself is returned');
      assert.deepEqual(streams, before);
    }),
    { numRuns: 100 },
  );
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// (c) A delta needs exactly its base

test('a delta whose base is not the sequence held is BUNDLE_BASE_MISMATCH', (t) => {
  const mismatched = history(2).chain((h) =>
    fc.integer({ min: 2, max: h.n }).chain((sequence) =>
      fc
        .record({
          h: fc.constant(h),
          sequence: fc.constant(sequence),
          base: fc.integer({ min: 1, max: sequence - 1 }),
          // 0: nothing held from the vendor yet.
          holding: fc.integer({ min: 0, max: sequence - 1 }),
        })
        .filter(({ base, holding }) => base !== holding),
    ),
  );
  fc.assert(
    fc.property(mismatched, ({ h, sequence, base, holding }) => {
      const error = refusal(held(h, holding), bundleOf(h, sequence, base));
      assert.equal(error.code, 'BUNDLE_BASE_MISMATCH');
    }),
    { numRuns: 100 },
  );
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// (d) Tampering

/** Refused for a changed byte: by decoding or signature, never by the import rules, never applied. */
function assertTamperRefused(streams: Streams, bytes: Uint8Array, at: number, mask: number): void {
  const changed = bytes.slice();
  changed[at]! ^= mask;
  const { code } = refusal(streams, changed);
  assert.ok(
    TAMPER_CODES.includes(code),
    `byte ${at} ^ 0x${mask.toString(16)} was refused with ${code}, not at decoding or signature`,
  );
}

test('a bundle with any one byte changed is refused at decoding or signature, never applied', (t) => {
  const offered = history(1).chain((h) =>
    fc.integer({ min: 1, max: h.n }).chain((sequence) =>
      fc.record({
        h: fc.constant(h),
        sequence: fc.constant(sequence),
        base: fc.integer({ min: 0, max: sequence - 1 }),
        at: fc.nat(),
        mask: fc.integer({ min: 1, max: 255 }),
      }),
    ),
  );
  fc.assert(
    fc.property(offered, ({ h, sequence, base, at, mask }) => {
      // What the bundle applies onto unchanged: its base for a delta, nothing for a full bundle.
      const streams = held(h, base);
      const bytes = bundleOf(h, sequence, base);
      assert.equal(applyBundle(streams, bytes, ctx).outcome, 'applied');
      assertTamperRefused(streams, bytes, at % bytes.length, mask);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('every byte of a delta bundle, changed in its lowest, highest or every bit, is refused', (t) => {
  const one = (step: number, n: number): Published<RevokedLicense> => ({
    step,
    entry: { licenseId: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, n), revokedAt: T0, reason: 'fraud' },
  });
  // Every list non-empty in the delta 1 → 3, so every field of the layout has bytes to change.
  const fixed: History = {
    n: 3,
    issuedAt: [0, T0, T0 + DAY, T0 + 2 * DAY],
    nextUpdate: [0, T0 + 30 * DAY, T0 + 31 * DAY, T0 + 32 * DAY],
    licenses: [one(1, 1), one(2, 2), one(3, 3)],
    activations: [
      {
        step: 2,
        entry: {
          applianceId: Uint8Array.of(0, 0, 0, 1),
          activationId: 7,
          revokedAt: T0,
          reason: 'lost-or-stolen',
        },
      },
    ],
    certificates: [
      {
        step: 3,
        entry: { certificateId: new Uint8Array(8).fill(9), revokedAt: T0, reason: 'retired' },
      },
    ],
  };
  const streams = held(fixed, 1);
  const bytes = bundleOf(fixed, 3, 1);
  t.is(applyBundle(streams, bytes, ctx).outcome, 'applied');
  for (let at = 0; at < bytes.length; at++) {
    for (const mask of [0x01, 0x80, 0xff]) assertTamperRefused(streams, bytes, at, mask);
  }
  t.pass();
});
