// Applying a root hand-over (docs/FORMATS.md §16, docs/KEYS.md "Rotating the vendor root"): a
// client that pins the old root learns the new one, pinned first, and stops trusting the old one
// when it retires itself. State in, state out: the caller keeps the trust anchors it returns.

import { equalBytes } from '../core/bytes.ts';
import type { Verifier } from '../core/crypto.ts';
import { nobleSuite } from '../core/ed25519-noble.ts';
import { AirlockError } from '../core/errors.ts';
import {
  decodeRootHandover,
  type RootHandover,
  verifyRootHandoverSignature,
} from '../core/formats/root-handover.ts';
import { formatId } from '../core/ids.ts';
import { findRoot, isRetired, MAX_RETIRED, MAX_ROOTS, type TrustAnchors } from './trust.ts';

export interface RootHandoverOptions {
  /** Ed25519 verification (default: the portable @noble/curves suite). */
  readonly verifier?: Verifier;
}

export interface RootHandoverResult {
  readonly trust: TrustAnchors;
  readonly handover: RootHandover;
  /** The new root was not pinned before. */
  readonly added: boolean;
  /** The signing root retired itself and is no longer trusted. */
  readonly retired: boolean;
}

/**
 * Checks a hand-over (typed or compact text) against the trust anchors and returns them updated.
 * Refused: a hand-over signed by a root that is not pinned (KEY_UNKNOWN) or that was retired
 * (REVOKED), a bad signature (SIGNATURE_INVALID), a new root that was retired (REVOKED), and
 * anchors that would outgrow a trust file (more than 64 roots or retired keys: TRUST_INVALID).
 * Applying one that only adds a root again changes nothing (added false); one that retired its
 * signer is refused the second time, like any statement of a retired root.
 */
export function applyRootHandover(
  trust: TrustAnchors,
  text: unknown,
  options: RootHandoverOptions = {},
): RootHandoverResult {
  const handover = decodeRootHandover(text);
  const signer = formatId('key', handover.signerKeyId);
  const next = formatId('key', handover.newKeyId);
  if (isRetired(trust, handover.signerKeyId)) {
    throw new AirlockError(
      'REVOKED',
      `This hand-over was signed by vendor key ${signer}, which was retired on this machine: it cannot name a new root.`,
      { keyId: signer },
    );
  }
  const root = findRoot(trust, handover.signerKeyId);
  if (root === undefined) {
    throw new AirlockError(
      'KEY_UNKNOWN',
      `This hand-over was signed by vendor key ${signer}, which this machine does not trust.`,
      { keyId: signer },
    );
  }
  if (!verifyRootHandoverSignature(handover, root.publicKey, options.verifier ?? nobleSuite)) {
    throw new AirlockError(
      'SIGNATURE_INVALID',
      'The hand-over’s signature is not valid: it was altered or forged.',
    );
  }
  if (isRetired(trust, handover.newKeyId)) {
    throw new AirlockError(
      'REVOKED',
      `This hand-over names vendor key ${next}, which was retired on this machine.`,
      { keyId: next },
    );
  }
  const pinned = findRoot(trust, handover.newKeyId);
  if (pinned !== undefined && !equalBytes(pinned.publicKey, handover.newPublicKey)) {
    throw new AirlockError(
      'TRUST_INVALID',
      `The trust anchors pin another key under the ID ${next}; the hand-over was not applied.`,
    );
  }
  const added = pinned === undefined;
  const roots = [
    ...(added ? [{ keyId: handover.newKeyId, publicKey: handover.newPublicKey }] : []),
    ...trust.roots.filter((r) => !(handover.retiresSigner && r === root)),
  ];
  const retired = [
    ...(trust.retired ?? []),
    ...(handover.retiresSigner ? [handover.signerKeyId] : []),
  ];
  // The anchors are written back to a trust file, which must stay one parseTrust reads.
  if (roots.length > MAX_ROOTS || retired.length > MAX_RETIRED) {
    throw new AirlockError(
      'TRUST_INVALID',
      roots.length > MAX_ROOTS
        ? `These trust anchors pin ${trust.roots.length} roots, the most a trust file holds, so the hand-over to ${next} was not applied: replace the trust file with the vendor’s current one.`
        : `These trust anchors list ${trust.retired?.length ?? 0} retired keys, the most a trust file holds, so the hand-over retiring ${signer} was not applied: replace the trust file with the vendor’s current one.`,
    );
  }
  return {
    trust: { ...trust, roots, ...(handover.retiresSigner ? { retired } : {}) },
    handover,
    added,
    retired: handover.retiresSigner,
  };
}
