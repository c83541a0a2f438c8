// What every client operation is given: trust anchors, the time, the machine, and randomness.
// Passing them in keeps the SDK core pure and lets tests and browsers supply their own.

import type { Verifier } from '../core/crypto.ts';
import type { TrustAnchors } from './trust.ts';

export interface ClientContext {
  readonly trust: TrustAnchors;
  /** Unix seconds. */
  readonly now: number;
  /** This machine's fingerprint for a product (src/sdk/fingerprint.ts computeFingerprint). */
  readonly fingerprintFor: (product: string) => Uint8Array;
  readonly verifier?: Verifier;
  /** Clock-skew leeway in seconds (default 300). */
  readonly leewaySeconds?: number;
}

export type RandomBytes = (length: number) => Uint8Array;
