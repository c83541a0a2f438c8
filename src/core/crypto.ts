// The two cryptographic operations the formats need, as small interfaces so that the pure core
// runs anywhere: src/core/ed25519-noble.ts is the portable implementation, src/node/ed25519.ts
// the fast one for Node.js. Both give byte-identical signatures (Ed25519 is deterministic).

import { sha256 } from '@noble/hashes/sha2.js';

export interface Verifier {
  /** Strict RFC 8032 verification; false for any bad signature, never throws on bad data. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export interface Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Creates a signer from a 32-byte Ed25519 seed (the private key). */
export type SignerFactory = (seed: Uint8Array) => Signer;

export interface CryptoSuite extends Verifier {
  signer: SignerFactory;
}

export { sha256 };
