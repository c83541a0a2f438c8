// What a client remembers between runs: its pending challenge, its activation, the appliance
// certificates it has learned, the revocations it holds and the latest time it has seen. A plain
// JSON value; the Node layer keeps it in an encrypted store (src/sdk/node/store.ts).

import { dateOf } from '../core/dates.ts';
import { AirlockError } from '../core/errors.ts';
import type { RevocationReason } from '../core/formats/revocation-bundle.ts';

export const STATE_FORMAT = 'airlock-client-state/v1';
/** How many earlier challenge tags are kept, to recognise a response to an older challenge. */
export const EARLIER_CHALLENGES_KEPT = 8;

export interface PendingChallenge {
  readonly licenseKey: string;
  /** Hex of the challenge bytes. */
  readonly challenge: string;
  /** Hex of the deactivation secret committed to in the challenge. */
  readonly secret: string;
  readonly createdAt: number;
}

export interface StoredActivation {
  readonly licenseKey: string;
  readonly challenge: string;
  readonly response: string;
  readonly certificate: string;
  readonly secret: string;
  readonly appliedAt: number;
}

export interface RevocationEntry {
  readonly at: number;
  readonly reason: RevocationReason;
}

/** One issuer's revocations: "vendor", or "site:" and the appliance ID in hex. */
export interface RevocationStream {
  readonly sequence: number;
  readonly issuedAt: number;
  readonly nextUpdate: number;
  /** Keyed by license ID hex. */
  readonly licenses: Readonly<Record<string, RevocationEntry>>;
  /** Keyed by appliance ID hex, ':', activation ID as 8 hex digits. */
  readonly activations: Readonly<Record<string, RevocationEntry>>;
  /** Keyed by certificate ID hex. */
  readonly certificates: Readonly<Record<string, RevocationEntry>>;
}

export interface LastDeactivation {
  readonly code: string;
  readonly licenseId: string;
  readonly activationId: string;
  readonly at: number;
}

export interface ClientState {
  readonly format: typeof STATE_FORMAT;
  readonly latestTimeSeen: number;
  readonly pending?: PendingChallenge;
  readonly earlierChallengeTags: readonly string[];
  readonly activation?: StoredActivation;
  /** Hex of appliance certificates learned from combined responses. */
  readonly certificates: readonly string[];
  readonly revocations: Readonly<Record<string, RevocationStream>>;
  readonly lastDeactivation?: LastDeactivation;
}

export function emptyState(): ClientState {
  return {
    format: STATE_FORMAT,
    latestTimeSeen: 0,
    earlierChallengeTags: [],
    certificates: [],
    revocations: {},
  };
}

/** Accepts a value loaded from storage as client state, or refuses it. */
export function asClientState(value: unknown): ClientState {
  if (value === undefined) return emptyState();
  const v = value as Partial<ClientState> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    v.format !== STATE_FORMAT ||
    typeof v.latestTimeSeen !== 'number' ||
    !Array.isArray(v.earlierChallengeTags) ||
    !Array.isArray(v.certificates) ||
    typeof v.revocations !== 'object' ||
    v.revocations === null
  ) {
    throw new AirlockError(
      'STORE_UNREADABLE',
      'The activation store holds data this version of Airlock does not understand.',
    );
  }
  return v as ClientState;
}

/** Throws TypeError when a caller passes something that is not a client state. */
export function assertState(state: unknown): asserts state is ClientState {
  const s = state as Partial<ClientState> | null;
  if (typeof s !== 'object' || s === null || s.format !== STATE_FORMAT) {
    throw new TypeError(
      'state must be a ClientState: start from emptyState() and keep what each step returns',
    );
  }
}

export function revocationKeyOfActivation(applianceIdHex: string, activationId: number): string {
  return `${applianceIdHex}:${activationId.toString(16).padStart(8, '0')}`;
}

export interface RevocationHit extends RevocationEntry {
  readonly what: 'license' | 'activation' | 'appliance certificate';
}

export function findRevocation(
  state: ClientState,
  ids: { licenseId?: string; activation?: string; certificateId?: string },
): RevocationHit | undefined {
  return findInStreams(state.revocations, ids);
}

/** The first stream that revokes one of these (license ID hex, activation key, certificate ID hex). */
export function findInStreams(
  streams: Readonly<Record<string, RevocationStream>>,
  ids: { licenseId?: string; activation?: string; certificateId?: string },
): RevocationHit | undefined {
  for (const stream of Object.values(streams)) {
    const license = ids.licenseId === undefined ? undefined : stream.licenses[ids.licenseId];
    if (license) return { what: 'license', ...license };
    const activation =
      ids.activation === undefined ? undefined : stream.activations[ids.activation];
    if (activation) return { what: 'activation', ...activation };
    const cert =
      ids.certificateId === undefined ? undefined : stream.certificates[ids.certificateId];
    if (cert) return { what: 'appliance certificate', ...cert };
  }
  return undefined;
}

/** Remembers the latest time seen; a clock far behind it was set back (§ clock rollback). */
export function observeTime(state: ClientState, now: number, leewaySeconds: number): ClientState {
  if (now + leewaySeconds < state.latestTimeSeen) {
    throw new AirlockError(
      'CLOCK_ROLLBACK',
      `This machine's clock (${dateOf(now)}) is behind a time it has already seen (${dateOf(state.latestTimeSeen)}): it was set back. Correct the clock.`,
    );
  }
  return now > state.latestTimeSeen ? { ...state, latestTimeSeen: now } : state;
}
