// Trust anchors: the vendor root public keys a client pins (by key ID, so roots can rotate), the
// roots it no longer trusts (retired), and appliance certificates it already knows. Read from a
// small JSON file (docs/SDK.md "Trust").

import { equalBytes, fromHex, toHex } from '../core/bytes.ts';
import type { Verifier } from '../core/crypto.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type Certificate,
  certificateText,
  decodeCertificate,
  verifyCertificateSignature,
} from '../core/formats/certificate.ts';
import { formatId, keyIdOf, parseId } from '../core/ids.ts';

export const TRUST_FORMAT = 'airlock-trust/v1';
/** The most a trust file holds; more is refused when it is read (and so never written). */
export const MAX_ROOTS = 64;
const MAX_CERTIFICATES = 256;
export const MAX_RETIRED = 64;

export interface TrustRoot {
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface TrustAnchors {
  readonly roots: readonly TrustRoot[];
  readonly certificates: readonly Certificate[];
  /**
   * Key IDs of roots retired or revoked (docs/KEYS.md): never pinned again, not even by a
   * hand-over, and a hand-over they signed is refused.
   */
  readonly retired?: readonly Uint8Array[];
}

export interface TrustFile {
  format: typeof TRUST_FORMAT;
  roots: { keyId: string; publicKey: string }[];
  certificates: string[];
  /** Left out when empty, so trust files without retired roots read as before. */
  retired?: string[];
}

function invalid(message: string): AirlockError {
  return new AirlockError('TRUST_INVALID', `The trust file is invalid: ${message}.`);
}

/** Validates a parsed trust file; every root's key ID must match its key. */
export function parseTrust(json: unknown): TrustAnchors {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalid('it is not a JSON object');
  const file = json as Record<string, unknown>;
  if (file['format'] !== TRUST_FORMAT) throw invalid(`"format" must be "${TRUST_FORMAT}"`);
  const roots = file['roots'];
  const certs = file['certificates'] ?? [];
  const retired = file['retired'] ?? [];
  if (!Array.isArray(roots) || roots.length === 0 || roots.length > MAX_ROOTS) {
    throw invalid(`"roots" must list 1 to ${MAX_ROOTS} vendor keys`);
  }
  if (!Array.isArray(certs) || certs.length > MAX_CERTIFICATES) {
    throw invalid(`"certificates" must be a list of at most ${MAX_CERTIFICATES}`);
  }
  if (!Array.isArray(retired) || retired.length > MAX_RETIRED) {
    throw invalid(`"retired" must be a list of at most ${MAX_RETIRED} key IDs`);
  }
  const parsedRoots = roots.map((root: unknown, i): TrustRoot => {
    const r = (typeof root === 'object' && root !== null ? root : {}) as Record<string, unknown>;
    const publicKey = typeof r['publicKey'] === 'string' ? fromHex(r['publicKey']) : undefined;
    if (publicKey === undefined || publicKey.length !== 32) {
      throw invalid(`root ${i + 1} needs "publicKey" as 64 hex digits`);
    }
    let keyId: Uint8Array;
    try {
      keyId = parseId('key', r['keyId']);
    } catch {
      throw invalid(`root ${i + 1} needs "keyId" as key_ and 8 hex digits`);
    }
    if (!equalBytes(keyId, keyIdOf(publicKey)))
      throw invalid(`root ${i + 1}'s keyId does not match its publicKey`);
    return { keyId, publicKey };
  });
  const parsedCerts = certs.map((text: unknown, i) => {
    if (typeof text !== 'string') throw invalid(`certificate ${i + 1} must be a string`);
    try {
      return decodeCertificate(text);
    } catch (error) {
      throw invalid(`certificate ${i + 1}: ${(error as Error).message}`);
    }
  });
  const parsedRetired = retired.map((keyId: unknown, i) => {
    try {
      return parseId('key', keyId);
    } catch {
      throw invalid(`retired key ${i + 1} must be key_ and 8 hex digits`);
    }
  });
  for (const keyId of parsedRetired) {
    if (findRoot({ roots: parsedRoots, certificates: [] }, keyId) !== undefined) {
      throw invalid(`${formatId('key', keyId)} is both pinned and retired`);
    }
  }
  return {
    roots: parsedRoots,
    certificates: parsedCerts,
    ...(parsedRetired.length === 0 ? {} : { retired: parsedRetired }),
  };
}

export function trustFile(trust: TrustAnchors): TrustFile {
  return {
    format: TRUST_FORMAT,
    roots: trust.roots.map((r) => ({
      keyId: formatId('key', r.keyId),
      publicKey: toHex(r.publicKey),
    })),
    certificates: trust.certificates.map(certificateText),
    ...(trust.retired === undefined || trust.retired.length === 0
      ? {}
      : { retired: trust.retired.map((keyId) => formatId('key', keyId)) }),
  };
}

/** Whether the trust anchors hold this root key ID as retired. */
export function isRetired(trust: TrustAnchors, keyId: Uint8Array): boolean {
  return (trust.retired ?? []).some((k) => equalBytes(k, keyId));
}

export function findRoot(trust: TrustAnchors, keyId: Uint8Array): TrustRoot | undefined {
  return trust.roots.find((r) => equalBytes(r.keyId, keyId));
}

/** Checks that a pinned vendor root signed the certificate. Expiry and scope are the caller's. */
export function verifyCertificateChain(
  cert: Certificate,
  trust: TrustAnchors,
  verifier: Verifier,
): void {
  const root = findRoot(trust, cert.vendorKeyId);
  if (root === undefined) {
    throw new AirlockError(
      'KEY_UNKNOWN',
      `The appliance certificate was signed by vendor key ${formatId('key', cert.vendorKeyId)}, which this machine does not trust.`,
      { keyId: formatId('key', cert.vendorKeyId) },
    );
  }
  if (!verifyCertificateSignature(cert, root.publicKey, verifier)) {
    throw new AirlockError(
      'SIGNATURE_INVALID',
      'The appliance certificate’s signature is not valid: it was altered or forged.',
    );
  }
}
