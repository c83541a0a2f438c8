// The appliance's decisions, pure (DESIGN flows 2 and 5): whether a challenge gets a seat, the
// existing activation, or a refusal; whether a deactivation code frees one. The caller records
// the outcome in the same synchronous step, so two requests can never take the last seat twice.

import { fromHex, toHex } from '../core/bytes.ts';
import type { Challenge } from '../core/formats/challenge.ts';
import { type Deactivation, deactivationProves } from '../core/formats/deactivation.ts';
import { AirlockError, type ErrorCode } from '../core/errors.ts';
import { matchFingerprint } from '../core/fingerprint.ts';
import { formatActivationId, formatId } from '../core/ids.ts';
import { dateOf } from '../core/dates.ts';
import { nextActivationId } from './counters.ts';
import {
  type ActivationEntry,
  activeCandidates,
  type ApplianceState,
  type LicenseEntry,
  POLICY_WINDOW_SECONDS,
  seatsInUse,
} from './state.ts';

export type SeatDecision =
  | { readonly kind: 'renewal'; readonly activation: ActivationEntry }
  | { readonly kind: 'new'; readonly activationId: number };

export function licenseFor(state: ApplianceState, licenseIdHex: string): LicenseEntry {
  const license = state.licenses.get(licenseIdHex);
  if (license === undefined) {
    throw new AirlockError(
      'LICENSE_UNKNOWN',
      `This appliance does not hold license ${formatId('license', fromHex(licenseIdHex)!)}. Add its license key first.`,
    );
  }
  if (license.revoked) {
    throw new AirlockError(
      'REVOKED',
      `License ${formatId('license', fromHex(licenseIdHex)!)} was revoked on ${dateOf(license.revoked.at)} (${license.revoked.reason}).`,
    );
  }
  return license;
}

/** The same machine gets its activation back; a new machine takes a seat if one is free. */
export function decideSeat(
  state: ApplianceState,
  license: LicenseEntry,
  challenge: Challenge,
  now: number,
): SeatDecision {
  const used = seatsInUse(state, license, now);
  for (const id of license.barred) {
    const barred = state.activations.get(id);
    if (barred && matchFingerprint(fromHex(barred.fingerprint)!, challenge.fingerprint).matches) {
      throw new AirlockError(
        'REVOKED',
        `This machine's activation ${formatActivationId(id)} of license ${formatId('license', fromHex(license.licenseId)!)} was revoked${barred.endedAt === undefined ? '' : ` on ${dateOf(barred.endedAt)}`}: it may not activate this license again.`,
      );
    }
  }
  for (const id of activeCandidates(state, license, toHex(challenge.fingerprint))) {
    const activation = state.activations.get(id)!;
    if (!matchFingerprint(fromHex(activation.fingerprint)!, challenge.fingerprint).matches)
      continue;
    const lapsed =
      license.floating && activation.leaseEndsAt !== null && activation.leaseEndsAt < now;
    // A lapsed floating lease holds no seat: renewing it needs a free one again.
    if (lapsed && license.seats !== 0 && used >= license.seats) throw seatsExhausted(license, used);
    return { kind: 'renewal', activation };
  }
  if (license.seats !== 0 && used >= license.seats) throw seatsExhausted(license, used);
  return { kind: 'new', activationId: nextActivationId(state) };
}

function seatsExhausted(license: LicenseEntry, used: number): AirlockError {
  const id = formatId('license', fromHex(license.licenseId)!);
  const taken =
    license.seats === 1
      ? `The only seat of license ${id} is in use`
      : `All ${license.seats} seats of license ${id} are in use`;
  return new AirlockError(
    'SEATS_EXHAUSTED',
    `${taken}. Deactivate a machine that no longer needs it, or add seats.`,
    { seats: license.seats, used },
  );
}

export type DeactivationDecision =
  | { readonly kind: 'free'; readonly activation: ActivationEntry }
  | { readonly kind: 'already'; readonly activation: ActivationEntry };

export interface DeactivationPolicy {
  /** Most deactivations per license within the policy window; at least 1. */
  readonly maxPerWindow: (license: LicenseEntry) => number;
}

export const DEFAULT_DEACTIVATION_POLICY: DeactivationPolicy = {
  maxPerWindow: (license) => Math.max(3, license.seats * 2),
};

export function decideDeactivation(
  state: ApplianceState,
  code: Deactivation,
  applianceId: Uint8Array,
  now: number,
  policy: DeactivationPolicy = DEFAULT_DEACTIVATION_POLICY,
): DeactivationDecision {
  const unknown = () =>
    new AirlockError(
      'ACTIVATION_UNKNOWN',
      `This deactivation code is for activation ${formatActivationId(code.activationId)} of appliance ${formatId('appliance', code.applianceId)}, which this appliance does not hold.`,
    );
  if (toHex(code.applianceId) !== toHex(applianceId)) throw unknown();
  const activation = state.activations.get(code.activationId);
  if (activation === undefined) throw unknown();
  if (!deactivationProves(code, fromHex(activation.commitment)!)) {
    throw new AirlockError(
      'DEACTIVATION_INVALID',
      'This deactivation code does not prove the activation: it was made from another challenge (an older one, or of another machine). Use the code the machine showed when it was deactivated.',
    );
  }
  if (activation.status !== 'active') return { kind: 'already', activation };
  const license = state.licenses.get(activation.licenseId);
  if (license) {
    const recent = license.deactivations.filter((t) => t > now - POLICY_WINDOW_SECONDS).length;
    if (recent >= policy.maxPerWindow(license)) {
      throw new AirlockError(
        'DEACTIVATION_LIMIT',
        `License ${formatId('license', fromHex(license.licenseId)!)} was deactivated ${recent} times in the last 30 days, the most its policy allows. The seat stays with this machine for now.`,
        { recent },
      );
    }
  }
  return { kind: 'free', activation };
}

export interface Verdict {
  readonly code: 'VALID' | ErrorCode;
  readonly message: string;
}

/** Revalidation: the first reason, in order of gravity, that an activation may not be used now. */
export function judgeActivation(
  license: LicenseEntry,
  activation: ActivationEntry,
  now: number,
): Verdict {
  if (license.revoked) return { code: 'REVOKED', message: 'The license was revoked.' };
  if (activation.status === 'revoked') {
    return { code: 'REVOKED', message: 'This activation was revoked by the site administrator.' };
  }
  if (activation.status === 'deactivated') {
    return {
      code: 'NOT_ACTIVATED',
      message: `This activation was deactivated${activation.endedAt === undefined ? '' : ` on ${dateOf(activation.endedAt)}`}: activate anew.`,
    };
  }
  if (license.expiresAt !== null && license.expiresAt <= now) {
    return { code: 'LICENSE_EXPIRED', message: 'The license has expired.' };
  }
  if (activation.leaseEndsAt !== null && activation.leaseEndsAt < now) {
    return {
      code: 'LEASE_EXPIRED',
      message: `The lease ended on ${dateOf(activation.leaseEndsAt)}: send a new challenge to renew it.`,
    };
  }
  return { code: 'VALID', message: 'The activation is in force.' };
}

/** How stale "last seen" may get before a revalidation records a fresh one (one write an hour). */
export const SEEN_EVERY_SECONDS = 3600;

export interface RevocationPolicy {
  /** Most activations of a license the site may revoke within the policy window. */
  readonly maxPerWindow: (license: LicenseEntry) => number;
}

/**
 * A revoked machine keeps running until it imports the site bundle, so each revocation may give
 * the license one more machine for a while: a quarter of the seats a month, at least one.
 */
export const DEFAULT_REVOCATION_POLICY: RevocationPolicy = {
  maxPerWindow: (license) =>
    license.seats === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.ceil(license.seats / 4)),
};

/** A site revocation of an activation: frees its seat, within the policy's limit. */
export function decideRevocation(
  state: ApplianceState,
  activationId: number,
  now: number,
  policy: RevocationPolicy = DEFAULT_REVOCATION_POLICY,
): { readonly kind: 'revoke' | 'already'; readonly activation: ActivationEntry } {
  const activation = state.activations.get(activationId);
  if (activation === undefined) {
    throw new AirlockError(
      'ACTIVATION_UNKNOWN',
      `This appliance holds no activation ${formatActivationId(activationId)}.`,
    );
  }
  if (activation.status === 'revoked') return { kind: 'already', activation };
  if (activation.status === 'deactivated') {
    throw new AirlockError(
      'NOT_ACTIVATED',
      `Activation ${formatActivationId(activationId)} was deactivated${activation.endedAt === undefined ? '' : ` on ${dateOf(activation.endedAt)}`}: its seat is free already.`,
    );
  }
  const license = state.licenses.get(activation.licenseId)!;
  const recent = license.revocations.filter((t) => t > now - POLICY_WINDOW_SECONDS).length;
  const limit = policy.maxPerWindow(license);
  if (recent >= limit) {
    throw new AirlockError(
      'REVOCATION_LIMIT',
      `${recent} activations of license ${formatId('license', fromHex(license.licenseId)!)} were revoked in the last 30 days, the most its policy allows (${limit}). Revoke the license, or wait.`,
      { recent, limit },
    );
  }
  return { kind: 'revoke', activation };
}
