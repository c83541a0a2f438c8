// When an activation asks to be renewed (docs/SDK.md "Leases and renewal"): inside a window before
// its lease ends — by default the last quarter of the lease granted, at most 7 days — so that a
// site re-challenges while the activation still works, and long before its grace period runs out.

import type { OpenedActivation } from './activation.ts';

/** The default window's ceiling: the window of every lease of 28 days or more. */
export const DEFAULT_RENEW_WITHIN_SECONDS = 7 * 86400;

export interface Renewal {
  /** true from `dueAt` on: make a new challenge for the license (or `activate` online). */
  readonly due: boolean;
  /** Unix seconds: the lease end less the window; null when the activation has no lease end. */
  readonly dueAt: number | null;
  /** The window in seconds; null when the activation has no lease end. */
  readonly windowSeconds: number | null;
}

export const NO_RENEWAL: Renewal = { due: false, dueAt: null, windowSeconds: null };

/**
 * The window for a lease of `leaseSeconds`: `renewWithinSeconds` when the caller chose one, else a
 * quarter of the lease, at most 7 days. A quarter keeps short leases (hours, for floating seats)
 * from asking for renewal the moment they are granted; 7 days is a week of notice for long ones.
 */
export function renewalWindow(leaseSeconds: number, renewWithinSeconds?: number): number {
  return renewWithinSeconds ?? Math.min(DEFAULT_RENEW_WITHIN_SECONDS, Math.floor(leaseSeconds / 4));
}

/**
 * The renewal facts of an activation at `now`. The window is taken of the lease granted (§9.1),
 * so a lease cut short by the license's expiry asks for renewal in its own last quarter.
 */
export function renewalOf(a: OpenedActivation, now: number, renewWithinSeconds?: number): Renewal {
  if (a.leaseEndsAt === null) return NO_RENEWAL;
  const windowSeconds = renewalWindow(a.response.leaseSeconds, renewWithinSeconds);
  const dueAt = a.leaseEndsAt - windowSeconds;
  return { due: now >= dueAt, dueAt, windowSeconds };
}
