// Whether this machine may run the product now, and why (DESIGN flow 4): re-checks the stored
// activation's signatures, the machine, revocations, license expiry, lease and grace, and the clock.

import { toHex } from '../core/bytes.ts';
import { nobleSuite } from '../core/ed25519-noble.ts';
import { AirlockError, type ErrorCode } from '../core/errors.ts';
import type { LicenseType } from '../core/formats/license-key.ts';
import { verifyResponseSignature } from '../core/formats/response.ts';
import { formatId } from '../core/ids.ts';
import { openActivation, type OpenedActivation } from './activation.ts';
import { assertContext, type ClientContext } from './context.ts';
import { matchFingerprint } from '../core/fingerprint.ts';
import { NO_RENEWAL, type Renewal, renewalOf } from './renewal.ts';
import { assertState, type ClientState, findRevocation, observeTime } from './state.ts';
import { verifyCertificateChain } from './trust.ts';
import {
  checkLicense,
  dateOf,
  DEFAULT_LEEWAY_SECONDS,
  verifyLicenseKey,
} from './verify-license.ts';

export interface StatusWarning {
  readonly code: 'LEASE_IN_GRACE' | 'LEASE_ENDING' | 'REVOCATIONS_STALE' | 'LICENSE_ENDING';
  readonly message: string;
}

export interface Status {
  readonly valid: boolean;
  /** 'VALID', or the error code that explains why not. */
  readonly code: 'VALID' | ErrorCode;
  readonly message: string;
  readonly warnings: readonly StatusWarning[];
  readonly license?: {
    readonly id: string;
    readonly product: string;
    readonly type: LicenseType;
    readonly expiresAt: number | null;
    readonly seats: number;
  };
  readonly activation?: {
    readonly id: string;
    readonly applianceId: string;
    readonly appliedAt: number;
    readonly leaseEndsAt: number | null;
    readonly graceEndsAt: number | null;
  };
  readonly features: readonly string[];
  /** Seconds until the lease ends (negative when in grace), null without a lease. */
  readonly leaseRemainingSeconds: number | null;
  /** When to renew the activation: due inside the window before its lease end (renewal.ts). */
  readonly renewal: Renewal;
}

/** Warn this long before a license expires, so the site asks the vendor for a renewed key. */
export const ENDING_WARNING_SECONDS = 7 * 86400;

export interface StatusResult {
  readonly state: ClientState;
  readonly status: Status;
}

function refused(code: ErrorCode, message: string, partial: Partial<Status> = {}): Status {
  return {
    valid: false,
    code,
    message,
    warnings: [],
    features: [],
    leaseRemainingSeconds: null,
    renewal: NO_RENEWAL,
    ...partial,
  };
}

export function getStatus(state: ClientState, ctx: ClientContext): StatusResult {
  assertState(state);
  assertContext(ctx);
  const leeway = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  let observed: ClientState;
  try {
    observed = observeTime(state, ctx.now, leeway);
  } catch (error) {
    return { state, status: refused('CLOCK_ROLLBACK', (error as AirlockError).message) };
  }
  const stored = observed.activation;
  if (stored === undefined) {
    const message = observed.pending
      ? 'This machine is not activated yet: it is waiting for the response to its challenge.'
      : 'This machine is not activated: create a challenge and take it to the activation appliance.';
    return { state: observed, status: refused('NOT_ACTIVATED', message) };
  }
  const a = openActivation(stored);
  const base = describe(a, stored.appliedAt, ctx.now, ctx.renewWithinSeconds);
  try {
    check(a, observed, ctx, leeway);
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    // The license and activation are shown for the message; no feature is granted.
    return {
      state: observed,
      status: refused(error.code, error.message, { ...base, features: [] }),
    };
  }
  const warnings: StatusWarning[] = [];
  const graceEnd = base.activation?.graceEndsAt ?? null;
  if (a.leaseEndsAt !== null && ctx.now > a.leaseEndsAt) {
    warnings.push({
      code: 'LEASE_IN_GRACE',
      message: `The lease ended on ${dateOf(a.leaseEndsAt)}; the grace period lasts until ${dateOf(graceEnd!)}. Renew the activation before then.`,
    });
  } else if (a.leaseEndsAt !== null && base.renewal.due) {
    warnings.push({
      code: 'LEASE_ENDING',
      message: `The lease ends on ${dateOf(a.leaseEndsAt)}: renew the activation now (a new challenge for the same license; it keeps the seat).`,
    });
  }
  if (a.license.expiresAt !== null && a.license.expiresAt - ctx.now < ENDING_WARNING_SECONDS) {
    warnings.push({
      code: 'LICENSE_ENDING',
      message: `The license expires on ${dateOf(a.license.expiresAt)}.`,
    });
  }
  for (const [stream, held] of Object.entries(observed.revocations)) {
    if (ctx.now > held.nextUpdate) {
      warnings.push({
        code: 'REVOCATIONS_STALE',
        message: `The revocation data from ${stream === 'vendor' ? 'the vendor' : 'the site appliance'} (sequence ${held.sequence}) was due to be updated on ${dateOf(held.nextUpdate)}; import a newer bundle.`,
      });
    }
  }
  return {
    state: observed,
    status: {
      ...base,
      valid: true,
      code: 'VALID',
      message: 'This machine is activated.',
      warnings,
    },
  };
}

function describe(
  a: OpenedActivation,
  appliedAt: number,
  now: number,
  renewWithinSeconds: number | undefined,
): Omit<Status, 'valid' | 'code' | 'message' | 'warnings'> {
  const graceEndsAt = a.leaseEndsAt === null ? null : a.leaseEndsAt + a.license.graceSeconds;
  return {
    license: {
      id: formatId('license', a.license.licenseId),
      product: a.license.product,
      type: a.license.type,
      expiresAt: a.license.expiresAt,
      seats: a.license.seats,
    },
    activation: {
      id: a.activationId,
      applianceId: a.applianceId,
      appliedAt,
      leaseEndsAt: a.leaseEndsAt,
      graceEndsAt,
    },
    features: a.features,
    leaseRemainingSeconds: a.leaseEndsAt === null ? null : a.leaseEndsAt - now,
    renewal: renewalOf(a, now, renewWithinSeconds),
  };
}

function check(a: OpenedActivation, state: ClientState, ctx: ClientContext, leeway: number): void {
  const verifier = ctx.verifier ?? nobleSuite;
  // Signatures again: a state restored from elsewhere or edited must not pass.
  verifyLicenseKey(state.activation!.licenseKey, {
    trust: ctx.trust,
    now: ctx.now,
    leewaySeconds: leeway,
    verifier,
  });
  verifyCertificateChain(a.certificate, ctx.trust, verifier);
  if (!verifyResponseSignature(a.response, a.challenge, a.certificate.publicKey, verifier)) {
    throw new AirlockError('SIGNATURE_INVALID', 'The stored activation’s signature is not valid.');
  }
  const fingerprint = ctx.fingerprintFor(a.license.product);
  if (!matchFingerprint(a.challenge.fingerprint, fingerprint).matches) {
    throw new AirlockError(
      'FINGERPRINT_MISMATCH',
      'This activation was made for another machine (more than one of its hardware components differ). Deactivate it on the original machine, or activate this machine anew.',
    );
  }
  const hit = findRevocation(state, {
    licenseId: toHex(a.license.licenseId),
    activation: a.revocationKey,
    certificateId: toHex(a.certificate.certificateId),
  });
  if (hit) {
    throw new AirlockError(
      'REVOKED',
      `The ${hit.what} was revoked (${hit.reason}) on ${dateOf(hit.at)}.`,
    );
  }
  checkLicense(a.license, { now: ctx.now, leewaySeconds: leeway });
  if (a.leaseEndsAt !== null && ctx.now > a.leaseEndsAt + a.license.graceSeconds + leeway) {
    throw new AirlockError(
      'LEASE_EXPIRED',
      `The activation's lease ended on ${dateOf(a.leaseEndsAt)} and its grace period is over. Create a new challenge and take it to the appliance to renew.`,
    );
  }
}
