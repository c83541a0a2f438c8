// Online revalidation, client side: what the appliance said about this machine's activation is kept
// only where it restricts. A revoked license or activation is recorded as a revocation (so status
// says REVOKED, as after a bundle); an activation the appliance holds as deactivated is dropped (so
// status says NOT_ACTIVATED). The answer is not signed: it may take away, never grant or extend.

import { toHex } from '../core/bytes.ts';
import { formatId } from '../core/ids.ts';
import { openActivation } from './activation.ts';
import {
  assertState,
  type ClientState,
  observeTime,
  type RevocationEntry,
  type RevocationStream,
} from './state.ts';
import { DEFAULT_LEEWAY_SECONDS } from './verify-license.ts';

/** What the appliance answered about one activation (src/sdk/online.ts ValidationAnswer). */
export interface ApplianceVerdict {
  /** lic_ and 16 hex digits. */
  readonly licenseId: string;
  /** act_ and 8 hex digits. */
  readonly activationId: string;
  readonly status: 'active' | 'deactivated' | 'revoked';
  readonly licenseRevoked: boolean;
}

export interface VerdictResult {
  readonly state: ClientState;
  /** What changed; 'other-activation' when the verdict is not about the activation held now. */
  readonly recorded: readonly ('license-revoked' | 'activation-revoked' | 'activation-ended')[];
  readonly otherActivation: boolean;
}

/** The stream an appliance's online answers are kept in, beside 'vendor' and 'site:…' ones. */
export function onlineStreamOf(applianceIdHex: string): string {
  return `online:${applianceIdHex}`;
}

/** Online records have no sequence and are never due for an update (no REVOCATIONS_STALE). */
const NEVER = 0xffffffff;

export function recordVerdict(
  state: ClientState,
  verdict: ApplianceVerdict,
  options: { readonly now: number; readonly leewaySeconds?: number },
): VerdictResult {
  assertState(state);
  if (typeof verdict !== 'object' || verdict === null) throw new TypeError('verdict must be given');
  if (typeof options !== 'object' || options === null || !Number.isInteger(options.now)) {
    throw new TypeError('recordVerdict needs options with now (Unix seconds)');
  }
  const observed = observeTime(state, options.now, options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS);
  const stored = observed.activation;
  const a = stored === undefined ? undefined : openActivation(stored);
  // The activation may have changed since the question was asked (renewed, replaced): then the
  // answer is about something this machine no longer holds, and changes nothing.
  if (
    a === undefined ||
    a.activationId !== verdict.activationId ||
    formatId('license', a.license.licenseId) !== verdict.licenseId
  ) {
    return { state: observed, recorded: [], otherActivation: true };
  }

  const recorded: VerdictResult['recorded'][number][] = [];
  const entry: RevocationEntry = { at: options.now, reason: 'unspecified' };
  const name = onlineStreamOf(toHex(a.certificate.applianceId));
  const held: RevocationStream = observed.revocations[name] ?? {
    sequence: 0,
    issuedAt: options.now,
    nextUpdate: NEVER,
    licenses: {},
    activations: {},
    certificates: {},
  };
  let stream = held;
  const licenseKey = toHex(a.license.licenseId);
  if (verdict.licenseRevoked) {
    recorded.push('license-revoked');
    if (!Object.hasOwn(stream.licenses, licenseKey)) {
      stream = { ...stream, licenses: { ...stream.licenses, [licenseKey]: entry } };
    }
  }
  if (verdict.status === 'revoked') {
    recorded.push('activation-revoked');
    if (!Object.hasOwn(stream.activations, a.revocationKey)) {
      stream = { ...stream, activations: { ...stream.activations, [a.revocationKey]: entry } };
    }
  }
  let next: ClientState =
    stream === held
      ? observed
      : { ...observed, revocations: { ...observed.revocations, [name]: stream } };
  if (verdict.status === 'deactivated') {
    // The seat is already free at the appliance: this copy of the activation is stale (a restored
    // backup or a cloned disk). There is nothing left to deactivate, so no code is kept either.
    recorded.push('activation-ended');
    const { activation: _ended, ...rest } = next;
    next = rest;
  }
  return { state: next, recorded, otherActivation: false };
}
