// node:crypto Ed25519 (src/node/ed25519.ts) checked against known answers and against the
// portable @noble/curves suite: both must sign the same bytes and agree on every verdict.

import test from 'ava';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import type { CryptoSuite } from '../../src/core/crypto.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';

const suites: ReadonlyArray<readonly [string, CryptoSuite]> = [
  ['node', nodeSuite],
  ['noble', nobleSuite],
];

const hex = (text: string): Uint8Array => fromHex(text)!;

// RFC 8032 §7.1, "Test Vectors for Ed25519", TEST 1 and TEST 2.
const RFC8032_VECTORS = [
  {
    name: 'TEST 1 (empty message)',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one-byte message)',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
] as const;

/** The group order L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function readLittleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function writeLittleEndian(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const messageArb = fc.uint8Array({ maxLength: 300 });

for (const vector of RFC8032_VECTORS) {
  for (const [name, suite] of suites) {
    test(`the ${name} suite reproduces RFC 8032 ${vector.name}`, (t) => {
      const signer = suite.signer(hex(vector.seed));
      t.deepEqual(signer.publicKey, hex(vector.publicKey));
      t.deepEqual(signer.sign(hex(vector.message)), hex(vector.signature));
      t.true(suite.verify(hex(vector.publicKey), hex(vector.message), hex(vector.signature)));
    });
  }
}

test('node and noble produce byte-identical keys and signatures', (t) => {
  fc.assert(
    fc.property(seedArb, messageArb, (seed, message) => {
      const a = nodeSuite.signer(seed);
      const b = nobleSuite.signer(seed);
      t.deepEqual(a.publicKey, b.publicKey);
      t.deepEqual(a.sign(message), b.sign(message));
    }),
    { numRuns: 200 },
  );
});

test('each suite verifies the signatures of the other', (t) => {
  fc.assert(
    fc.property(seedArb, messageArb, (seed, message) => {
      const a = nodeSuite.signer(seed);
      const b = nobleSuite.signer(seed);
      t.true(nobleSuite.verify(a.publicKey, message, a.sign(message)));
      t.true(nodeSuite.verify(b.publicKey, message, b.sign(message)));
    }),
    { numRuns: 100 },
  );
});

test('both suites reject a tampered message or signature', (t) => {
  fc.assert(
    fc.property(
      seedArb,
      messageArb.filter((m) => m.length > 0),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (seed, message, position, flip) => {
        const signer = nodeSuite.signer(seed);
        const signature = signer.sign(message);
        const badMessage = message.slice();
        badMessage[position % message.length]! ^= flip;
        const badSignature = signature.slice();
        badSignature[position % 64]! ^= flip;
        for (const [, suite] of suites) {
          t.false(suite.verify(signer.publicKey, badMessage, signature));
          t.false(suite.verify(signer.publicKey, message, badSignature));
        }
      },
    ),
    { numRuns: 100 },
  );
});

test('both suites reject a signature whose S was made non-canonical by adding L', (t) => {
  const vector = RFC8032_VECTORS[1];
  const signature = hex(vector.signature);
  const s = readLittleEndian(signature.subarray(32));
  t.true(s + L < 2n ** 256n, 'S + L still fits in 32 bytes');
  const malleated = new Uint8Array(64);
  malleated.set(signature.subarray(0, 32));
  malleated.set(writeLittleEndian(s + L, 32), 32);
  for (const [name, suite] of suites) {
    t.true(suite.verify(hex(vector.publicKey), hex(vector.message), signature), name);
    t.false(suite.verify(hex(vector.publicKey), hex(vector.message), malleated), name);
  }
});

test('verify returns false for inputs of the wrong length', (t) => {
  const vector = RFC8032_VECTORS[1];
  const publicKey = hex(vector.publicKey);
  const signature = hex(vector.signature);
  const message = hex(vector.message);
  for (const [name, suite] of suites) {
    t.false(suite.verify(publicKey.subarray(0, 31), message, signature), name);
    t.false(suite.verify(new Uint8Array([...publicKey, 0]), message, signature), name);
    t.false(suite.verify(publicKey, message, signature.subarray(0, 63)), name);
    t.false(suite.verify(publicKey, message, new Uint8Array([...signature, 0])), name);
    t.false(suite.verify(new Uint8Array(0), message, new Uint8Array(0)), name);
  }
});

test('verify returns false for a public key that is not a curve point', (t) => {
  const vector = RFC8032_VECTORS[0];
  // y = 2 has no matching x on edwards25519 (2 is not a valid y coordinate).
  const notAPoint = new Uint8Array(32);
  notAPoint[0] = 2;
  t.false(nobleSuite.verify(notAPoint, hex(vector.message), hex(vector.signature)));
  t.false(nodeSuite.verify(notAPoint, hex(vector.message), hex(vector.signature)));
});

test('verify keeps answering correctly after its key cache overflows', (t) => {
  const message = new Uint8Array([1, 2, 3]);
  const first = nodeSuite.signer(new Uint8Array(32).fill(1));
  const signature = first.sign(message);
  t.true(nodeSuite.verify(first.publicKey, message, signature));
  for (let i = 0; i < 300; i++) {
    const seed = new Uint8Array(32);
    seed[0] = i & 0xff;
    seed[1] = i >> 8;
    seed[2] = 7;
    const other = nodeSuite.signer(seed);
    t.true(nodeSuite.verify(other.publicKey, message, other.sign(message)));
  }
  t.true(nodeSuite.verify(first.publicKey, message, signature));
  t.false(nodeSuite.verify(first.publicKey, new Uint8Array([9]), signature));
});

test('signatures are plain Uint8Arrays, not Buffers', (t) => {
  const signature = nodeSuite.signer(new Uint8Array(32)).sign(new Uint8Array(0));
  t.is(Object.getPrototypeOf(signature), Uint8Array.prototype);
  t.is(signature.length, 64);
});

test('misuse with arguments that are not Uint8Arrays throws a TypeError', (t) => {
  const good = new Uint8Array(32);
  const wrong: unknown[] = [undefined, null, 'ab', 12, [1, 2], new ArrayBuffer(32)];
  for (const value of wrong) {
    const bad = value as Uint8Array;
    t.throws(() => nodeSuite.verify(bad, good, new Uint8Array(64)), { instanceOf: TypeError });
    t.throws(() => nodeSuite.verify(good, bad, new Uint8Array(64)), { instanceOf: TypeError });
    t.throws(() => nodeSuite.verify(good, good, bad), { instanceOf: TypeError });
    t.throws(() => nodeSuite.signer(bad), { instanceOf: TypeError });
    t.throws(() => nodeSuite.signer(good).sign(bad), { instanceOf: TypeError });
  }
  t.throws(() => nodeSuite.signer(new Uint8Array(31)), { instanceOf: TypeError });
});

test('both suites refuse small-order and non-canonical public keys, which OpenSSL alone accepts', (t) => {
  const P = 2n ** 255n - 19n;
  const message = new Uint8Array([1, 2, 3]);
  // R = identity, S = 0 satisfies [S]B = R + [k]A for every message when A has small order.
  const forged = new Uint8Array(64);
  forged[0] = 1;
  const smallOrder = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  ];
  const points = smallOrder.map((h) => ed25519.Point.fromBytes(hex(h)));
  t.true(points.every((point) => point.isSmallOrder()));
  t.is(new Set(points.map((point) => point.toHex())).size, 8, 'the whole torsion subgroup');
  const keys = [...smallOrder.map(hex)];
  for (let d = 0n; d < 19n; d++) {
    keys.push(writeLittleEndian(P + d, 32));
    keys.push(writeLittleEndian(P + d + 2n ** 255n, 32));
  }
  keys.push(hex('0100000000000000000000000000000000000000000000000000000000000080'));
  keys.push(hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'));
  for (const key of keys) {
    t.false(nobleSuite.verify(key, message, forged), toHex(key));
    t.false(nodeSuite.verify(key, message, forged), toHex(key));
  }
});
