// Offline license key verification: signature by a pinned vendor root, then expiry (with a
// clock-skew leeway), product, features, machine and user binding. Time is an option, never global.

import type { Verifier } from '../core/crypto.ts';
import { nobleSuite } from '../core/ed25519-noble.ts';
import { AirlockError } from '../core/errors.ts';
import {
  decodeLicenseKey,
  type LicenseKey,
  licenseSignerKeyId,
  parseLicenseKey,
  verifyLicenseSignature,
} from '../core/formats/license-key.ts';
import { dateOf } from '../core/dates.ts';
import { formatId } from '../core/ids.ts';
import { matchFingerprint } from '../core/fingerprint.ts';
import { findRoot, type TrustAnchors } from './trust.ts';

export const DEFAULT_LEEWAY_SECONDS = 300;

export interface VerifyLicenseOptions {
  readonly trust: TrustAnchors;
  /** Unix seconds. */
  readonly now: number;
  readonly leewaySeconds?: number;
  /** Refuse a key for another product. */
  readonly product?: string;
  /** Refuse a key that lacks any of these features. */
  readonly features?: readonly string[];
  /** This machine's fingerprint for the license's product, checked against a machine binding. */
  readonly fingerprint?: Uint8Array;
  /** Checked against a user binding. */
  readonly user?: string;
  readonly verifier?: Verifier;
}

export { dateOf };

/** Verifies the signature first, then parses, then checks the license's rules against `now`. */
export function verifyLicenseKey(text: unknown, options: VerifyLicenseOptions): LicenseKey {
  if (typeof options !== 'object' || options === null || !Number.isInteger(options.now)) {
    throw new TypeError('verifyLicenseKey needs options with trust and now (Unix seconds)');
  }
  const bytes = decodeLicenseKey(text);
  const keyId = licenseSignerKeyId(bytes);
  const root = findRoot(options.trust, keyId);
  if (root === undefined) {
    throw new AirlockError(
      'KEY_UNKNOWN',
      `This license key was signed by vendor key ${formatId('key', keyId)}, which is not among the trusted keys. Is it a key for another vendor, or is the trust file out of date?`,
      { keyId: formatId('key', keyId) },
    );
  }
  if (!verifyLicenseSignature(bytes, root.publicKey, options.verifier ?? nobleSuite)) {
    throw new AirlockError(
      'SIGNATURE_INVALID',
      'This license key’s signature is not valid: it was altered or forged.',
    );
  }
  const license = parseLicenseKey(bytes);
  checkLicense(license, options);
  return license;
}

/** The time- and machine-dependent checks, shared with status checks of stored activations. */
export function checkLicense(
  license: LicenseKey,
  options: Omit<VerifyLicenseOptions, 'trust' | 'verifier'>,
): void {
  const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (license.issuedAt > options.now + leeway) {
    throw new AirlockError(
      'LICENSE_NOT_YET_VALID',
      `This license is valid from ${dateOf(license.issuedAt)}, but this machine's clock says ${dateOf(options.now)}. Check the clock.`,
    );
  }
  if (license.expiresAt !== null && license.expiresAt + leeway < options.now) {
    throw new AirlockError(
      'LICENSE_EXPIRED',
      `This license expired on ${dateOf(license.expiresAt)}.`,
      {
        expiresAt: license.expiresAt,
      },
    );
  }
  if (options.product !== undefined && license.product !== options.product) {
    throw new AirlockError(
      'PRODUCT_MISMATCH',
      `This license is for "${license.product}", not for "${options.product}".`,
    );
  }
  const missing = (options.features ?? []).filter((f) => !license.features.includes(f));
  if (missing.length > 0) {
    throw new AirlockError(
      'FEATURE_MISSING',
      `This license does not include: ${missing.join(', ')}.`,
      {
        missing: missing.join(','),
      },
    );
  }
  if (
    license.fingerprint &&
    options.fingerprint &&
    !matchFingerprint(license.fingerprint, options.fingerprint).matches
  ) {
    throw new AirlockError(
      'FINGERPRINT_MISMATCH',
      'This license is bound to another machine: this machine’s fingerprint does not match the one in the license.',
    );
  }
  if (license.user !== undefined && options.user !== undefined && license.user !== options.user) {
    throw new AirlockError('USER_MISMATCH', `This license is bound to the user "${license.user}".`);
  }
}
