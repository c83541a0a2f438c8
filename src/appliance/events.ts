// The events the appliance records in its ledger journal, one type per fact. Their data is plain
// JSON (IDs in hex, times in Unix seconds) so the journal stays readable with any text tool.

import type { RevocationReason } from '../core/formats/revocation-bundle.ts';

export interface LicenseAdded {
  readonly licenseId: string;
  /** The typed license key, exactly as verified. */
  readonly key: string;
  readonly product: string;
  readonly seats: number;
  readonly floating: boolean;
  readonly expiresAt: number | null;
  readonly at: number;
  /** Appliance-held licenses: the keyed hash of their `S…` key (never the key itself). */
  readonly held?: string;
}

export interface ActivationGranted {
  readonly activationId: number;
  readonly licenseId: string;
  readonly fingerprint: string;
  /** Hex of the challenge answered: the response can be re-created from it. */
  readonly challenge: string;
  readonly commitment: string;
  readonly clientTime: number;
  /** Null when the activation lasts as long as the license. */
  readonly leaseEndsAt: number | null;
  readonly at: number;
  /** true when an existing activation was renewed rather than a seat taken. */
  readonly renewal: boolean;
  readonly channel: 'offline' | 'online';
  readonly ip?: string;
  readonly clientId?: string;
}

export interface ActivationEnded {
  readonly activationId: number;
  readonly at: number;
  readonly how: 'deactivated' | 'revoked';
  /** The deactivation code's reason, or the administrator's words for a revocation. */
  readonly reason: string;
  /** Revocations: the reason code carried in site bundles. */
  readonly code?: RevocationReason;
  /** The client's clock from its deactivation code. */
  readonly clientTime?: number;
}

/** A revalidation by the activated machine (online): recorded at most once an hour. */
export interface ActivationSeen {
  readonly activationId: number;
  readonly at: number;
  readonly ip?: string;
}

export interface LicenseRevoked {
  readonly licenseId: string;
  readonly at: number;
  readonly reason: string;
  /** The reason code carried in site bundles. */
  readonly code?: RevocationReason;
}

/** A newer key of a license held (same license ID, later issue time): it replaces the old one. */
export interface LicenseReplaced {
  readonly licenseId: string;
  readonly key: string;
  readonly seats: number;
  readonly floating: boolean;
  readonly expiresAt: number | null;
  readonly at: number;
}

/** Revocation bundles imported from the vendor (the lists: revocation-store.ts, beside the ledger). */
export interface RevocationsImported {
  readonly stream: string;
  readonly sequence: number;
  readonly scope: 'full' | 'delta';
  /** Hex SHA-256 of the bundle file. */
  readonly sha256: string;
  readonly licenses: number;
  readonly activations: number;
  readonly certificates: number;
  readonly at: number;
}

/** A sync export: the site bundle's sequence and the ledger checkpoint its usage report names. */
export interface SyncExported {
  readonly siteSequence: number;
  /** The ledger head just before this record. */
  readonly checkpoint: { readonly seq: number; readonly hash: string };
  readonly at: number;
}

/**
 * The data directory was restored from a backup (`airlock restore`, src/ops/restore.ts). The
 * appliance it replaces may have gone on after the backup, and what it handed out in order is lost
 * with it: the counters jump past what it can plausibly have issued (src/appliance/counters.ts), so
 * no activation ID and no site bundle sequence is issued twice. The last export (a usage report's
 * `previous`) stays as it is: the vendor's check of the next report must see the ledger went back.
 */
export interface ApplianceRestored {
  readonly at: number;
  /** The backup restored: when it was taken, and its ledger head (the record before this one). */
  readonly backup: { readonly createdAt: number; readonly seq: number; readonly hash: string };
  /** Seconds from the backup to the restore by the restoring host's clock (0 if it says earlier). */
  readonly elapsed: number;
  /** The last activation ID handed out, before and after the jump. */
  readonly lastActivationId: { readonly from: number; readonly to: number };
  /** The last site bundle sequence exported, before and after the jump. */
  readonly siteSequence: { readonly from: number; readonly to: number };
  /** The airlock version that restored it. */
  readonly airlockVersion: string;
}

/**
 * One entry of the audit trail: an admin's action, a refusal, or an alert (src/appliance/alerts.ts),
 * with who did it and from where. Recorded by the HTTP API; the hash chain makes it tamper-evident.
 */
export interface AuditEvent {
  readonly at: number;
  /** "POST /api/v1/licenses", or an alert's kind ("alert:many-refusals"). */
  readonly action: string;
  readonly result: 'ok' | 'refused' | 'alert';
  /** "user:alice", "token:tok_1a2b3c4d", or "anonymous". */
  readonly actor?: string;
  readonly status?: number;
  readonly code?: string;
  readonly detail?: string;
  readonly ip?: string;
}

export interface ApplianceEvents {
  'license.added': LicenseAdded;
  'activation.granted': ActivationGranted;
  'activation.ended': ActivationEnded;
  'activation.seen': ActivationSeen;
  'license.revoked': LicenseRevoked;
  'license.replaced': LicenseReplaced;
  'revocations.imported': RevocationsImported;
  'sync.exported': SyncExported;
  'appliance.restored': ApplianceRestored;
  audit: AuditEvent;
}

export type EventType = keyof ApplianceEvents;

export interface ApplianceEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly data: ApplianceEvents[T];
}

/**
 * Fields that stand in for a secret, left out wherever events are shown (the ledger's API): the
 * keyed hash of an appliance-held key is what redeeming compares with, and stays in the appliance.
 */
export const SECRET_FIELDS: { readonly [T in EventType]?: readonly (keyof ApplianceEvents[T])[] } =
  { 'license.added': ['held'] };

/** An event's data as it may be shown: without its SECRET_FIELDS. */
export function shownEventData(
  type: string,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const secret: readonly string[] = Object.hasOwn(SECRET_FIELDS, type)
    ? (SECRET_FIELDS[type as EventType] ?? [])
    : [];
  return Object.fromEntries(Object.entries(data).filter(([key]) => !secret.includes(key)));
}
