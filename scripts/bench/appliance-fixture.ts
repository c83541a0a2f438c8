// Benchmark fixtures for the appliance: a real data directory holding a license of unlimited seats
// (signed by its own demo vendor) and an operator token, and challenges from distinct machines.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { createToken } from '../../src/appliance/tokens.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import {
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
  type TrustAnchors,
} from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

export const BENCH_PRODUCT = 'bench';

export interface BenchApplianceDir {
  readonly dir: string;
  /** A perpetual license of unlimited seats (seats: 0), not yet added to the appliance. */
  readonly licenseKey: string;
  /** What clients trust: the data directory's demo vendor. */
  readonly trust: TrustAnchors;
  /** An operator API token. */
  readonly token: string;
}

export const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** Unix seconds. */
export const clock = (): number => Math.floor(Date.now() / 1000);

/** A standalone appliance data directory, as `airlock appliance init` makes it. */
export async function createBenchApplianceDir(dir: string): Promise<BenchApplianceDir> {
  const now = clock();
  await initApplianceDir(dir, { now });
  const vendor = await openVendor(join(dir, 'vendor'));
  const license = issueLicense(
    {
      licenseId: random(8),
      type: 'perpetual',
      issuedAt: now - 60,
      expiresAt: null,
      seats: 0,
      leaseSeconds: 0,
      graceSeconds: 0,
      product: BENCH_PRODUCT,
      features: [],
    },
    vendor.signer,
  );
  const { token } = await createToken(dir, { role: 'operator', label: 'bench', now });
  return { dir, licenseKey: licenseKeyText(license), trust: vendor.trust, token };
}

/**
 * Challenges (typed form) of machines `m<from>` … `m<from + count - 1>`, each made by the SDK as
 * a client would: the license verified, the product-keyed fingerprint, a fresh secret.
 */
export function machineChallenges(
  licenseKey: string,
  trust: TrustAnchors,
  from: number,
  count: number,
): string[] {
  const now = clock();
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    const made = createChallenge(emptyState(), licenseKey, {
      trust,
      now,
      verifier: nodeSuite,
      fingerprintFor: (product) => computeFingerprint(product, explicitComponents(`m${i}`)),
      random,
    });
    out.push(made.text);
  }
  return out;
}
