// Root hand-overs on the client (src/sdk/root-handover.ts, docs/FORMATS.md §16): a client that
// pins only the old root learns the new one from the old root's statement, and nothing else can
// teach it a root: not an unpinned key, not a forgery, not a retired root.

import test from 'ava';
import { toHex } from '../../src/core/bytes.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import {
  issueRootHandover,
  rootHandoverCompact,
  rootHandoverText,
} from '../../src/core/formats/root-handover.ts';
import { formatId, keyIdOf } from '../../src/core/ids.ts';
import { encodeTyped } from '../../src/core/typed-code.ts';
import {
  applyRootHandover,
  parseTrust,
  type TrustAnchors,
  trustFile,
  verifyLicenseKey,
} from '../../src/sdk/index.ts';

const DAY = 86400;
const T0 = 1_790_000_000;
const oldRoot = nobleSuite.signer(new Uint8Array(32).fill(0x31));
const newRoot = nobleSuite.signer(new Uint8Array(32).fill(0x32));
const stranger = nobleSuite.signer(new Uint8Array(32).fill(0x33));
const idOf = (key: { publicKey: Uint8Array }) => formatId('key', keyIdOf(key.publicKey));

const pinning = (...keys: { publicKey: Uint8Array }[]): TrustAnchors =>
  parseTrust({
    format: 'airlock-trust/v1',
    roots: keys.map((k) => ({ keyId: idOf(k), publicKey: toHex(k.publicKey) })),
  });

const handover = (retiresSigner = false, signer = oldRoot, to = newRoot) =>
  rootHandoverText(
    issueRootHandover({ newPublicKey: to.publicKey, issuedAt: T0, retiresSigner }, signer),
  );

function licenseBy(root: typeof oldRoot): string {
  return licenseKeyText(
    issueLicense(
      {
        licenseId: new Uint8Array(8).fill(root === oldRoot ? 1 : 2),
        type: 'perpetual',
        issuedAt: T0 - DAY,
        expiresAt: null,
        seats: 1,
        leaseSeconds: 0,
        graceSeconds: 0,
        product: 'acme-cad',
        features: [],
      },
      root,
    ),
  );
}

const verifies = (trust: TrustAnchors, root: typeof oldRoot) =>
  verifyLicenseKey(licenseBy(root), { trust, now: T0 }).product === 'acme-cad';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AirlockError) return error.code;
    throw error;
  }
  return undefined;
}

test('a client pinning only the old root pins the new one first and accepts keys of both', (t) => {
  const before = pinning(oldRoot);
  t.is(
    codeOf(() => verifies(before, newRoot)),
    'KEY_UNKNOWN',
  );
  const { trust, added, retired, handover: h } = applyRootHandover(before, handover());
  t.true(added);
  t.false(retired);
  t.deepEqual(
    trust.roots.map((r) => formatId('key', r.keyId)),
    [idOf(newRoot), idOf(oldRoot)],
  );
  t.is(h.issuedAt, T0);
  t.true(verifies(trust, oldRoot));
  t.true(verifies(trust, newRoot));
  t.deepEqual(before.roots.length, 1, 'the trust anchors given are not changed');
});

test('applying a hand-over again changes nothing, in either form', (t) => {
  const once = applyRootHandover(pinning(oldRoot), handover()).trust;
  const compact = rootHandoverCompact(
    issueRootHandover(
      { newPublicKey: newRoot.publicKey, issuedAt: T0, retiresSigner: false },
      oldRoot,
    ),
  );
  const twice = applyRootHandover(once, compact);
  t.false(twice.added);
  t.deepEqual(trustFile(twice.trust), trustFile(once));
});

test('a root that retires itself stops being trusted, and its later statements are refused', (t) => {
  const { trust, added, retired } = applyRootHandover(pinning(oldRoot), handover(true));
  t.true(added);
  t.true(retired);
  t.deepEqual(
    trust.roots.map((r) => formatId('key', r.keyId)),
    [idOf(newRoot)],
  );
  t.is(
    codeOf(() => verifies(trust, oldRoot)),
    'KEY_UNKNOWN',
  );
  t.true(verifies(trust, newRoot));
  // Whoever holds the retired key cannot hand the client over to a key of their own.
  t.is(
    codeOf(() => applyRootHandover(trust, handover(false, oldRoot, stranger))),
    'REVOKED',
  );
  t.is(
    codeOf(() => applyRootHandover(trust, handover(true))),
    'REVOKED',
  );
  // The retirement survives the trust file.
  const reread = parseTrust(JSON.parse(JSON.stringify(trustFile(trust))));
  t.deepEqual(trustFile(reread).retired, [idOf(oldRoot)]);
  t.is(
    codeOf(() => applyRootHandover(reread, handover(false, oldRoot, stranger))),
    'REVOKED',
  );
});

test('a hand-over naming a retired root is refused, even from a pinned root', (t) => {
  const retiredNew = { ...pinning(oldRoot), retired: [keyIdOf(newRoot.publicKey)] };
  t.is(
    codeOf(() => applyRootHandover(retiredNew, handover())),
    'REVOKED',
  );
});

test('a hand-over from a root that is not pinned, or forged, teaches nothing', (t) => {
  const trust = pinning(oldRoot);
  t.is(
    codeOf(() => applyRootHandover(trust, handover(false, stranger, newRoot))),
    'KEY_UNKNOWN',
  );
  const genuine = issueRootHandover(
    { newPublicKey: newRoot.publicKey, issuedAt: T0, retiresSigner: false },
    oldRoot,
  );
  // The stranger's key put in place of the new root, key ID fixed up, check characters recomputed.
  const forged = genuine.bytes.slice();
  forged.set(keyIdOf(stranger.publicKey), 5);
  forged.set(stranger.publicKey, 9);
  t.is(
    codeOf(() => applyRootHandover(trust, encodeTyped(forged))),
    'SIGNATURE_INVALID',
  );
  const twin = {
    roots: [...trust.roots, { keyId: keyIdOf(newRoot.publicKey), publicKey: stranger.publicKey }],
    certificates: [],
  };
  t.is(
    codeOf(() => applyRootHandover(twin, handover())),
    'TRUST_INVALID',
  );
});

test('a trust file may not pin a root it lists as retired', (t) => {
  const file = { ...trustFile(pinning(oldRoot)), retired: [idOf(oldRoot)] };
  t.is(
    codeOf(() => parseTrust(file)),
    'TRUST_INVALID',
  );
  t.is(
    codeOf(() => parseTrust({ ...file, retired: ['nonsense'] })),
    'TRUST_INVALID',
  );
  t.is(trustFile(pinning(oldRoot)).retired, undefined, 'no "retired" member when none is');
});

test('a hand-over that would outgrow a trust file (64 roots, 64 retired keys) is refused', (t) => {
  const others = Array.from({ length: 64 }, (_, i) =>
    nobleSuite.signer(new Uint8Array(32).fill(0x40 + i)),
  );
  const full = pinning(oldRoot, ...others.slice(0, 63));
  t.is(full.roots.length, 64);
  t.is(
    codeOf(() => applyRootHandover(full, handover())),
    'TRUST_INVALID',
  );
  // Retiring the signer keeps the count: the new root takes its place.
  const replaced = applyRootHandover(pinning(oldRoot), handover(true)).trust;
  t.is(replaced.roots.length, 1);
  const retiredFull = parseTrust({
    ...trustFile(pinning(oldRoot)),
    retired: others.map((k) => idOf(k)),
  });
  t.is(
    codeOf(() => applyRootHandover(retiredFull, handover(true))),
    'TRUST_INVALID',
  );
  // Short of the limits, what is applied is a trust file that reads back.
  const room = pinning(oldRoot, ...others.slice(0, 62));
  const grown = applyRootHandover(room, handover()).trust;
  t.is(parseTrust(trustFile(grown)).roots.length, 64);
});

test('misuse: a hand-over that is not a string is a TypeError', (t) => {
  for (const value of [undefined, 42, new Uint8Array(110), {}]) {
    t.throws(() => applyRootHandover(pinning(oldRoot), value), { instanceOf: TypeError });
  }
});
