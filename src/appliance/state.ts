// The appliance's state, rebuilt from its journal: licenses it holds, every activation with its
// status, and recent deactivations (for the transfer policy). Changed only by the reducer.

import type { RevocationReason } from '../core/formats/revocation-bundle.ts';
import type { ApplianceEvent } from './events.ts';
import {
  emptyIndex,
  type FingerprintIndex,
  indexAdd,
  indexLookup,
  indexRemove,
  indexWorn,
} from './fingerprint-index.ts';

export interface LicenseEntry {
  readonly licenseId: string;
  readonly key: string;
  readonly product: string;
  readonly seats: number;
  readonly floating: boolean;
  readonly expiresAt: number | null;
  readonly addedAt: number;
  /** Appliance-held licenses: the keyed hash of their `S…` key. */
  readonly held?: string;
  revoked?: { readonly at: number; readonly reason: string; readonly code?: RevocationReason };
  /** IDs of activations whose status is active. */
  readonly active: Set<number>;
  /** Active activations by fingerprint component; built when first needed, never serialised. */
  bySlot: FingerprintIndex | null;
  /** Times of deactivations, newest last, trimmed to the policy window. */
  deactivations: number[];
  /** Times of site revocations of its activations, newest last, trimmed to the policy window. */
  revocations: number[];
  /** Revoked activations: their machines may not activate this license again. */
  barred: number[];
}

export type ActivationStatus = 'active' | 'deactivated' | 'revoked';

/** One activation; what only its history needs (the challenge answered) stays in the journal. */
export interface ActivationEntry {
  readonly activationId: number;
  readonly licenseId: string;
  fingerprint: string;
  commitment: string;
  readonly activatedAt: number;
  lastSeenAt: number;
  leaseEndsAt: number | null;
  status: ActivationStatus;
  endedAt?: number;
  endReason?: string;
  /** A revocation's reason code, for site bundles. */
  endCode?: RevocationReason;
  renewals: number;
  readonly channel: 'offline' | 'online';
  ip?: string;
  clientId?: string;
}

export interface ApplianceState {
  readonly licenses: Map<string, LicenseEntry>;
  readonly activations: Map<number, ActivationEntry>;
  /** Keyed hash of an appliance-held key → license ID (hex). */
  readonly heldKeys: Map<string, string>;
  /** The last activation ID handed out, or moved past by a restore (src/appliance/counters.ts). */
  lastActivationId: number;
  auditEvents: number;
  /** The last site revocation bundle issued, or moved past by a restore (0: none yet). */
  siteSequence: number;
  /** The ledger checkpoint named by the last sync export's usage report. */
  lastExport: { readonly seq: number; readonly hash: string } | null;
}

export function emptyApplianceState(): ApplianceState {
  return {
    licenses: new Map(),
    activations: new Map(),
    heldKeys: new Map(),
    lastActivationId: 0,
    auditEvents: 0,
    siteSequence: 0,
    lastExport: null,
  };
}

/** Deactivations older than this no longer count against the transfer policy. */
export const POLICY_WINDOW_SECONDS = 30 * 86400;

/** Applies one journal event. Mutates and returns the state: the journal is the history. */
export function reduce(state: ApplianceState, event: ApplianceEvent): ApplianceState {
  switch (event.type) {
    case 'license.added': {
      const d = event.data as ApplianceEvent<'license.added'>['data'];
      if (!state.licenses.has(d.licenseId)) {
        state.licenses.set(d.licenseId, {
          licenseId: d.licenseId,
          key: d.key,
          product: d.product,
          seats: d.seats,
          floating: d.floating,
          expiresAt: d.expiresAt,
          addedAt: d.at,
          ...(d.held === undefined ? {} : { held: d.held }),
          active: new Set(),
          bySlot: null,
          deactivations: [],
          revocations: [],
          barred: [],
        });
        if (d.held !== undefined) state.heldKeys.set(d.held, d.licenseId);
      }
      return state;
    }
    case 'activation.granted': {
      const d = event.data as ApplianceEvent<'activation.granted'>['data'];
      const existing = state.activations.get(d.activationId);
      const license = state.licenses.get(d.licenseId);
      if (existing) {
        if (license && existing.status === 'active') {
          unindex(license, existing.activationId, existing.fingerprint);
          index(license, existing.activationId, d.fingerprint);
        }
        existing.fingerprint = d.fingerprint;
        existing.commitment = d.commitment;
        existing.leaseEndsAt = d.leaseEndsAt;
        existing.lastSeenAt = d.at;
        existing.renewals++;
        if (d.ip !== undefined) existing.ip = d.ip;
      } else {
        state.activations.set(d.activationId, {
          activationId: d.activationId,
          licenseId: d.licenseId,
          fingerprint: d.fingerprint,
          commitment: d.commitment,
          activatedAt: d.at,
          lastSeenAt: d.at,
          leaseEndsAt: d.leaseEndsAt,
          status: 'active',
          renewals: 0,
          channel: d.channel,
          ...(d.ip === undefined ? {} : { ip: d.ip }),
          ...(d.clientId === undefined ? {} : { clientId: d.clientId }),
        });
        state.lastActivationId = Math.max(state.lastActivationId, d.activationId);
        if (license) {
          license.active.add(d.activationId);
          index(license, d.activationId, d.fingerprint);
        }
      }
      return state;
    }
    case 'activation.ended': {
      const d = event.data as ApplianceEvent<'activation.ended'>['data'];
      const activation = state.activations.get(d.activationId);
      if (activation && activation.status === 'active') {
        activation.status = d.how;
        activation.endedAt = d.at;
        activation.endReason = d.reason;
        if (d.code !== undefined) activation.endCode = d.code;
        const license = state.licenses.get(activation.licenseId);
        if (license) {
          license.active.delete(d.activationId);
          unindex(license, d.activationId, activation.fingerprint);
        }
        if (license && d.how === 'deactivated') {
          license.deactivations = [...withinWindow(license.deactivations, d.at), d.at];
        }
        if (license && d.how === 'revoked') {
          license.revocations = [...withinWindow(license.revocations, d.at), d.at];
          license.barred.push(d.activationId);
        }
      }
      return state;
    }
    case 'activation.seen': {
      const d = event.data as ApplianceEvent<'activation.seen'>['data'];
      const activation = state.activations.get(d.activationId);
      if (activation) {
        activation.lastSeenAt = Math.max(activation.lastSeenAt, d.at);
        if (d.ip !== undefined) activation.ip = d.ip;
      }
      return state;
    }
    case 'license.revoked': {
      const d = event.data as ApplianceEvent<'license.revoked'>['data'];
      const license = state.licenses.get(d.licenseId);
      if (license) {
        license.revoked = {
          at: d.at,
          reason: d.reason,
          ...(d.code === undefined ? {} : { code: d.code }),
        };
      }
      return state;
    }
    case 'license.replaced': {
      const d = event.data as ApplianceEvent<'license.replaced'>['data'];
      const license = state.licenses.get(d.licenseId);
      if (license) {
        state.licenses.set(d.licenseId, {
          ...license,
          key: d.key,
          seats: d.seats,
          floating: d.floating,
          expiresAt: d.expiresAt,
        });
      }
      return state;
    }
    case 'sync.exported': {
      const d = event.data as ApplianceEvent<'sync.exported'>['data'];
      state.siteSequence = Math.max(state.siteSequence, d.siteSequence);
      state.lastExport = d.checkpoint;
      return state;
    }
    case 'appliance.restored': {
      // Never backwards: a second restore record (a restored copy restored again) only moves on.
      const d = event.data as ApplianceEvent<'appliance.restored'>['data'];
      state.lastActivationId = Math.max(state.lastActivationId, d.lastActivationId.to);
      state.siteSequence = Math.max(state.siteSequence, d.siteSequence.to);
      return state;
    }
    case 'revocations.imported':
      return state; // the lists live beside the ledger (revocation-store.ts); this is for the audit
    case 'audit':
      state.auditEvents++;
      return state;
    default:
      return state; // a record of a kind this version does not know changes nothing it keeps
  }
}

function index(license: LicenseEntry, activationId: number, fingerprintHex: string): void {
  if (license.bySlot !== null) indexAdd(license.bySlot, activationId, fingerprintHex);
}

function unindex(license: LicenseEntry, activationId: number, fingerprintHex: string): void {
  if (license.bySlot === null) return;
  indexRemove(license.bySlot, activationId, fingerprintHex);
  if (indexWorn(license.bySlot)) license.bySlot = null; // rebuilt when next needed
}

/** Active activations that may match this fingerprint, oldest first (the index built if needed). */
export function activeCandidates(
  state: ApplianceState,
  license: LicenseEntry,
  fingerprintHex: string,
): number[] {
  if (license.bySlot === null) {
    const built = emptyIndex();
    for (const id of license.active) indexAdd(built, id, state.activations.get(id)!.fingerprint);
    license.bySlot = built;
  }
  return indexLookup(license.bySlot, fingerprintHex);
}

function withinWindow(times: readonly number[], now: number): number[] {
  return times.filter((t) => t > now - POLICY_WINDOW_SECONDS);
}

/** Seats in use now: active activations, except floating leases that have lapsed. */
export function seatsInUse(state: ApplianceState, license: LicenseEntry, now: number): number {
  if (!license.floating) return license.active.size;
  let used = 0;
  for (const id of license.active) {
    const a = state.activations.get(id);
    if (a && !(license.floating && a.leaseEndsAt !== null && a.leaseEndsAt < now)) used++;
  }
  return used;
}
