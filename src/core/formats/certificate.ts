// Appliance certificates (docs/FORMATS.md §7): a vendor root key delegates activation signing to
// one appliance key, for one product or all, until a date, optionally with a seat quota.

import { ByteReader, ByteWriter, equalBytes } from '../bytes.ts';
import type { Signer, Verifier } from '../crypto.ts';
import { AirlockError } from '../errors.ts';
import { certificateIdOf, keyIdOf, NAME_PATTERN, productTag } from '../ids.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, signingInput } from '../signing.ts';
import { decodeTypedOrCompact, encodeCompact, encodeTyped } from '../typed-code.ts';

const VERSION = 1;
export const CERTIFICATE_BYTES = 115;
const LIMITS = {
  what: 'appliance certificate',
  minGroups: 23,
  maxGroups: 23,
  kind: { letter: 'A', version: VERSION },
} as const;

export interface CertificateFields {
  /** Stable across key rotations: activation IDs are unique per appliance ID. */
  readonly applianceId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Unix seconds. */
  readonly notAfter: number;
  /** Most seats this appliance may hand out in total; 0 means no quota. */
  readonly seatQuota: number;
  /** The one product it may activate, or null for every product of the vendor. */
  readonly product: string | null;
}

export interface Certificate {
  readonly vendorKeyId: Uint8Array;
  readonly applianceId: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly notAfter: number;
  readonly seatQuota: number;
  /** productTag(product), or null when any product is allowed. */
  readonly productTag: Uint8Array | null;
  readonly certificateId: Uint8Array;
  readonly bytes: Uint8Array;
}

export function issueCertificate(fields: CertificateFields, vendor: Signer): Certificate {
  if (fields.applianceId.length !== 4 || fields.applianceId.every((b) => b === 0)) {
    throw new TypeError('an appliance ID is 4 bytes, not all zero');
  }
  if (fields.product !== null && !NAME_PATTERN.test(fields.product)) {
    throw new TypeError(`"${fields.product}" is not a valid product name`);
  }
  const body = new ByteWriter()
    .u8(kindByte('A', VERSION))
    .bytes(keyIdOf(vendor.publicKey), 4)
    .bytes(fields.applianceId, 4)
    .bytes(fields.publicKey, PUBLIC_KEY_BYTES)
    .u32(fields.notAfter)
    .u16(fields.seatQuota)
    .bytes(fields.product === null ? new Uint8Array(4) : productTag(fields.product), 4)
    .finish();
  const signature = vendor.sign(signingInput('certificate', body));
  return parseCertificate(new ByteWriter().bytes(body).bytes(signature).finish());
}

export function parseCertificate(bytes: Uint8Array): Certificate {
  if (bytes.length !== CERTIFICATE_BYTES) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `An appliance certificate has ${CERTIFICATE_BYTES} bytes, not ${bytes.length}.`,
    );
  }
  expectKind(bytes, 'A', VERSION);
  const r = new ByteReader(bytes, 'appliance certificate');
  r.u8();
  const vendorKeyId = r.bytes(4);
  const applianceId = r.bytes(4);
  if (applianceId.every((b) => b === 0))
    throw new AirlockError('FORMAT_INVALID', 'The appliance certificate has no appliance ID.');
  const publicKey = r.bytes(PUBLIC_KEY_BYTES);
  const notAfter = r.u32();
  const seatQuota = r.u16();
  const tag = r.bytes(4);
  r.bytes(SIGNATURE_BYTES);
  r.end();
  return {
    vendorKeyId,
    applianceId,
    publicKey,
    notAfter,
    seatQuota,
    productTag: tag.every((b) => b === 0) ? null : tag,
    certificateId: certificateIdOf(bytes),
    bytes: bytes.slice(),
  };
}

export function verifyCertificateSignature(
  cert: Certificate,
  vendorPublicKey: Uint8Array,
  verifier: Verifier,
): boolean {
  const body = cert.bytes.subarray(0, CERTIFICATE_BYTES - SIGNATURE_BYTES);
  return verifier.verify(
    vendorPublicKey,
    signingInput('certificate', body),
    cert.bytes.subarray(CERTIFICATE_BYTES - SIGNATURE_BYTES),
  );
}

/** Whether the certificate allows activating this product. */
export function certificateCovers(cert: Certificate, product: string): boolean {
  return cert.productTag === null || equalBytes(cert.productTag, productTag(product));
}

export function certificateText(cert: Certificate): string {
  return encodeTyped(cert.bytes);
}

export function certificateCompact(cert: Certificate): string {
  return encodeCompact(cert.bytes);
}

/** Reads a certificate from its typed form (with dashes) or its compact form (without). */
export function decodeCertificate(text: unknown): Certificate {
  if (typeof text !== 'string') throw new TypeError('an appliance certificate must be a string');
  return parseCertificate(decodeTypedOrCompact(text, LIMITS));
}
