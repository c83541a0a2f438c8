// Appliance-held license keys (docs/FORMATS.md §13): an opaque random key that names a license
// whose terms only the appliance holds. 15 bytes, 3 groups, 29 characters, starting with `S`.
// The license ID is derived from the key; the appliance keeps only a keyed hash of the key.

import { hmac } from '@noble/hashes/hmac.js';
import { concatBytes, toHex, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto.ts';
import { AirlockError } from '../errors.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { decodeTyped, encodeTyped } from '../typed-code.ts';

const VERSION = 1;
export const HELD_KEY_BYTES = 15;
export const HELD_KEY_RANDOM_BYTES = HELD_KEY_BYTES - 1;
const LIMITS = {
  what: 'held license key',
  minGroups: 3,
  maxGroups: 3,
  kind: { letter: 'S', version: VERSION },
} as const;

export interface HeldKey {
  readonly bytes: Uint8Array;
  /** SHA-256("airlock-held-key-v1" ‖ 0x00 ‖ bytes)[0..8]: public, and says nothing of the key. */
  readonly licenseId: Uint8Array;
  readonly text: string;
}

/** A new key from 14 random bytes (the caller's randomness: the core draws none). */
export function createHeldKey(random: Uint8Array): HeldKey {
  if (!(random instanceof Uint8Array) || random.length !== HELD_KEY_RANDOM_BYTES) {
    throw new TypeError(`a held key is made from ${HELD_KEY_RANDOM_BYTES} random bytes`);
  }
  return parseHeldKey(concatBytes(new Uint8Array([kindByte('S', VERSION)]), random));
}

export function parseHeldKey(bytes: Uint8Array): HeldKey {
  expectKind(bytes, 'S', VERSION);
  // Exactly one valid encoding: without this, 5, 10 or 20 bytes would name another license.
  if (bytes.length !== HELD_KEY_BYTES) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `A held license key has ${HELD_KEY_BYTES} bytes, not ${bytes.length}.`,
    );
  }
  const licenseId = sha256(
    concatBytes(utf8('airlock-held-key-v1'), new Uint8Array([0]), bytes),
  ).slice(0, 8);
  return { bytes: bytes.slice(), licenseId, text: encodeTyped(bytes) };
}

export function decodeHeldKey(text: unknown): HeldKey {
  return parseHeldKey(decodeTyped(text, LIMITS));
}

/** What the appliance stores instead of the key: HMAC-SHA-256 under its data directory's secret. */
export function heldKeyHash(secret: Uint8Array, key: HeldKey): string {
  return toHex(hmac(sha256, secret, key.bytes));
}
