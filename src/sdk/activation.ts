// A stored activation decoded back into its artefacts, and the facts derived from them: lease end
// (counted from the challenge's client time, docs/FORMATS.md §9), granted features, IDs.

import { fromHex, toHex } from '../core/bytes.ts';
import { type Certificate, parseCertificate } from '../core/formats/certificate.ts';
import { type Challenge, parseChallenge } from '../core/formats/challenge.ts';
import { decodeLicenseKey, type LicenseKey, parseLicenseKey } from '../core/formats/license-key.ts';
import { parseResponse, type Response } from '../core/formats/response.ts';
import { formatActivationId, formatId } from '../core/ids.ts';
import type { StoredActivation } from './state.ts';
import { revocationKeyOfActivation } from './state.ts';

export interface OpenedActivation {
  readonly license: LicenseKey;
  readonly challenge: Challenge;
  readonly response: Response;
  readonly certificate: Certificate;
  /** Unix seconds, or null when the activation lasts as long as the license. */
  readonly leaseEndsAt: number | null;
  readonly features: readonly string[];
  readonly activationId: string;
  readonly applianceId: string;
  /** The key under which revocations of this activation are held. */
  readonly revocationKey: string;
}

export function grantedFeatures(license: LicenseKey, mask: number): string[] {
  return license.features.filter((_, i) => (mask >>> i) & 1);
}

export function openActivation(stored: StoredActivation): OpenedActivation {
  const license = parseLicenseKey(decodeLicenseKey(stored.licenseKey));
  const challenge = parseChallenge(fromHex(stored.challenge)!);
  const response = parseResponse(fromHex(stored.response)!);
  const certificate = parseCertificate(fromHex(stored.certificate)!);
  return {
    license,
    challenge,
    response,
    certificate,
    leaseEndsAt: response.leaseSeconds === 0 ? null : challenge.clientTime + response.leaseSeconds,
    features: grantedFeatures(license, response.featureMask),
    activationId: formatActivationId(response.activationId),
    applianceId: formatId('appliance', certificate.applianceId),
    revocationKey: revocationKeyOfActivation(toHex(certificate.applianceId), response.activationId),
  };
}
