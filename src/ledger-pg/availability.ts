// Whether a node can use its database: unavailable after a connection failure (or damage found),
// probing on a timer and when refused callers come by (at most once per interval), and available
// again once a probe succeeds; each change told as a ledger notice.

import type { AirlockError } from '../core/errors.ts';
import type { LedgerNotice } from '../ledger/ledger.ts';

export interface AvailabilityOptions {
  /** Unix ms. */
  readonly now: () => number;
  readonly intervalMs: number;
  readonly notify: (notice: LedgerNotice) => void;
  /** Resolves when the database can be used again (and the state is current). */
  readonly probe: () => Promise<void>;
  /** Keeps the probe visible to settle(). */
  readonly track: (work: Promise<void>) => Promise<void>;
}

export class Availability {
  available = true;
  /** Why it is unavailable (damage found stays the reason while probes fail). */
  failure: AirlockError | null = null;
  private probing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastProbeAt = 0;
  private closed = false;
  private readonly options: AvailabilityOptions;

  constructor(options: AvailabilityOptions) {
    this.options = options;
  }

  markUnavailable(error: AirlockError): void {
    if (error.code === 'LEDGER_CORRUPT') this.failure = error;
    if (!this.available) return;
    this.available = false;
    this.failure = error;
    this.lastProbeAt = this.options.now();
    this.options.notify({
      kind: 'unavailable',
      reason: String(error.details['reason'] ?? error.message),
    });
    this.schedule();
  }

  /** While unavailable, a refused caller may start a probe (at most one per interval). */
  maybeProbe(): void {
    if (this.probing !== null || this.options.now() - this.lastProbeAt < this.options.intervalMs) {
      return;
    }
    void this.probe();
  }

  /** Probes now (single flight); while available, a failure makes the node unavailable. */
  probe(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.probing !== null) return this.probing;
    this.lastProbeAt = this.options.now();
    this.probing = this.options.track(
      this.options
        .probe()
        .then(
          () => {
            if (this.available) return;
            this.available = true;
            this.failure = null;
            this.options.notify({ kind: 'available' });
          },
          (error: AirlockError) => {
            if (this.available) this.markUnavailable(error);
            else if (error.code === 'LEDGER_CORRUPT') this.failure = error;
            this.schedule();
          },
        )
        .finally(() => (this.probing = null)),
    );
    return this.probing;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed || this.timer !== null || this.available) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.probe();
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
