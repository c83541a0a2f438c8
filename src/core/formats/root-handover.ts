// Root hand-overs (docs/FORMATS.md §16): a vendor root key vouches for the root that replaces it,
// so that a client pinning only the old root can learn to trust the new one. Optionally the old
// root retires itself in the same statement.

import { ByteReader, ByteWriter, equalBytes } from '../bytes.ts';
import type { Signer, Verifier } from '../crypto.ts';
import { AirlockError } from '../errors.ts';
import { keyIdOf } from '../ids.ts';
import { expectKind, kindByte } from '../kinds.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, signingInput } from '../signing.ts';
import { decodeTypedOrCompact, encodeCompact, encodeTyped } from '../typed-code.ts';

const VERSION = 1;
export const ROOT_HANDOVER_BYTES = 110;
const SIGNED_BYTES = ROOT_HANDOVER_BYTES - SIGNATURE_BYTES;
const FLAG_RETIRES_SIGNER = 0x01;
const LIMITS = {
  what: 'root hand-over',
  minGroups: 22,
  maxGroups: 22,
  kind: { letter: 'H', version: VERSION },
} as const;

export interface RootHandoverFields {
  /** The root key that takes over. */
  readonly newPublicKey: Uint8Array;
  /** Unix seconds. */
  readonly issuedAt: number;
  /** The signing root stops being trusted: nothing it signed, before or after, is accepted. */
  readonly retiresSigner: boolean;
}

export interface RootHandover {
  /** The root that signed: the one handing over. */
  readonly signerKeyId: Uint8Array;
  readonly newKeyId: Uint8Array;
  readonly newPublicKey: Uint8Array;
  readonly issuedAt: number;
  readonly retiresSigner: boolean;
  readonly bytes: Uint8Array;
}

export function issueRootHandover(fields: RootHandoverFields, signer: Signer): RootHandover {
  if (!(fields.newPublicKey instanceof Uint8Array) || fields.newPublicKey.length !== 32) {
    throw new TypeError('the new root is a 32-byte Ed25519 public key');
  }
  if (equalBytes(fields.newPublicKey, signer.publicKey)) {
    throw new TypeError('a root cannot hand over to itself');
  }
  const body = new ByteWriter()
    .u8(kindByte('H', VERSION))
    .bytes(keyIdOf(signer.publicKey), 4)
    .bytes(keyIdOf(fields.newPublicKey), 4)
    .bytes(fields.newPublicKey, PUBLIC_KEY_BYTES)
    .u32(fields.issuedAt)
    .u8(fields.retiresSigner ? FLAG_RETIRES_SIGNER : 0)
    .finish();
  const signature = signer.sign(signingInput('rootHandover', body));
  return parseRootHandover(new ByteWriter().bytes(body).bytes(signature).finish());
}

/** §16.2 decode stage: framing and the fields' own rules; nothing is trusted before the signature. */
export function parseRootHandover(bytes: Uint8Array): RootHandover {
  if (bytes.length !== ROOT_HANDOVER_BYTES) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `A root hand-over has ${ROOT_HANDOVER_BYTES} bytes, not ${bytes.length}.`,
    );
  }
  expectKind(bytes, 'H', VERSION);
  const r = new ByteReader(bytes, 'root hand-over');
  r.u8();
  const signerKeyId = r.bytes(4);
  const newKeyId = r.bytes(4);
  const newPublicKey = r.bytes(PUBLIC_KEY_BYTES);
  const issuedAt = r.u32();
  const flags = r.u8();
  r.bytes(SIGNATURE_BYTES);
  r.end();
  if (!equalBytes(newKeyId, keyIdOf(newPublicKey))) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The root hand-over names a key ID that is not the ID of its new key.',
    );
  }
  if (equalBytes(newKeyId, signerKeyId)) {
    throw new AirlockError('FORMAT_INVALID', 'The root hand-over hands a root over to itself.');
  }
  if ((flags & ~FLAG_RETIRES_SIGNER) !== 0) {
    throw new AirlockError('FORMAT_INVALID', 'The root hand-over has unknown flags set.');
  }
  return {
    signerKeyId,
    newKeyId,
    newPublicKey,
    issuedAt,
    retiresSigner: flags === FLAG_RETIRES_SIGNER,
    bytes: bytes.slice(),
  };
}

export function verifyRootHandoverSignature(
  handover: RootHandover,
  signerPublicKey: Uint8Array,
  verifier: Verifier,
): boolean {
  return verifier.verify(
    signerPublicKey,
    signingInput('rootHandover', handover.bytes.subarray(0, SIGNED_BYTES)),
    handover.bytes.subarray(SIGNED_BYTES),
  );
}

export function rootHandoverText(handover: RootHandover): string {
  return encodeTyped(handover.bytes);
}

export function rootHandoverCompact(handover: RootHandover): string {
  return encodeCompact(handover.bytes);
}

/** Reads a hand-over from its typed form (with dashes) or its compact form (without). */
export function decodeRootHandover(text: unknown): RootHandover {
  if (typeof text !== 'string') throw new TypeError('a root hand-over must be a string');
  return parseRootHandover(decodeTypedOrCompact(text, LIMITS));
}
