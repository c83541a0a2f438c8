// Ledger: where the hash chain stands, a full verification with progress, a checkpoint (snapshot)
// on demand, and the most recent events, newest first.

import { ApiError, getJson, postJson, postLines } from '../api.ts';
import { fromHex } from '../../../src/core/bytes.ts';
import { formatActivationId, formatId } from '../../../src/core/ids.ts';
import { runAction } from '../action.ts';
import { alertBox, facts, h, replace, table } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime } from '../format.ts';
import { session } from '../session.ts';
import type { Page } from './page.ts';

interface LedgerHead {
  readonly head: { readonly seq: number; readonly hash: string };
  /** Unix ms of the last durable record, or null for an empty ledger. */
  readonly lastRecordAt: number | null;
  readonly opened: { readonly snapshotSeq: number | null; readonly replayed: number };
  readonly available: boolean;
}

interface LedgerEvent {
  readonly seq: number;
  /** Milliseconds. */
  readonly at: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

interface VerifyResult {
  readonly ok: boolean;
  readonly records: number;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly firstBad?: { readonly file: string; readonly line: number; readonly reason: string };
}

const EVENTS_PAGE = 50;

/** Fields that are proofs or copies (hashes, commitments, whole keys): in the record, not the table. */
const HIDDEN = new Set(['at', 'challenge', 'commitment', 'key', 'sha256', 'hash', 'secret']);

/** One field as the rest of the console shows it: IDs with their prefixes. */
function fieldText(name: string, value: string | number | boolean): string {
  if (name === 'activationId' && typeof value === 'number') return formatActivationId(value);
  const hex = typeof value === 'string' ? fromHex(value) : undefined;
  if (name === 'licenseId' && hex?.length === 8) return formatId('license', hex);
  if (name === 'fingerprint' && hex?.length === 8) return formatId('fingerprint', hex);
  return String(value).slice(0, 40);
}

/** The few facts of an event worth a column: IDs and outcomes, not whole records. */
function eventSummary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(
      (entry): entry is [string, string | number | boolean] =>
        !HIDDEN.has(entry[0]) && ['string', 'number', 'boolean'].includes(typeof entry[1]),
    )
    .slice(0, 5)
    .map(([name, value]) => `${name}: ${fieldText(name, value)}`)
    .join(', ');
}

export const ledgerPage: Page = {
  title: 'Ledger',
  access: 'audit',
  render(main) {
    const head = h('div', { 'aria-live': 'polite' });
    const verifyArea = h('div', { 'aria-live': 'polite' });
    const checkpointArea = h('div', { 'aria-live': 'polite' });
    const events = h('div');
    const older = h('button', { type: 'button', class: 'secondary' }, 'Older events');
    let shownEvents: LedgerEvent[] = [];
    let before: number | null = null;

    async function loadHead(): Promise<void> {
      try {
        const l = await getJson<LedgerHead>('/ledger');
        replace(
          head,
          l.available
            ? null
            : alertBox(
                'error',
                'The ledger cannot be written (disk full or read-only?): activations are refused until it can.',
              ),
          facts([
            ['Records', String(l.head.seq)],
            ['Last record', l.lastRecordAt === null ? 'none yet' : dateTime(l.lastRecordAt / 1000)],
            ['Head hash', h('span', { class: 'mono' }, l.head.hash)],
            [
              'Last start-up',
              `${l.opened.snapshotSeq === null ? 'no snapshot' : `snapshot at record ${l.opened.snapshotSeq}`}, ${l.opened.replayed} records replayed`,
            ],
          ]),
        );
      } catch (error) {
        replace(head, alertBox('error', describeError(error)));
      }
    }

    async function loadEvents(append: boolean): Promise<void> {
      if (!append) {
        shownEvents = [];
        before = null;
      }
      try {
        const q = new URLSearchParams({ limit: String(EVENTS_PAGE) });
        if (before !== null) q.set('before', String(before));
        const page = await getJson<{ events: LedgerEvent[]; nextBefore: number | null }>(
          `/ledger/events?${q.toString()}`,
        );
        shownEvents = [...shownEvents, ...page.events];
        before = page.nextBefore;
        replace(
          events,
          table(
            'Recent ledger events',
            ['Record', 'Time', 'Event', 'Details'],
            shownEvents.map((e) => [
              String(e.seq),
              dateTime(e.at / 1000),
              h('span', { class: 'mono' }, e.type),
              eventSummary(e.data),
            ]),
          ),
          before === null ? null : older,
        );
      } catch (error) {
        replace(events, alertBox('error', describeError(error)));
      }
    }
    older.addEventListener('click', () => void loadEvents(true));

    const verifyButton = h('button', { type: 'button' }, 'Verify the ledger');
    verifyButton.addEventListener('click', () =>
      runAction(verifyButton, verifyArea, async () => {
        const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Verification progress' });
        const label = h('p', { class: 'hint' }, 'Reading the journal…');
        replace(verifyArea, bar, label);
        let result: VerifyResult | undefined;
        await postLines('/ledger/verify', (line) => {
          const progress = line['progress'] as { done: number; total: number } | undefined;
          if (progress !== undefined) {
            bar.value = progress.total === 0 ? 1 : progress.done / progress.total;
            label.textContent = `Read ${(progress.done / 1048576).toFixed(1)} of ${(progress.total / 1048576).toFixed(1)} MiB…`;
          }
          if (line['result'] !== undefined) result = line['result'] as VerifyResult;
          // A failure after the answer began comes as a line of its own.
          const failed = line['error'] as { code: string; message: string } | undefined;
          if (failed !== undefined) throw new ApiError(failed.code, failed.message, 200);
        });
        if (result === undefined) throw new Error('verification ended without a result');
        const r = result;
        replace(
          verifyArea,
          r.ok
            ? alertBox(
                'ok',
                `The ledger verifies: ${r.records} records, every checksum and the hash chain intact.`,
              )
            : alertBox(
                'error',
                `The ledger does NOT verify: after ${r.records} good records, ${r.firstBad ? `${r.firstBad.file} line ${r.firstBad.line} is bad (${r.firstBad.reason})` : 'a record is bad'}. Keep the data directory as it is and restore from a backup.`,
              ),
          facts([
            ['Last good record', String(r.lastSeq)],
            ['Its hash', h('span', { class: 'mono' }, r.lastHash)],
          ]),
        );
      }),
    );

    const checkpointButton = h(
      'button',
      { type: 'button', class: 'secondary' },
      'Write a checkpoint',
    );
    checkpointButton.addEventListener('click', () =>
      runAction(checkpointButton, checkpointArea, async () => {
        const c = await postJson<{ seq: number; hash: string; at: number }>(
          '/ledger/checkpoint',
          {},
        );
        replace(
          checkpointArea,
          alertBox(
            'ok',
            `Checkpoint written at record ${c.seq}: the next start-up replays only what follows it.`,
          ),
          facts([['Hash', h('span', { class: 'mono' }, c.hash)]]),
        );
        void loadHead();
      }),
    );

    replace(
      main,
      h('h1', {}, 'Ledger'),
      head,
      h(
        'div',
        { class: 'split' },
        h(
          'section',
          { class: 'panel' },
          h('h2', {}, 'Verify'),
          h(
            'p',
            { class: 'hint' },
            'Reads every record and checks its checksum and the hash chain, as `airlock ledger verify` does. The appliance keeps answering meanwhile.',
          ),
          verifyButton,
          verifyArea,
        ),
        !session.can('admin')
          ? null
          : h(
              'section',
              { class: 'panel' },
              h('h2', {}, 'Checkpoint'),
              h(
                'p',
                { class: 'hint' },
                'Writes a snapshot of the state now, so a restart reads it instead of replaying the journal.',
              ),
              checkpointButton,
              checkpointArea,
            ),
      ),
      h('h2', {}, 'Recent events'),
      events,
    );
    void loadHead();
    void loadEvents(false);
  },
};
