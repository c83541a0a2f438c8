// What every client operation is given: trust anchors, the time, the machine, and randomness.
// Passing them in keeps the SDK core pure and lets tests and browsers supply their own.

import type { Verifier } from '../core/crypto.ts';
import type { TrustAnchors } from './trust.ts';

export interface ClientContext {
  readonly trust: TrustAnchors;
  /** Unix seconds. */
  readonly now: number;
  /** This machine's fingerprint for a product (src/core/fingerprint.ts computeFingerprint). */
  readonly fingerprintFor: (product: string) => Uint8Array;
  readonly verifier?: Verifier;
  /** Clock-skew leeway in seconds (default 300). */
  readonly leewaySeconds?: number;
  /**
   * How long before its lease ends an activation asks to be renewed (status `renewal.due`, the
   * LEASE_ENDING warning). Default: a quarter of the granted lease, at most 7 days (renewal.ts).
   */
  readonly renewWithinSeconds?: number;
}

export type RandomBytes = (length: number) => Uint8Array;

/** Throws TypeError for a context a programmer got wrong; bad data is never the cause. */
export function assertContext(ctx: unknown): asserts ctx is ClientContext {
  const c = ctx as Partial<ClientContext> | null;
  if (typeof c !== 'object' || c === null)
    throw new TypeError('the client context must be an object');
  if (typeof c.trust !== 'object' || c.trust === null || !Array.isArray(c.trust.roots)) {
    throw new TypeError('context.trust must come from parseTrust()');
  }
  if (typeof c.now !== 'number' || !Number.isInteger(c.now) || c.now < 0 || c.now > 0xffffffff) {
    throw new TypeError('context.now must be the time in whole Unix seconds');
  }
  if (typeof c.fingerprintFor !== 'function')
    throw new TypeError('context.fingerprintFor must be a function');
  if (
    c.renewWithinSeconds !== undefined &&
    (typeof c.renewWithinSeconds !== 'number' ||
      !Number.isInteger(c.renewWithinSeconds) ||
      c.renewWithinSeconds < 0 ||
      c.renewWithinSeconds > 0xffffffff)
  ) {
    throw new TypeError('context.renewWithinSeconds must be whole seconds, 0 or more');
  }
}
