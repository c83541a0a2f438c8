// The appliance state as plain JSON for ledger snapshots, and back. Activations are rows of a
// table (one short array each, the license by its index) so that a snapshot of a million of them
// stays small and quick to parse. A snapshot this code does not recognise is refused; the ledger
// then ignores it and replays the journal, so a change of this layout needs no migration.

import type { RevocationReason } from '../core/formats/revocation-bundle.ts';
import type { ActivationEntry, ActivationStatus, ApplianceState, LicenseEntry } from './state.ts';
import { emptyApplianceState } from './state.ts';

const LAYOUT = 'airlock-appliance-state/v2';
const STATUSES: readonly ActivationStatus[] = ['active', 'deactivated', 'revoked'];
const CHANNELS: readonly ActivationEntry['channel'][] = ['offline', 'online'];

type LicenseJson = Omit<LicenseEntry, 'active' | 'bySlot'>;

/** activationId, license index, fingerprint, commitment, activatedAt, lastSeenAt, leaseEndsAt,
 * status, renewals, channel, ip, clientId, endedAt, endReason, endCode (absent values are null). */
type ActivationRow = [
  number,
  number,
  string,
  string,
  number,
  number,
  number | null,
  number,
  number,
  number,
  string | null,
  string | null,
  number | null,
  string | null,
  RevocationReason | null,
];

interface SnapshotJson {
  layout: typeof LAYOUT;
  licenses: LicenseJson[];
  activations: ActivationRow[];
  lastActivationId: number;
  auditEvents: number;
  siteSequence: number;
  lastExport: ApplianceState['lastExport'];
}

export function serialiseState(state: ApplianceState): SnapshotJson {
  const licenseIndex = new Map<string, number>();
  const licenses: LicenseJson[] = [];
  for (const { active: _active, bySlot: _bySlot, ...license } of state.licenses.values()) {
    licenseIndex.set(license.licenseId, licenses.length);
    licenses.push(license);
  }
  const activations: ActivationRow[] = [];
  for (const a of state.activations.values()) {
    activations.push([
      a.activationId,
      licenseIndex.get(a.licenseId) ?? -1,
      a.fingerprint,
      a.commitment,
      a.activatedAt,
      a.lastSeenAt,
      a.leaseEndsAt,
      STATUSES.indexOf(a.status),
      a.renewals,
      CHANNELS.indexOf(a.channel),
      a.ip ?? null,
      a.clientId ?? null,
      a.endedAt ?? null,
      a.endReason ?? null,
      a.endCode ?? null,
    ]);
  }
  return {
    layout: LAYOUT,
    licenses,
    activations,
    lastActivationId: state.lastActivationId,
    auditEvents: state.auditEvents,
    siteSequence: state.siteSequence,
    lastExport: state.lastExport,
  };
}

export function deserialiseState(json: unknown): ApplianceState {
  const j = json as SnapshotJson | null;
  if (j?.layout !== LAYOUT || !Array.isArray(j.licenses) || !Array.isArray(j.activations)) {
    throw new TypeError('not an appliance state snapshot of this version');
  }
  const state = emptyApplianceState();
  const byIndex: LicenseEntry[] = [];
  for (const l of j.licenses) {
    const license: LicenseEntry = { ...l, active: new Set(), bySlot: null };
    state.licenses.set(l.licenseId, license);
    byIndex.push(license);
    if (l.held !== undefined) state.heldKeys.set(l.held, l.licenseId);
  }
  for (const row of j.activations) {
    const [id, at, fingerprint, commitment, activatedAt, lastSeenAt, leaseEndsAt] = row;
    const [, , , , , , , status, renewals, channel, ip, clientId, endedAt, endReason, endCode] =
      row;
    const license = byIndex[at];
    if (license === undefined) throw new TypeError('a snapshot activation names no license');
    const activation: ActivationEntry = {
      activationId: id,
      licenseId: license.licenseId,
      fingerprint,
      commitment,
      activatedAt,
      lastSeenAt,
      leaseEndsAt,
      status: STATUSES[status]!,
      renewals,
      channel: CHANNELS[channel]!,
    };
    if (ip !== null) activation.ip = ip;
    if (clientId !== null) activation.clientId = clientId;
    if (endedAt !== null) activation.endedAt = endedAt;
    if (endReason !== null) activation.endReason = endReason;
    if (endCode !== null) activation.endCode = endCode;
    state.activations.set(id, activation);
    if (activation.status === 'active') license.active.add(id);
  }
  state.lastActivationId = j.lastActivationId;
  state.auditEvents = j.auditEvents;
  state.siteSequence = j.siteSequence;
  state.lastExport = j.lastExport;
  return state;
}
