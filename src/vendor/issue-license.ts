// Issuing a license key (DESIGN flow 1): the vendor's terms, a random license ID and the issue
// time, signed with the vendor root key.

import {
  issueLicense,
  type LicenseFields,
  type LicenseKey,
  licenseProblem,
} from '../core/formats/license-key.ts';
import type { RandomBytes } from '../sdk/context.ts';
import type { Vendor } from './vendor-dir.ts';

/** What the vendor decides; the license ID and issue time are filled in when it is issued. */
export type LicenseTerms = Omit<LicenseFields, 'licenseId' | 'issuedAt'>;

/** The first rule of the format the terms break, as a sentence; checked before a key is unlocked. */
export function licenseTermsProblem(terms: LicenseTerms, now: number): string | undefined {
  return licenseProblem({ ...terms, licenseId: new Uint8Array(8), issuedAt: now });
}

/** Signs the terms. Check licenseTermsProblem first: terms that break a rule throw TypeError. */
export function issueVendorLicense(
  vendor: Vendor,
  terms: LicenseTerms,
  options: { readonly now: number; readonly random: RandomBytes },
): LicenseKey {
  return issueLicense(
    { ...terms, licenseId: options.random(8), issuedAt: options.now },
    vendor.signer,
  );
}
