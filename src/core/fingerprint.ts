// Machine fingerprints (docs/FORMATS.md §5): four components, each reduced to a 2-byte tag keyed by
// the product, so raw machine IDs never leave the machine and two products see unrelated tags.
// Matching is fuzzy: one changed component does not break an activation.

import { hmac } from '@noble/hashes/hmac.js';
import { concatBytes, utf8 } from '../core/bytes.ts';
import { sha256 } from '../core/crypto.ts';

export const FINGERPRINT_SLOTS = ['machine-id', 'product-uuid', 'mac', 'hostname'] as const;
export type FingerprintSlot = (typeof FINGERPRINT_SLOTS)[number];
export const FINGERPRINT_BYTES = 8;

/** Raw component values as read on the machine; undefined when a component is not available. */
export type MachineComponents = Partial<Record<FingerprintSlot, string>>;

/** The components of a machine whose identity was set explicitly (AIRLOCK_MACHINE_ID). */
export function explicitComponents(machineId: string): MachineComponents {
  return Object.fromEntries(FINGERPRINT_SLOTS.map((slot) => [slot, `explicit:${machineId}`]));
}

export function computeFingerprint(product: string, components: MachineComponents): Uint8Array {
  const key = sha256(
    concatBytes(utf8('airlock-fingerprint-v1'), new Uint8Array([0]), utf8(product)),
  );
  const out = new Uint8Array(FINGERPRINT_BYTES);
  FINGERPRINT_SLOTS.forEach((slot, i) => {
    const value = components[slot];
    if (value === undefined || value === '') return;
    const mac = hmac(sha256, key, concatBytes(utf8(slot), new Uint8Array([0]), utf8(value)));
    const tag = (mac[0]! << 8) | mac[1]!;
    const nonZero = tag === 0 ? 1 : tag; // 0x0000 means "absent"
    out[i * 2] = nonZero >>> 8;
    out[i * 2 + 1] = nonZero & 0xff;
  });
  return out;
}

function tagAt(fp: Uint8Array, i: number): number {
  return (fp[i * 2]! << 8) | fp[i * 2 + 1]!;
}

export interface FingerprintMatch {
  readonly matches: boolean;
  /** Components present in the reference fingerprint. */
  readonly present: number;
  /** Components present in the reference that are equal in the candidate. */
  readonly equal: number;
}

/**
 * A candidate matches a reference when at least one component is equal and at most one of the
 * reference's present components differs or went missing (§5.2).
 */
export function matchFingerprint(reference: Uint8Array, candidate: Uint8Array): FingerprintMatch {
  if (reference.length !== FINGERPRINT_BYTES || candidate.length !== FINGERPRINT_BYTES) {
    throw new TypeError(`a fingerprint has ${FINGERPRINT_BYTES} bytes`);
  }
  let present = 0;
  let equal = 0;
  for (let i = 0; i < FINGERPRINT_SLOTS.length; i++) {
    const ref = tagAt(reference, i);
    if (ref === 0) continue;
    present++;
    if (ref === tagAt(candidate, i)) equal++;
  }
  return { matches: equal >= 1 && equal >= present - 1, present, equal };
}
