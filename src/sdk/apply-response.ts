// Step three of an offline activation: check that the response answers this machine's pending
// challenge, was signed by an appliance whose certificate chains to a pinned root, is in scope,
// and not revoked; then keep it as the activation, replacing one held (a renewal, perhaps with a
// renewed license key: docs/SDK.md "Leases and renewal").

import { equalBytes, fromHex, toHex } from '../core/bytes.ts';
import { nobleSuite } from '../core/ed25519-noble.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type Certificate,
  certificateCovers,
  parseCertificate,
} from '../core/formats/certificate.ts';
import { challengeTag, parseChallenge } from '../core/formats/challenge.ts';
import { decodeLicenseKey, parseLicenseKey } from '../core/formats/license-key.ts';
import { decodeResponse, verifyResponseSignature } from '../core/formats/response.ts';
import { openActivation, type OpenedActivation } from './activation.ts';
import { assertContext, type ClientContext } from './context.ts';
import { renewsWith } from './renewed-license.ts';
import { assertState, type ClientState, findRevocation, observeTime } from './state.ts';
import { verifyCertificateChain } from './trust.ts';
import { dateOf, DEFAULT_LEEWAY_SECONDS } from './verify-license.ts';

export interface ApplyResult {
  readonly state: ClientState;
  readonly activation: OpenedActivation;
}

function knownCertificates(
  state: ClientState,
  ctx: ClientContext,
  carried?: Certificate,
): Certificate[] {
  const all = [
    ...(carried ? [carried] : []),
    ...ctx.trust.certificates,
    ...state.certificates.map((hex) => parseCertificate(fromHex(hex)!)),
  ];
  return all.filter((c, i) => all.findIndex((d) => equalBytes(c.bytes, d.bytes)) === i);
}

export function applyResponse(state: ClientState, text: unknown, ctx: ClientContext): ApplyResult {
  assertState(state);
  assertContext(ctx);
  const leeway = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const verifier = ctx.verifier ?? nobleSuite;
  const decoded = decodeResponse(text);
  const observed = observeTime(state, ctx.now, leeway);
  const { response } = decoded;
  // Entering the same response twice is not an error: the activation is already in place.
  if (observed.activation?.response === toHex(response.bytes)) {
    return { state: observed, activation: openActivation(observed.activation) };
  }
  const pending = observed.pending;
  if (pending === undefined) {
    throw new AirlockError(
      'NO_PENDING_CHALLENGE',
      'This machine is not waiting for a response: create a challenge first, then enter the response to it.',
    );
  }
  const challenge = parseChallenge(fromHex(pending.challenge)!);
  if (!equalBytes(response.challengeTag, challengeTag(challenge.bytes))) {
    const tag = toHex(response.challengeTag);
    if (observed.earlierChallengeTags.includes(tag)) {
      throw new AirlockError(
        'RESPONSE_STALE',
        'This response answers an earlier challenge from this machine. Enter the response to the latest challenge (shown by the last "challenge" command).',
      );
    }
    throw new AirlockError(
      'RESPONSE_WRONG_CHALLENGE',
      'This response is not for this machine’s challenge: it answers another machine’s or another challenge. Check that the appliance was given this machine’s latest challenge.',
    );
  }

  // The signature decides which appliance answered; an unknown appliance cannot be trusted.
  const candidates = knownCertificates(observed, ctx, decoded.certificate);
  if (candidates.length === 0) {
    throw new AirlockError(
      'CERTIFICATE_UNKNOWN',
      'This machine does not know the appliance that signed the response. Scan the response QR code (it carries the appliance certificate) or add the certificate to the trust file.',
    );
  }
  let certificate: Certificate | undefined;
  let chainError: AirlockError | undefined;
  for (const candidate of candidates) {
    if (!verifyResponseSignature(response, challenge, candidate.publicKey, verifier)) continue;
    try {
      verifyCertificateChain(candidate, ctx.trust, verifier);
      certificate = candidate;
      break;
    } catch (error) {
      chainError ??= error as AirlockError;
    }
  }
  if (certificate === undefined) {
    throw (
      chainError ??
      new AirlockError(
        'SIGNATURE_INVALID',
        'The response’s signature is not valid: it was altered, mistyped beyond correction, or forged.',
      )
    );
  }

  const license = parseLicenseKey(decodeLicenseKey(pending.licenseKey));
  // createChallenge refused an older key already; a state kept from before that rule may not have.
  renewsWith(observed.activation, license);
  if (certificate.notAfter + leeway < challenge.clientTime) {
    throw new AirlockError(
      'CERTIFICATE_EXPIRED',
      `The appliance's certificate expired on ${dateOf(certificate.notAfter)}, before this challenge was made. The appliance needs a new certificate from the vendor.`,
    );
  }
  if (!certificateCovers(certificate, license.product)) {
    throw new AirlockError(
      'CERTIFICATE_SCOPE',
      `The appliance is not authorised to activate "${license.product}".`,
    );
  }
  if (response.featureMask >>> license.features.length !== 0) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The response grants features that the license does not have.',
    );
  }
  const stored = {
    licenseKey: pending.licenseKey,
    challenge: pending.challenge,
    response: toHex(response.bytes),
    certificate: toHex(certificate.bytes),
    secret: pending.secret,
    appliedAt: ctx.now,
  };
  const activation = openActivation(stored);
  const hit = findRevocation(observed, {
    licenseId: toHex(license.licenseId),
    activation: activation.revocationKey,
    certificateId: toHex(certificate.certificateId),
  });
  if (hit) {
    throw new AirlockError(
      'REVOKED',
      `The ${hit.what} was revoked (${hit.reason}) on ${dateOf(hit.at)}.`,
    );
  }
  const certHex = toHex(certificate.bytes);
  const { pending: _answered, lastDeactivation: _previous, ...rest } = observed;
  return {
    state: {
      ...rest,
      earlierChallengeTags: [...observed.earlierChallengeTags, toHex(response.challengeTag)].slice(
        -8,
      ),
      activation: stored,
      certificates: observed.certificates.includes(certHex)
        ? observed.certificates
        : [...observed.certificates, certHex],
    },
    activation,
  };
}
