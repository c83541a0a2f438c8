// Suspicious patterns, noticed as they happen: many new machines on one license in a short time
// (a leaked key), many refusals from one address (someone guessing), and a challenge for a product
// outside the appliance certificate's scope (a client pointed at the wrong appliance, or probing).
// Pure: observations in, alerts out; the time is each observation's.

export type AlertKind = 'many-machines' | 'many-refusals' | 'out-of-scope';

export interface Alert {
  readonly kind: AlertKind;
  /** Unix seconds. */
  readonly at: number;
  /** What it is about: a license ID (lic_…) or a client address. */
  readonly subject: string;
  readonly message: string;
}

export type Observation =
  | { readonly kind: 'granted'; readonly at: number; readonly licenseId: string }
  | {
      readonly kind: 'refused';
      readonly at: number;
      readonly address: string;
      readonly code: string;
    };

export interface AlertThresholds {
  /** New machines on one license within `machineWindowSeconds` (default 20 in 10 minutes). */
  readonly machines: number;
  readonly machineWindowSeconds: number;
  /** Refusals to one address within `refusalWindowSeconds` (default 30 in 5 minutes). */
  readonly refusals: number;
  readonly refusalWindowSeconds: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  machines: 20,
  machineWindowSeconds: 600,
  refusals: 30,
  refusalWindowSeconds: 300,
};

/** Subjects followed at once; beyond this the oldest are forgotten (memory stays bounded). */
const MAX_SUBJECTS = 10_000;

export interface AlertDetector {
  /** The alerts this observation raises (at most one per kind and subject per window). */
  observe(observation: Observation): Alert[];
}

/** Times per subject within a window, and when each subject last raised its alert. */
class Window {
  private readonly times = new Map<string, number[]>();
  private readonly raised = new Map<string, number>();
  private readonly limit: number;
  private readonly seconds: number;

  constructor(limit: number, seconds: number) {
    this.limit = limit;
    this.seconds = seconds;
  }

  /** Counts one more; true when the count reaches the limit and no alert was raised this window. */
  add(subject: string, at: number): boolean {
    const kept = (this.times.get(subject) ?? []).filter((t) => at - t < this.seconds);
    kept.push(at);
    this.times.delete(subject);
    this.times.set(subject, kept.slice(-this.limit));
    if (this.times.size > MAX_SUBJECTS) this.times.delete(this.times.keys().next().value!);
    if (kept.length < this.limit) return false;
    const last = this.raised.get(subject);
    if (last !== undefined && at - last < this.seconds) return false;
    this.raised.set(subject, at);
    if (this.raised.size > MAX_SUBJECTS) this.raised.delete(this.raised.keys().next().value!);
    return true;
  }
}

export function createAlertDetector(
  thresholds: AlertThresholds = DEFAULT_ALERT_THRESHOLDS,
): AlertDetector {
  const machines = new Window(thresholds.machines, thresholds.machineWindowSeconds);
  const refusals = new Window(thresholds.refusals, thresholds.refusalWindowSeconds);
  const minutes = (s: number) => Math.round(s / 60);

  return {
    observe(o) {
      const alerts: Alert[] = [];
      if (o.kind === 'granted' && machines.add(o.licenseId, o.at)) {
        alerts.push({
          kind: 'many-machines',
          at: o.at,
          subject: o.licenseId,
          message: `${thresholds.machines} new machines activated license ${o.licenseId} within ${minutes(thresholds.machineWindowSeconds)} minutes: has its key leaked? Check its activations; revoke the license or the machines that should not have it.`,
        });
      }
      if (o.kind === 'refused') {
        if (o.code === 'CERTIFICATE_SCOPE') {
          alerts.push({
            kind: 'out-of-scope',
            at: o.at,
            subject: o.address,
            message: `${o.address} asked for an activation of a product this appliance's certificate does not cover: a client pointed at the wrong appliance, or someone probing.`,
          });
        }
        if (refusals.add(o.address, o.at)) {
          alerts.push({
            kind: 'many-refusals',
            at: o.at,
            subject: o.address,
            message: `${thresholds.refusals} requests from ${o.address} were refused within ${minutes(thresholds.refusalWindowSeconds)} minutes (last: ${o.code}): someone guessing tokens, passwords or codes?`,
          });
        }
      }
      return alerts;
    },
  };
}
