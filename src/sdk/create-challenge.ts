// Step one of an offline activation (DESIGN flow 2): verify the license key locally, then build a
// challenge that commits to a fresh deactivation secret, and remember it as pending. While this
// machine is activated, the challenge is a renewal: the activation held stays valid until the
// response to it is applied (docs/SDK.md "Leases and renewal").

import { fromHex, toHex } from '../core/bytes.ts';
import {
  type Challenge,
  challengeTag,
  challengeText,
  commitmentOf,
  encodeChallenge,
  NONCE_BYTES,
  SECRET_BYTES,
} from '../core/formats/challenge.ts';
import { AirlockError } from '../core/errors.ts';
import {
  decodeLicenseKey,
  type LicenseKey,
  licenseKeyText,
  parseLicenseKey,
} from '../core/formats/license-key.ts';
import { formatId } from '../core/ids.ts';
import { assertContext, type ClientContext, type RandomBytes } from './context.ts';
import { type Renews, renewsWith } from './renewed-license.ts';
import { assertState, type ClientState, EARLIER_CHALLENGES_KEPT, observeTime } from './state.ts';
import { checkLicense, DEFAULT_LEEWAY_SECONDS, verifyLicenseKey } from './verify-license.ts';

export interface ChallengeResult {
  readonly state: ClientState;
  readonly challenge: Challenge;
  /** The typed form, also what the QR code carries. */
  readonly text: string;
  readonly license: LicenseKey;
  /**
   * What applying the response will do: 'lease' renews the activation held, 'license-key' renews it
   * and replaces its key with this later one; null: a first activation (or one of another license).
   */
  readonly renews: Renews;
}

export function createChallenge(
  state: ClientState,
  licenseKey: string,
  ctx: ClientContext & { readonly random: RandomBytes },
): ChallengeResult {
  assertState(state);
  assertContext(ctx);
  if (typeof ctx.random !== 'function') throw new TypeError('context.random must be a function');
  const leeway = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const observed = observeTime(state, ctx.now, leeway);
  const license = verifyLicenseKey(licenseKey, {
    trust: ctx.trust,
    now: ctx.now,
    leewaySeconds: leeway,
    ...(ctx.verifier ? { verifier: ctx.verifier } : {}),
  });
  // The machine binding can only be checked once the key has named its product.
  const fingerprint = ctx.fingerprintFor(license.product);
  checkLicense(license, { now: ctx.now, leewaySeconds: leeway, fingerprint });
  // Refuse an older key for the license held now before the operator carries a challenge anywhere.
  const renews = renewsWith(observed.activation, license);
  if (observed.activation !== undefined && renews === null) {
    // Applying an answer would replace the activation held, and with it the only proof that can
    // give its seat back: the machine deactivates first.
    const held = parseLicenseKey(decodeLicenseKey(observed.activation.licenseKey));
    throw new AirlockError(
      'ACTIVATION_HELD',
      `This machine is activated with license ${formatId('license', held.licenseId)} (${held.product}). Deactivate it first (airlock client deactivate) so that its seat can be given back, then activate license ${formatId('license', license.licenseId)}.`,
      { licenseId: formatId('license', held.licenseId) },
    );
  }
  const secret = ctx.random(SECRET_BYTES);
  const nonce = ctx.random(NONCE_BYTES);
  if (
    !(secret instanceof Uint8Array) ||
    secret.length !== SECRET_BYTES ||
    !(nonce instanceof Uint8Array) ||
    nonce.length !== NONCE_BYTES
  ) {
    throw new TypeError('random(n) must return n random bytes');
  }
  const challenge = encodeChallenge({
    licenseId: license.licenseId,
    fingerprint,
    nonce,
    clientTime: ctx.now,
    commitment: commitmentOf(secret),
  });
  const earlier = observed.pending
    ? [
        ...observed.earlierChallengeTags,
        toHex(challengeTag(fromHex(observed.pending.challenge)!)),
      ].slice(-EARLIER_CHALLENGES_KEPT)
    : observed.earlierChallengeTags;
  return {
    state: {
      ...observed,
      earlierChallengeTags: earlier,
      pending: {
        licenseKey: licenseKeyText(license),
        challenge: toHex(challenge.bytes),
        secret: toHex(secret),
        createdAt: ctx.now,
      },
    },
    challenge,
    text: challengeText(challenge),
    license,
    renews,
  };
}
