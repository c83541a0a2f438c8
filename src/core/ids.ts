// Identifiers derived from bytes, and how they are shown to people (docs/FORMATS.md §3.3):
// lic_ + 16 hex digits, act_ + 8, apl_ + 8, key_ + 8, crt_ + 16, fp_ + 16.

import { concatBytes, fromHex, toHex, utf8 } from './bytes.ts';
import { sha256 } from './crypto.ts';
import { AirlockError } from './errors.ts';

export const ID_PREFIX = {
  license: 'lic_',
  activation: 'act_',
  appliance: 'apl_',
  key: 'key_',
  certificate: 'crt_',
  fingerprint: 'fp_',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

const ID_BYTES: Record<IdKind, number> = {
  license: 8,
  activation: 4,
  appliance: 4,
  key: 4,
  certificate: 8,
  fingerprint: 8,
};

export function formatId(kind: IdKind, bytes: Uint8Array): string {
  if (bytes.length !== ID_BYTES[kind])
    throw new TypeError(`a ${kind} ID has ${ID_BYTES[kind]} bytes`);
  return ID_PREFIX[kind] + toHex(bytes);
}

/** Parses a displayed ID; the prefix may be left out, hex is accepted in either case. */
export function parseId(kind: IdKind, text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`a ${kind} ID must be a string`);
  if (text.length > 64)
    throw new AirlockError('FORMAT_INVALID', `That is too long to be a ${kind} ID.`);
  const trimmed = text.trim().toLowerCase();
  const hex = trimmed.startsWith(ID_PREFIX[kind]) ? trimmed.slice(ID_PREFIX[kind].length) : trimmed;
  const bytes = fromHex(hex);
  if (bytes === undefined || bytes.length !== ID_BYTES[kind]) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `"${text.slice(0, 40)}" is not a ${kind} ID: expected ${ID_PREFIX[kind]} followed by ${ID_BYTES[kind] * 2} hex digits.`,
    );
  }
  return bytes;
}

/** A public key's ID: the first 4 bytes of SHA-256 of its 32 raw bytes. */
export function keyIdOf(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, 4);
}

/** The 4-byte tag that names a product inside appliance certificates. */
export function productTag(product: string): Uint8Array {
  return sha256(concatBytes(utf8('airlock-product-v1'), new Uint8Array([0]), utf8(product))).slice(
    0,
    4,
  );
}

/** A certificate's ID: the first 8 bytes of SHA-256 of its encoded bytes. */
export function certificateIdOf(certificateBytes: Uint8Array): Uint8Array {
  return sha256(certificateBytes).slice(0, 8);
}

/** Product and feature names: lower case ASCII letters, digits, '.', '_', '-'; 1 to 32 bytes. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** Activation IDs are u32 numbers; shown as act_ and 8 hex digits. */
export function formatActivationId(activationId: number): string {
  return ID_PREFIX.activation + activationId.toString(16).padStart(8, '0');
}

/** act_ and 8 hex digits → the activation's number. */
export function parseActivationId(text: unknown): number {
  const bytes = parseId('activation', text);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}
