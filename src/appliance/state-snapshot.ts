// The appliance state as plain JSON for ledger snapshots, and back.

import {
  type ActivationEntry,
  type ApplianceState,
  emptyApplianceState,
  type LicenseEntry,
} from './state.ts';

interface SnapshotJson {
  licenses: (Omit<LicenseEntry, 'active'> & { active: number[] })[];
  activations: ActivationEntry[];
  lastActivationId: number;
  auditEvents: number;
  siteSequence?: number;
  lastExport?: ApplianceState['lastExport'];
}

export function serialiseState(state: ApplianceState): SnapshotJson {
  return {
    licenses: [...state.licenses.values()].map((l) => ({ ...l, active: [...l.active] })),
    activations: [...state.activations.values()],
    lastActivationId: state.lastActivationId,
    auditEvents: state.auditEvents,
    siteSequence: state.siteSequence,
    lastExport: state.lastExport,
  };
}

export function deserialiseState(json: unknown): ApplianceState {
  const j = json as SnapshotJson;
  if (!j || !Array.isArray(j.licenses) || !Array.isArray(j.activations)) {
    throw new TypeError('not an appliance state snapshot');
  }
  const state = emptyApplianceState();
  for (const l of j.licenses) {
    state.licenses.set(l.licenseId, {
      ...l,
      active: new Set(l.active),
      revocations: l.revocations ?? [], // absent from snapshots of earlier versions
      barred: l.barred ?? [],
    });
    if (l.held !== undefined) state.heldKeys.set(l.held, l.licenseId);
  }
  for (const a of j.activations) state.activations.set(a.activationId, { ...a });
  state.lastActivationId = j.lastActivationId;
  state.auditEvents = j.auditEvents;
  state.siteSequence = j.siteSequence ?? 0;
  state.lastExport = j.lastExport ?? null;
  return state;
}
