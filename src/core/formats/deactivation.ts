// Deactivation codes (docs/FORMATS.md §10): the client reveals the secret it committed to in its
// challenge, which only the machine that asked can know. 30 bytes, 6 groups, 59 characters.

import { ByteReader, ByteWriter, equalBytes } from '../bytes.ts';
import { AirlockError } from '../errors.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { decodeTyped, encodeTyped } from '../typed-code.ts';
import { commitmentOf, SECRET_BYTES } from './challenge.ts';

const VERSION = 1;
export const DEACTIVATION_BYTES = 30;
const LIMITS = {
  what: 'deactivation code',
  minGroups: 6,
  maxGroups: 6,
  kind: { letter: 'D', version: VERSION },
} as const;

export const DEACTIVATION_REASONS = ['unspecified', 'retired', 'moving', 'reinstalling'] as const;
export type DeactivationReason = (typeof DEACTIVATION_REASONS)[number];

export interface Deactivation {
  readonly applianceId: Uint8Array;
  readonly activationId: number;
  readonly secret: Uint8Array;
  /** The client's clock when it deactivated, Unix seconds. */
  readonly clientTime: number;
  readonly reason: DeactivationReason;
  readonly bytes: Uint8Array;
}

export function encodeDeactivation(fields: Omit<Deactivation, 'bytes'>): Deactivation {
  const bytes = new ByteWriter()
    .u8(kindByte('D', VERSION))
    .bytes(fields.applianceId, 4)
    .u32(fields.activationId)
    .bytes(fields.secret, SECRET_BYTES)
    .u32(fields.clientTime)
    .u8(DEACTIVATION_REASONS.indexOf(fields.reason))
    .finish();
  return parseDeactivation(bytes);
}

export function parseDeactivation(bytes: Uint8Array): Deactivation {
  expectKind(bytes, 'D', VERSION);
  const r = new ByteReader(bytes, 'deactivation code');
  r.u8();
  const applianceId = r.bytes(4);
  const activationId = r.u32();
  const secret = r.bytes(SECRET_BYTES);
  const clientTime = r.u32();
  const reasonIndex = r.u8();
  r.end();
  const reason = DEACTIVATION_REASONS[reasonIndex];
  if (reason === undefined)
    throw new AirlockError(
      'FORMAT_INVALID',
      `The deactivation code has an unknown reason (${reasonIndex}).`,
    );
  if (activationId === 0)
    throw new AirlockError('FORMAT_INVALID', 'The deactivation code has no activation ID.');
  return { applianceId, activationId, secret, clientTime, reason, bytes: bytes.slice() };
}

export function deactivationText(deactivation: Deactivation): string {
  return encodeTyped(deactivation.bytes);
}

export function decodeDeactivation(text: unknown): Deactivation {
  return parseDeactivation(decodeTyped(text, LIMITS));
}

/** The proof: the revealed secret matches the commitment recorded with the activation. */
export function deactivationProves(deactivation: Deactivation, commitment: Uint8Array): boolean {
  return equalBytes(commitmentOf(deactivation.secret), commitment);
}
