// Fast Ed25519 for Node.js (node:crypto, OpenSSL), with keys parsed once: the implementation the
// appliance and the Node SDK use. Byte-identical to nobleSuite (src/core/ed25519-noble.ts).

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { CryptoSuite, Signer } from '../core/crypto.ts';

// DER headers that turn 32 raw bytes into a key node:crypto can import (RFC 8410 §7, §4).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** How many parsed public keys verify() keeps; a verifier sees few distinct keys (roots, appliances). */
const CACHE_LIMIT = 256;
/** Public key hex → parsed key, or null for a key verify() always refuses. */
const publicKeys = new Map<string, KeyObject | null>();

// The y coordinates (sign bit cleared) of the 8 points of small order: 1, p - 1, 0 and the two
// of order 8. test/node/ed25519.test.ts checks them against noble's isSmallOrder().
const SMALL_ORDER_Y = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
]);

/**
 * Keys that strict RFC 8032 decoding or noble's strict mode refuse but OpenSSL accepts: a
 * non-canonical y (y >= p) and points of small order, for which anyone can forge a signature
 * (R = identity, S = 0 verifies any message). Refusing them keeps nodeSuite's verdicts identical
 * to nobleSuite's.
 */
function isRefusedPublicKey(publicKey: Uint8Array): boolean {
  const y = Buffer.from(publicKey);
  y[31]! &= 0x7f;
  const nonCanonical =
    y[31] === 0x7f && y.subarray(1, 31).every((b) => b === 0xff) && y[0]! >= 0xed;
  return nonCanonical || SMALL_ORDER_Y.has(y.toString('hex'));
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const id = asBuffer(publicKey).toString('hex');
  let key = publicKeys.get(id);
  if (key === undefined) {
    key = isRefusedPublicKey(publicKey)
      ? null
      : createPublicKey({
          key: Buffer.concat([SPKI_PREFIX, publicKey]),
          format: 'der',
          type: 'spki',
        });
    if (publicKeys.size >= CACHE_LIMIT) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = publicKeys.keys().next();
      if (oldest.done !== true) publicKeys.delete(oldest.value);
    }
    publicKeys.set(id, key);
  }
  return key;
}

function createSigner(seed: Uint8Array): Signer {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new TypeError('an Ed25519 private key is a 32-byte seed');
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  return {
    publicKey,
    sign(message) {
      if (!(message instanceof Uint8Array)) throw new TypeError('a message is a Uint8Array');
      // A plain Uint8Array (not a Buffer), so results compare equal to nobleSuite's.
      return new Uint8Array(sign(null, message, privateKey));
    },
  };
}

export const nodeSuite: CryptoSuite = {
  verify(publicKey, message, signature) {
    if (
      !(publicKey instanceof Uint8Array) ||
      !(message instanceof Uint8Array) ||
      !(signature instanceof Uint8Array)
    ) {
      throw new TypeError('verify takes a public key, a message and a signature as Uint8Arrays');
    }
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      // OpenSSL verifies in strict RFC 8032 mode: S < L, R compared as canonical bytes (§5.1.7).
      const key = publicKeyObject(publicKey);
      return key !== null && verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
  signer: createSigner,
};
