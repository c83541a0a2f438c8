// License keys (docs/FORMATS.md §6): self-describing, signed by a vendor root key, typed as
// checked groups starting with K.

import { ByteReader, ByteWriter } from '../bytes.ts';
import type { Signer, Verifier } from '../crypto.ts';
import { decodeDuration, encodeDuration } from '../duration.ts';
import { AirlockError } from '../errors.ts';
import { keyIdOf, NAME_PATTERN } from '../ids.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { SIGNATURE_BYTES, signingInput } from '../signing.ts';
import { decodeTyped, encodeTyped, GROUP_BYTES } from '../typed-code.ts';

export const LICENSE_TYPES = ['perpetual', 'trial', 'subscription', 'floating'] as const;
export type LicenseType = (typeof LICENSE_TYPES)[number];

export const MAX_FEATURES = 16;
export const MAX_USER_BYTES = 64;
const VERSION = 1;
const FLAG_FINGERPRINT = 1;
const FLAG_USER = 2;
const LIMITS = {
  what: 'license key',
  minGroups: 20,
  maxGroups: 150,
  kind: { letter: 'K', version: VERSION },
} as const;

export interface LicenseFields {
  readonly licenseId: Uint8Array;
  readonly type: LicenseType;
  /** Unix seconds. */
  readonly issuedAt: number;
  /** Unix seconds; null for a license that never expires. */
  readonly expiresAt: number | null;
  /** Machines (or concurrent leases for floating licenses); 0 means unlimited. */
  readonly seats: number;
  /** How long an activation lasts before it must be renewed; 0 means it lasts as long as the license. */
  readonly leaseSeconds: number;
  /** How long past its lease end an activation keeps working when the appliance cannot be reached. */
  readonly graceSeconds: number;
  readonly product: string;
  /** Sorted, unique, at most 16. */
  readonly features: readonly string[];
  /** Machine binding: the product-keyed fingerprint of the one machine allowed. */
  readonly fingerprint?: Uint8Array | undefined;
  /** User binding, as the vendor names the user. */
  readonly user?: string | undefined;
}

export interface LicenseKey extends LicenseFields {
  readonly vendorKeyId: Uint8Array;
  /** The exact bytes of the key, signature included. */
  readonly bytes: Uint8Array;
}

/** Checks the rules every license obeys; returns the first problem as a sentence. */
export function licenseProblem(f: LicenseFields): string | undefined {
  if (f.licenseId.length !== 8) return 'a license ID has 8 bytes';
  if (!LICENSE_TYPES.includes(f.type)) return `unknown license type ${String(f.type)}`;
  if (!isU32(f.issuedAt)) return 'the issue time is out of range';
  if (f.expiresAt !== null && (!isU32(f.expiresAt) || f.expiresAt <= f.issuedAt)) {
    return 'the expiry must come after the issue time';
  }
  if ((f.type === 'trial' || f.type === 'subscription') && f.expiresAt === null) {
    return `a ${f.type} license needs an expiry date`;
  }
  if (!Number.isInteger(f.seats) || f.seats < 0 || f.seats > 0xffff)
    return 'seats must be 0 (unlimited) to 65535';
  if (f.type === 'floating' && f.leaseSeconds === 0)
    return 'a floating license needs a lease length';
  if (f.type === 'floating' && f.seats === 0) return 'a floating license needs a number of seats';
  if (!NAME_PATTERN.test(f.product))
    return `"${f.product}" is not a valid product name (a-z, 0-9, . _ -, at most 32)`;
  if (f.features.length > MAX_FEATURES) return `a license names at most ${MAX_FEATURES} features`;
  for (const [i, name] of f.features.entries()) {
    if (!NAME_PATTERN.test(name))
      return `"${name}" is not a valid feature name (a-z, 0-9, . _ -, at most 32)`;
    if (i > 0 && !(f.features[i - 1]! < name)) return 'features must be sorted and unique';
  }
  if (f.fingerprint !== undefined && f.fingerprint.length !== 8) return 'a fingerprint has 8 bytes';
  if (f.user !== undefined) {
    const bytes = new TextEncoder().encode(f.user).length;
    if (bytes === 0 || bytes > MAX_USER_BYTES)
      return `a user binding has 1 to ${MAX_USER_BYTES} bytes`;
    if (/[\u0000-\u001f\u007f-\u009f]/.test(f.user) || f.user.normalize('NFC') !== f.user) {
      return 'a user binding is NFC text without control characters';
    }
  }
  return undefined;
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** Signs a license with a vendor root key and returns it with its bytes. */
export function issueLicense(fields: LicenseFields, signer: Signer): LicenseKey {
  const problem = licenseProblem(fields);
  if (problem !== undefined) throw new TypeError(`cannot issue this license: ${problem}`);
  const vendorKeyId = keyIdOf(signer.publicKey);
  const w = new ByteWriter()
    .u8(kindByte('K', VERSION))
    .bytes(vendorKeyId, 4)
    .bytes(fields.licenseId, 8)
    .u8(LICENSE_TYPES.indexOf(fields.type))
    .u32(fields.issuedAt)
    .u32(fields.expiresAt ?? 0)
    .u16(fields.seats)
    .u16(encodeDuration(fields.leaseSeconds))
    .u16(encodeDuration(fields.graceSeconds))
    .u8((fields.fingerprint ? FLAG_FINGERPRINT : 0) | (fields.user !== undefined ? FLAG_USER : 0))
    .shortString(fields.product)
    .u8(fields.features.length);
  for (const feature of fields.features) w.shortString(feature);
  if (fields.fingerprint) w.bytes(fields.fingerprint, 8);
  if (fields.user !== undefined) w.shortString(fields.user);
  while ((w.length + SIGNATURE_BYTES) % GROUP_BYTES !== 0) w.u8(0);
  const body = w.finish();
  const signature = signer.sign(signingInput('license', body));
  const bytes = new ByteWriter().bytes(body).bytes(signature).finish();
  return parseLicenseKey(bytes);
}

export function licenseKeyText(key: LicenseKey): string {
  return encodeTyped(key.bytes);
}

/** Typed text to bytes, checking the kind and version. Nothing is verified yet. */
export function decodeLicenseKey(text: unknown): Uint8Array {
  const bytes = decodeTyped(text, LIMITS);
  expectKind(bytes, 'K', VERSION);
  return bytes;
}

/** The key ID of the vendor key that signed the license (bytes 1-4), for looking up the key. */
export function licenseSignerKeyId(bytes: Uint8Array): Uint8Array {
  return bytes.slice(1, 5);
}

export function verifyLicenseSignature(
  bytes: Uint8Array,
  publicKey: Uint8Array,
  verifier: Verifier,
): boolean {
  const body = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
  return verifier.verify(
    publicKey,
    signingInput('license', body),
    bytes.subarray(bytes.length - SIGNATURE_BYTES),
  );
}

/** Parses the fields strictly: one valid encoding only, and every license rule holds. */
export function parseLicenseKey(bytes: Uint8Array): LicenseKey {
  expectKind(bytes, 'K', VERSION);
  const r = new ByteReader(
    bytes.subarray(0, Math.max(0, bytes.length - SIGNATURE_BYTES)),
    'license key',
  );
  r.u8();
  const vendorKeyId = r.bytes(4);
  const licenseId = r.bytes(8);
  const typeIndex = r.u8();
  const type = LICENSE_TYPES[typeIndex];
  if (type === undefined)
    throw new AirlockError('FORMAT_INVALID', `The license key has an unknown type (${typeIndex}).`);
  const issuedAt = r.u32();
  const expiry = r.u32();
  const seats = r.u16();
  const leaseSeconds = decodeDuration(r.u16(), 'lease length');
  const graceSeconds = decodeDuration(r.u16(), 'grace period');
  const flags = r.u8();
  if (flags & ~(FLAG_FINGERPRINT | FLAG_USER))
    throw new AirlockError('FORMAT_INVALID', 'The license key sets unknown flags.');
  const product = r.shortString('product', 32);
  const featureCount = r.u8();
  if (featureCount > MAX_FEATURES)
    throw new AirlockError('FORMAT_INVALID', 'The license key names too many features.');
  const features: string[] = [];
  for (let i = 0; i < featureCount; i++) features.push(r.shortString('feature', 32));
  const fingerprint = flags & FLAG_FINGERPRINT ? r.bytes(8) : undefined;
  const user = flags & FLAG_USER ? r.shortString('user', MAX_USER_BYTES) : undefined;
  // Padding: the fewest zero bytes that make the whole key a multiple of 5 bytes (§6.1).
  const padding = r.remaining;
  if (
    padding >= GROUP_BYTES ||
    bytes.length % GROUP_BYTES !== 0 ||
    r.bytes(padding).some((b) => b !== 0)
  ) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The license key is not encoded canonically (padding).',
    );
  }
  r.end();
  const fields: LicenseFields = {
    licenseId,
    type,
    issuedAt,
    expiresAt: expiry === 0 ? null : expiry,
    seats,
    leaseSeconds,
    graceSeconds,
    product,
    features,
    fingerprint,
    user,
  };
  const problem = licenseProblem(fields);
  if (problem !== undefined)
    throw new AirlockError('FORMAT_INVALID', `The license key is invalid: ${problem}.`);
  return { ...fields, vendorKeyId, bytes: bytes.slice() };
}
