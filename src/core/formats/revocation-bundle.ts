// Revocation bundles (docs/FORMATS.md §11): signed lists of revoked licenses, activations and
// appliance certificates that travel on USB sticks. Binary; bounded before anything is parsed.

import { ByteReader, ByteWriter, compareBytes, equalBytes } from '../bytes.ts';
import type { Signer, Verifier } from '../crypto.ts';
import { AirlockError } from '../errors.ts';
import { keyIdOf } from '../ids.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { SIGNATURE_BYTES, signingInput } from '../signing.ts';
import { CERTIFICATE_BYTES, type Certificate, parseCertificate } from './certificate.ts';

const VERSION = 1;
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;
export const MAX_BUNDLE_ENTRIES = 1_000_000;

export const REVOCATION_REASONS = [
  'unspecified',
  'key-compromise',
  'lost-or-stolen',
  'retired',
  'superseded',
  'non-payment',
  'fraud',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface RevokedLicense {
  readonly licenseId: Uint8Array;
  readonly revokedAt: number;
  readonly reason: RevocationReason;
}
export interface RevokedActivation {
  readonly applianceId: Uint8Array;
  readonly activationId: number;
  readonly revokedAt: number;
  readonly reason: RevocationReason;
}
export interface RevokedCertificate {
  readonly certificateId: Uint8Array;
  readonly revokedAt: number;
  readonly reason: RevocationReason;
}

export interface BundleContents {
  /** vendor: signed by a vendor root key; site: signed by an appliance, whose certificate it carries. */
  readonly issuer: 'vendor' | 'site';
  readonly sequence: number;
  /** 0 for a full bundle; for a delta, the sequence of the bundle it applies to. */
  readonly baseSequence: number;
  readonly issuedAt: number;
  readonly nextUpdate: number;
  readonly licenses: readonly RevokedLicense[];
  readonly activations: readonly RevokedActivation[];
  readonly certificates: readonly RevokedCertificate[];
}

export interface RevocationBundle extends BundleContents {
  readonly signerKeyId: Uint8Array;
  /** Site bundles only. */
  readonly certificate?: Certificate;
  readonly bytes: Uint8Array;
}

function activationKey(a: RevokedActivation): Uint8Array {
  return new ByteWriter().bytes(a.applianceId, 4).u32(a.activationId).finish();
}

/** Sorts the lists into canonical order; the encoder refuses duplicates. */
export function signBundle(
  contents: BundleContents,
  signer: Signer,
  certificate?: Certificate,
): RevocationBundle {
  if ((contents.issuer === 'site') !== (certificate !== undefined)) {
    throw new TypeError(
      'a site bundle carries its appliance certificate; a vendor bundle does not',
    );
  }
  if (certificate && !equalBytes(certificate.publicKey, signer.publicKey)) {
    throw new TypeError('a site bundle is signed by the key its certificate names');
  }
  const w = new ByteWriter()
    .u8(kindByte('B', VERSION))
    .u8(contents.issuer === 'vendor' ? 1 : 2)
    .u8(contents.baseSequence === 0 ? 0 : 1)
    .u8(0)
    .u32(contents.sequence)
    .u32(contents.baseSequence)
    .u32(contents.issuedAt)
    .u32(contents.nextUpdate)
    .bytes(keyIdOf(signer.publicKey), 4);
  if (certificate) w.bytes(certificate.bytes, CERTIFICATE_BYTES);
  const licenses = [...contents.licenses].sort((a, b) => compareBytes(a.licenseId, b.licenseId));
  w.u32(licenses.length);
  for (const l of licenses)
    w.bytes(l.licenseId, 8).u32(l.revokedAt).u8(REVOCATION_REASONS.indexOf(l.reason));
  const activations = [...contents.activations].sort((a, b) =>
    compareBytes(activationKey(a), activationKey(b)),
  );
  w.u32(activations.length);
  for (const a of activations)
    w.bytes(activationKey(a)).u32(a.revokedAt).u8(REVOCATION_REASONS.indexOf(a.reason));
  const certs = [...contents.certificates].sort((a, b) =>
    compareBytes(a.certificateId, b.certificateId),
  );
  w.u32(certs.length);
  for (const c of certs)
    w.bytes(c.certificateId, 8).u32(c.revokedAt).u8(REVOCATION_REASONS.indexOf(c.reason));
  const body = w.finish();
  const bytes = new ByteWriter()
    .bytes(body)
    .bytes(signer.sign(signingInput('revocations', body)))
    .finish();
  return parseBundle(bytes);
}

function reasonAt(r: ByteReader): RevocationReason {
  const index = r.u8();
  const reason = REVOCATION_REASONS[index];
  if (reason === undefined)
    throw new AirlockError(
      'FORMAT_INVALID',
      `The revocation bundle has an unknown reason (${index}).`,
    );
  return reason;
}

function count(r: ByteReader, entryBytes: number): number {
  const n = r.u32();
  if (n > MAX_BUNDLE_ENTRIES || n * entryBytes > r.remaining) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The revocation bundle announces more entries than it holds.',
    );
  }
  return n;
}

function ascending(previous: Uint8Array | undefined, current: Uint8Array): Uint8Array {
  if (previous !== undefined && compareBytes(previous, current) >= 0) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The revocation bundle lists an entry twice or out of order.',
    );
  }
  return current;
}

/** Parses strictly. Call verifyBundleSignature before trusting anything in it. */
export function parseBundle(bytes: Uint8Array): RevocationBundle {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('a revocation bundle is a Uint8Array');
  if (bytes.length > MAX_BUNDLE_BYTES)
    throw new AirlockError('FORMAT_INVALID', 'The revocation bundle is larger than 32 MiB.');
  expectKind(bytes, 'B', VERSION);
  const r = new ByteReader(
    bytes.subarray(0, Math.max(0, bytes.length - SIGNATURE_BYTES)),
    'revocation bundle',
  );
  r.u8();
  const issuerByte = r.u8();
  const scope = r.u8();
  const reserved = r.u8();
  if ((issuerByte !== 1 && issuerByte !== 2) || scope > 1 || reserved !== 0) {
    throw new AirlockError('FORMAT_INVALID', 'The revocation bundle has an invalid header.');
  }
  const sequence = r.u32();
  const baseSequence = r.u32();
  const issuedAt = r.u32();
  const nextUpdate = r.u32();
  if (
    sequence === 0 ||
    (scope === 0) !== (baseSequence === 0) ||
    (scope === 1 && baseSequence >= sequence)
  ) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The revocation bundle has inconsistent sequence numbers.',
    );
  }
  if (nextUpdate <= issuedAt)
    throw new AirlockError(
      'FORMAT_INVALID',
      'The revocation bundle’s next update is not after its issue time.',
    );
  const signerKeyId = r.bytes(4);
  const certificate = issuerByte === 2 ? parseCertificate(r.bytes(CERTIFICATE_BYTES)) : undefined;

  const licenses: RevokedLicense[] = [];
  let last: Uint8Array | undefined;
  for (let i = count(r, 13); i > 0; i--) {
    const licenseId = (last = ascending(last, r.bytes(8)));
    licenses.push({ licenseId, revokedAt: r.u32(), reason: reasonAt(r) });
  }
  const activations: RevokedActivation[] = [];
  last = undefined;
  for (let i = count(r, 13); i > 0; i--) {
    const key = (last = ascending(last, r.bytes(8)));
    const activationId = ((key[4]! << 24) >>> 0) + (key[5]! << 16) + (key[6]! << 8) + key[7]!;
    if (activationId === 0)
      throw new AirlockError('FORMAT_INVALID', 'The revocation bundle lists activation 0.');
    activations.push({
      applianceId: key.slice(0, 4),
      activationId,
      revokedAt: r.u32(),
      reason: reasonAt(r),
    });
  }
  const certificates: RevokedCertificate[] = [];
  last = undefined;
  for (let i = count(r, 13); i > 0; i--) {
    const certificateId = (last = ascending(last, r.bytes(8)));
    certificates.push({ certificateId, revokedAt: r.u32(), reason: reasonAt(r) });
  }
  r.end();
  if (bytes.length < SIGNATURE_BYTES)
    throw new AirlockError('FORMAT_INVALID', 'The revocation bundle has no signature.');
  return {
    issuer: issuerByte === 1 ? 'vendor' : 'site',
    sequence,
    baseSequence,
    issuedAt,
    nextUpdate,
    signerKeyId,
    ...(certificate ? { certificate } : {}),
    licenses,
    activations,
    certificates,
    bytes: bytes.slice(),
  };
}

export function verifyBundleSignature(
  bundle: RevocationBundle,
  publicKey: Uint8Array,
  verifier: Verifier,
): boolean {
  const body = bundle.bytes.subarray(0, bundle.bytes.length - SIGNATURE_BYTES);
  return verifier.verify(
    publicKey,
    signingInput('revocations', body),
    bundle.bytes.subarray(bundle.bytes.length - SIGNATURE_BYTES),
  );
}
