// Challenges (docs/FORMATS.md §8): what an isolated machine shows to ask for an activation.
// 45 bytes, 9 groups, 89 characters. Not signed: the response signature covers it whole.

import { ByteReader, ByteWriter, concatBytes, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { decodeTyped, encodeTyped } from '../typed-code.ts';

const VERSION = 1;
export const CHALLENGE_BYTES = 45;
export const NONCE_BYTES = 8;
export const SECRET_BYTES = 16;
export const COMMITMENT_BYTES = 16;
const LIMITS = {
  what: 'challenge',
  minGroups: 9,
  maxGroups: 9,
  kind: { letter: 'C', version: VERSION },
} as const;

export interface ChallengeFields {
  readonly licenseId: Uint8Array;
  /** The product-keyed machine fingerprint (src/core/fingerprint.ts). */
  readonly fingerprint: Uint8Array;
  readonly nonce: Uint8Array;
  /** The client's clock, Unix seconds. */
  readonly clientTime: number;
  /** Commits to the secret that the deactivation code will reveal. */
  readonly commitment: Uint8Array;
}

export interface Challenge extends ChallengeFields {
  readonly bytes: Uint8Array;
}

/** The deactivation commitment: the first 16 bytes of SHA-256(context, 0, secret) (§8.2). */
export function commitmentOf(secret: Uint8Array): Uint8Array {
  if (secret.length !== SECRET_BYTES)
    throw new TypeError(`a deactivation secret has ${SECRET_BYTES} bytes`);
  return sha256(concatBytes(utf8('airlock-deactivation-v1'), new Uint8Array([0]), secret)).slice(
    0,
    COMMITMENT_BYTES,
  );
}

export function encodeChallenge(fields: ChallengeFields): Challenge {
  const bytes = new ByteWriter()
    .u8(kindByte('C', VERSION))
    .bytes(fields.licenseId, 8)
    .bytes(fields.fingerprint, 8)
    .bytes(fields.nonce, NONCE_BYTES)
    .u32(fields.clientTime)
    .bytes(fields.commitment, COMMITMENT_BYTES)
    .finish();
  return { ...fields, bytes };
}

export function parseChallenge(bytes: Uint8Array): Challenge {
  expectKind(bytes, 'C', VERSION);
  const r = new ByteReader(bytes, 'challenge');
  r.u8();
  const challenge: Challenge = {
    licenseId: r.bytes(8),
    fingerprint: r.bytes(8),
    nonce: r.bytes(NONCE_BYTES),
    clientTime: r.u32(),
    commitment: r.bytes(COMMITMENT_BYTES),
    bytes: bytes.slice(),
  };
  r.end();
  return challenge;
}

export function challengeText(challenge: Challenge): string {
  return encodeTyped(challenge.bytes);
}

export function decodeChallenge(text: unknown): Challenge {
  return parseChallenge(decodeTyped(text, LIMITS));
}

/** The 2-byte tag a response repeats so a client can tell which challenge it answers (§9). */
export function challengeTag(challengeBytes: Uint8Array): Uint8Array {
  return sha256(challengeBytes).slice(0, 2);
}
