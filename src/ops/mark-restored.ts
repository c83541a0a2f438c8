// `airlock ledger mark-restored`: what `airlock restore` records in a file ledger, for a ledger
// that PostgreSQL's own tools put back from an older dump. The nodes went on after the dump and
// handed out activation IDs and site bundle sequences that machines hold but the database lost;
// one `appliance.restored` record moves both counters past what they can have issued since
// (counters.ts), appended through the ledger like any other record. docs/OPERATIONS.md.

import { type RestoreJump, restoreJump } from '../appliance/counters.ts';
import type { ApplianceEvents } from '../appliance/events.ts';
import type { ApplianceState } from '../appliance/state.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { ChainHead } from '../ledger/record.ts';

export interface MarkRestoredOptions {
  /** Unix seconds: now. */
  readonly now: number;
  readonly airlockVersion: string;
  /**
   * Unix seconds: when the dump was taken. Default: the time of the ledger's last record, which is
   * no later than the dump, so the counters jump at least as far as they must.
   */
  readonly dumpTakenAt?: number | undefined;
}

export interface MarkedRestored extends RestoreJump {
  /** The record appended. */
  readonly head: ChainHead;
  /** The time the jump counts from, and where the ledger stood (the record before this one). */
  readonly since: number;
  readonly after: ChainHead;
}

export async function markLedgerRestored(
  ledger: Ledger<ApplianceState>,
  options: MarkRestoredOptions,
): Promise<MarkedRestored> {
  const { now } = options;
  await ledger.refresh();
  const newest = (await ledger.recent({ limit: 1 })).records[0];
  const taken = options.dumpTakenAt ?? (newest === undefined ? now : Math.floor(newest.at / 1000));
  const since = Math.min(taken, now); // a clock behind the dump's: no time term, the fixed jump
  const marked = await ledger.transact(() => {
    // In the writers' turn: the state and head are the database's latest.
    const after = { seq: ledger.head.seq, hash: ledger.head.hash };
    const jump = restoreJump(ledger.state, since, now);
    const event: ApplianceEvents['appliance.restored'] = {
      at: now,
      backup: { createdAt: since, seq: after.seq, hash: after.hash },
      elapsed: jump.elapsed,
      lastActivationId: jump.lastActivationId,
      siteSequence: jump.siteSequence,
      airlockVersion: options.airlockVersion,
    };
    void ledger.append('appliance.restored', event, now * 1000);
    return { ...jump, after, head: { seq: ledger.head.seq, hash: ledger.head.hash } };
  });
  return { ...marked, since };
}
