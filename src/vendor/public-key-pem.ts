// The vendor root public key as an SPKI PEM file (RFC 8410 §4), so that OpenSSL and other tools can
// verify Airlock signatures from the signing input documented in docs/FORMATS.md §4.

import { PUBLIC_KEY_BYTES } from '../core/signing.ts';

// SEQUENCE { SEQUENCE { OID 1.3.101.112 (Ed25519) }, BIT STRING (32 bytes) }
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

export function publicKeyPem(publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES)
    throw new TypeError(`an Ed25519 public key has ${PUBLIC_KEY_BYTES} bytes`);
  const der = Buffer.concat([SPKI_PREFIX, publicKey]).toString('base64');
  const lines = der.match(/.{1,64}/g) ?? [];
  return ['-----BEGIN PUBLIC KEY-----', ...lines, '-----END PUBLIC KEY-----', ''].join('\n');
}
