// Activation responses (docs/FORMATS.md §9): the appliance's signed grant, bound to the exact
// challenge. 75 bytes, 15 groups, 149 characters; it carries nothing the client already has.

import { ByteReader, ByteWriter } from '../bytes.ts';
import type { Signer, Verifier } from '../crypto.ts';
import { decodeDuration, encodeDuration } from '../duration.ts';
import { AirlockError } from '../errors.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { SIGNATURE_BYTES, signingInput } from '../signing.ts';
import { decodeCompact, decodeTyped, encodeCompact, encodeTyped } from '../typed-code.ts';
import { type Certificate, certificateCompact, decodeCertificate } from './certificate.ts';
import { type Challenge, challengeTag } from './challenge.ts';

const VERSION = 1;
export const RESPONSE_BYTES = 75;
const LIMITS = {
  what: 'response code',
  minGroups: 15,
  maxGroups: 15,
  kind: { letter: 'R', version: VERSION },
} as const;
/** Separates the response from the certificate in the combined (QR) form, §9.3. */
export const COMBINED_SEPARATOR = '+';

export interface Grant {
  /** Unique among the activations of one appliance; never 0. */
  readonly activationId: number;
  /** Lease length counted from the challenge's client time; 0 means no lease end. */
  readonly leaseSeconds: number;
  /** Bit i grants the license's i-th feature. */
  readonly featureMask: number;
}

export interface Response extends Grant {
  readonly challengeTag: Uint8Array;
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

export function signResponse(challenge: Challenge, grant: Grant, appliance: Signer): Response {
  if (
    !Number.isInteger(grant.activationId) ||
    grant.activationId < 1 ||
    grant.activationId > 0xffffffff
  ) {
    throw new TypeError('an activation ID is 1 to 2^32-1');
  }
  const body = new ByteWriter()
    .u8(kindByte('R', VERSION))
    .bytes(challengeTag(challenge.bytes), 2)
    .u32(grant.activationId)
    .u16(encodeDuration(grant.leaseSeconds))
    .u16(grant.featureMask)
    .finish();
  const signature = appliance.sign(signingInput('response', challenge.bytes, body));
  return parseResponse(new ByteWriter().bytes(body).bytes(signature).finish());
}

export function parseResponse(bytes: Uint8Array): Response {
  if (bytes.length !== RESPONSE_BYTES) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `A response has ${RESPONSE_BYTES} bytes, not ${bytes.length}.`,
    );
  }
  expectKind(bytes, 'R', VERSION);
  const r = new ByteReader(bytes, 'response code');
  r.u8();
  const tag = r.bytes(2);
  const activationId = r.u32();
  if (activationId === 0)
    throw new AirlockError('FORMAT_INVALID', 'The response code has no activation ID.');
  const leaseSeconds = decodeDuration(r.u16(), 'lease');
  const featureMask = r.u16();
  const signature = r.bytes(SIGNATURE_BYTES);
  r.end();
  return {
    challengeTag: tag,
    activationId,
    leaseSeconds,
    featureMask,
    signature,
    bytes: bytes.slice(),
  };
}

export function verifyResponseSignature(
  response: Response,
  challenge: Challenge,
  appliancePublicKey: Uint8Array,
  verifier: Verifier,
): boolean {
  const body = response.bytes.subarray(0, RESPONSE_BYTES - SIGNATURE_BYTES);
  return verifier.verify(
    appliancePublicKey,
    signingInput('response', challenge.bytes, body),
    response.signature,
  );
}

export function responseText(response: Response): string {
  return encodeTyped(response.bytes);
}

/** The form a QR code carries on a first activation: the response and the certificate, compact. */
export function combinedResponseText(response: Response, cert: Certificate): string {
  return encodeCompact(response.bytes) + COMBINED_SEPARATOR + certificateCompact(cert);
}

export interface DecodedResponse {
  readonly response: Response;
  /** Present when the combined form carried the appliance certificate. */
  readonly certificate?: Certificate;
}

/** Reads the typed form, or the combined form (compact response + certificate) from a QR code. */
export function decodeResponse(text: unknown): DecodedResponse {
  if (typeof text !== 'string') throw new TypeError('a response code must be a string');
  if (text.length > 400)
    throw new AirlockError('CODE_TOO_LONG', 'This is too long to be a response code.');
  const trimmed = text.trim();
  const separator = trimmed.indexOf(COMBINED_SEPARATOR);
  if (separator === -1) return { response: parseResponse(decodeTyped(trimmed, LIMITS)) };
  const response = parseResponse(decodeCompact(trimmed.slice(0, separator), LIMITS));
  const certificate = decodeCertificate(trimmed.slice(separator + 1));
  return { response, certificate };
}
