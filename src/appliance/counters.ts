// The numbers an appliance hands out in order from its ledger's state: activation IDs and site
// bundle sequences, both u32 on the wire (docs/FORMATS.md §3.3 and §11). The next of each, refused
// once the range is used up, and how far a restore moves them (docs/OPERATIONS.md, airlock restore).

import { dateOf } from '../core/dates.ts';
import { AirlockError } from '../core/errors.ts';
import { formatActivationId } from '../core/ids.ts';

/** The largest activation ID and bundle sequence (u32; neither is ever 0). */
export const U32_MAX = 0xffff_ffff;

/**
 * How far a restore moves each counter past the backup's: a fixed allowance plus so many for each
 * second since the backup was taken. The appliance the backup replaces went on after the backup;
 * what it handed out is lost with it, and must not be handed out again (a second machine with the
 * same activation ID; a site bundle with a sequence machines already hold, which they skip).
 *
 * - Activation IDs: 2^20 (1 048 576) plus one a second (86 400 a day). Only a machine new to a
 *   license takes an ID (a renewal keeps its own, deactivations are limited per license); an
 *   appliance giving a new machine an ID every second, day and night, is far beyond any site it
 *   serves, and the 2^20 covers a burst on top. Ten years since the backup come to 316 million:
 *   7 % of the u32 range, so an appliance can be restored many times over.
 * - Site bundle sequences: 10 000 plus one a minute. A sequence is taken by each `sync export`,
 *   made by a person with a USB stick or a scheduled job; once a minute is more than either does.
 *   Ten years: 5.3 million, a tenth of a percent of the range.
 *
 * The time term also gives two restores of one backup their own jumps: a copy restored later lands
 * past what a copy restored earlier can have handed out in between, at the same rates.
 */
export const RESTORE_JUMP = {
  activationIds: { fixed: 2 ** 20, perSecond: 1 },
  siteSequences: { fixed: 10_000, perSecond: 1 / 60 },
} as const;

/** The last value handed out, before and after a restore's jump. */
export interface CounterJump {
  readonly from: number;
  readonly to: number;
}

export interface RestoreJump {
  /** Seconds from the backup to the restore by the restoring host's clock (0 if it says earlier). */
  readonly elapsed: number;
  readonly lastActivationId: CounterJump;
  readonly siteSequence: CounterJump;
}

export interface Counters {
  readonly lastActivationId: number;
  readonly siteSequence: number;
}

function exhausted(message: string, details: Record<string, string | number>): AirlockError {
  return new AirlockError('COUNTER_EXHAUSTED', message, details);
}

/** The activation ID a new activation takes. */
export function nextActivationId(counters: Counters): number {
  if (counters.lastActivationId >= U32_MAX) {
    throw exhausted(
      `This appliance has handed out every activation ID (the last is ${formatActivationId(U32_MAX)}): it cannot activate another machine. Set up a new appliance (\`airlock appliance init\`, with its own certificate) for new activations.`,
      { counter: 'activation', last: counters.lastActivationId },
    );
  }
  return counters.lastActivationId + 1;
}

/** The sequence of the next site bundle. */
export function nextSiteSequence(counters: Counters): number {
  if (counters.siteSequence >= U32_MAX) {
    throw exhausted(
      `This appliance has exported its last possible site bundle (sequence ${U32_MAX}): machines would skip any other. Set up a new appliance (\`airlock appliance init\`, with its own certificate) to sign site bundles.`,
      { counter: 'site-sequence', last: counters.siteSequence },
    );
  }
  return counters.siteSequence + 1;
}

/**
 * Where a restore moves the counters of a ledger that stands at `counters`, for a backup taken at
 * `backupCreatedAt` and restored at `now` (Unix seconds). A jump that would leave no value to hand
 * out is refused (COUNTER_EXHAUSTED): it never wraps round to values issued before.
 */
export function restoreJump(counters: Counters, backupCreatedAt: number, now: number): RestoreJump {
  for (const n of [counters.lastActivationId, counters.siteSequence, backupCreatedAt, now]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError('counters and times are whole');
  }
  const elapsed = Math.max(0, now - backupCreatedAt);
  const jump = (from: number, rule: { fixed: number; perSecond: number }) => ({
    from,
    to: from + rule.fixed + Math.floor(elapsed * rule.perSecond),
  });
  const lastActivationId = jump(counters.lastActivationId, RESTORE_JUMP.activationIds);
  const siteSequence = jump(counters.siteSequence, RESTORE_JUMP.siteSequences);
  const since = `the backup was taken on ${dateOf(backupCreatedAt)} and this host's clock says ${dateOf(now)}`;
  if (lastActivationId.to >= U32_MAX) {
    throw exhausted(
      `Restoring this backup would move activation IDs past the last one there is (${formatActivationId(U32_MAX)}): its ledger has handed out IDs up to ${formatActivationId(counters.lastActivationId)}, and ${since}. Nothing was restored. If the clock is wrong, correct it; otherwise set up a new appliance (\`airlock appliance init\`, with its own certificate).`,
      { counter: 'activation', last: counters.lastActivationId, elapsed },
    );
  }
  if (siteSequence.to >= U32_MAX) {
    throw exhausted(
      `Restoring this backup would move site bundle sequences past the last one there is (${U32_MAX}): its ledger has exported bundle ${counters.siteSequence}, and ${since}. Nothing was restored. If the clock is wrong, correct it; otherwise set up a new appliance (\`airlock appliance init\`, with its own certificate).`,
      { counter: 'site-sequence', last: counters.siteSequence, elapsed },
    );
  }
  return { elapsed, lastActivationId, siteSequence };
}
