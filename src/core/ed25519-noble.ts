// Portable Ed25519 (@noble/curves) in strict RFC 8032 mode (zip215: false, §4 of docs/FORMATS.md).

import { ed25519 } from '@noble/curves/ed25519.js';
import type { CryptoSuite, Signer } from './crypto.ts';

export const nobleSuite: CryptoSuite = {
  verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  signer(seed): Signer {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) {
      throw new TypeError('an Ed25519 private key is a 32-byte seed');
    }
    const secret = seed.slice();
    const publicKey = ed25519.getPublicKey(secret);
    return { publicKey, sign: (message) => ed25519.sign(message, secret) };
  },
};
