// The appliance's answer to a challenge, as a pure decision (DESIGN flow 2): given a verified
// license, the appliance's certificate and key, the time and the activation ID the ledger chose,
// either a signed response or a coded refusal. Seats are the ledger's decision, not this one's.

import { certificateCovers, type Certificate } from './formats/certificate.ts';
import type { Challenge } from './formats/challenge.ts';
import type { LicenseKey } from './formats/license-key.ts';
import {
  combinedResponseText,
  type Response,
  responseText,
  signResponse,
} from './formats/response.ts';
import type { Signer } from './crypto.ts';
import { AirlockError } from './errors.ts';
import { equalBytes } from './bytes.ts';
import { formatId } from './ids.ts';
import { matchFingerprint } from './fingerprint.ts';
import { dateOf } from './dates.ts';
import { MAX_DURATION_SECONDS } from './duration.ts';

export interface AnswerInput {
  readonly challenge: Challenge;
  readonly license: LicenseKey;
  readonly certificate: Certificate;
  readonly signer: Signer;
  /** The appliance's clock, Unix seconds. */
  readonly now: number;
  readonly activationId: number;
}

export interface Answer {
  readonly response: Response;
  /** Typed form: what the operator reads out or types. */
  readonly text: string;
  /** QR form for a first activation: the response plus the appliance certificate. */
  readonly combined: string;
  /** In the appliance's time; null when the activation lasts as long as the license. */
  readonly leaseEndsAt: number | null;
  readonly features: readonly string[];
}

export function answerChallenge(input: AnswerInput): Answer {
  const { challenge, license, certificate, now } = input;
  if (!equalBytes(challenge.licenseId, license.licenseId)) {
    throw new AirlockError(
      'LICENSE_UNKNOWN',
      `The challenge is for license ${formatId('license', challenge.licenseId)}, not ${formatId('license', license.licenseId)}.`,
    );
  }
  if (now > certificate.notAfter) {
    throw new AirlockError(
      'CERTIFICATE_EXPIRED',
      `This appliance's certificate expired on ${dateOf(certificate.notAfter)}; ask the vendor for a new one.`,
    );
  }
  if (!certificateCovers(certificate, license.product)) {
    throw new AirlockError(
      'CERTIFICATE_SCOPE',
      `This appliance is not authorised to activate "${license.product}".`,
    );
  }
  if (license.issuedAt > now) {
    throw new AirlockError(
      'LICENSE_NOT_YET_VALID',
      `This license is valid from ${dateOf(license.issuedAt)}.`,
    );
  }
  // Leases shorter than a minute cannot be expressed (§3.4): such a license has in effect expired.
  if (license.expiresAt !== null && license.expiresAt - now < 60) {
    throw new AirlockError(
      'LICENSE_EXPIRED',
      `This license expired on ${dateOf(license.expiresAt)}.`,
    );
  }
  if (
    license.fingerprint &&
    !matchFingerprint(license.fingerprint, challenge.fingerprint).matches
  ) {
    throw new AirlockError(
      'FINGERPRINT_MISMATCH',
      'This license is bound to another machine than the one that made the challenge.',
    );
  }
  let leaseSeconds = license.leaseSeconds;
  if (leaseSeconds > 0 && license.expiresAt !== null)
    leaseSeconds = Math.min(leaseSeconds, license.expiresAt - now);
  leaseSeconds = Math.min(leaseSeconds, MAX_DURATION_SECONDS);
  const featureMask = license.features.length === 0 ? 0 : (1 << license.features.length) - 1;
  const response = signResponse(
    challenge,
    { activationId: input.activationId, leaseSeconds, featureMask },
    input.signer,
  );
  return {
    response,
    text: responseText(response),
    combined: combinedResponseText(response, certificate),
    leaseEndsAt: response.leaseSeconds === 0 ? null : now + response.leaseSeconds,
    features: license.features,
  };
}
