// The ledger for administrators: where its hash chain stands, its newest records page by page, a
// full verification streamed as JSON lines, and a snapshot written on demand.

import { shownEventData } from '../../appliance/events.ts';
import type { Ledger } from '../../ledger/index.ts';
import { HttpError } from '../errors.ts';
import { optional, parseQuery, parseWholeNumber } from '../fields.ts';
import type { Route } from '../route.ts';
import { verifyStream } from '../verify-stream.ts';

/** What the API uses of the file ledger (src/ledger/ledger.ts satisfies it). */
export type LedgerAdmin = Pick<
  Ledger<unknown>,
  'available' | 'head' | 'opened' | 'recent' | 'verify' | 'checkpoint'
>;

export const DEFAULT_EVENTS = 50;
export const MAX_EVENTS = 500;

export interface LedgerRouteOptions {
  readonly log: (message: string, error: unknown) => void;
  /** A monotonic clock in ms, for thinning verification progress (default performance.now). */
  readonly nowMs?: () => number;
}

/** The file ledger, or LEDGER_IN_MEMORY for a server that keeps its ledger in memory. */
export function requireLedger(ledger: LedgerAdmin | undefined): LedgerAdmin {
  if (ledger === undefined) {
    throw new HttpError(
      'LEDGER_IN_MEMORY',
      'This server keeps its ledger in memory (a test or embedded setup): it has no journal to read, verify or checkpoint.',
    );
  }
  return ledger;
}

export function ledgerRoutes(
  ledger: LedgerAdmin | undefined,
  options: LedgerRouteOptions,
): Route[] {
  /** One verification at a time: each reads the whole journal. */
  let verifying = false;

  const fileLedger = () => requireLedger(ledger);

  return [
    {
      method: 'GET',
      path: '/ledger',
      access: 'audit',
      async handle(ctx) {
        const l = fileLedger();
        const newest = await l.recent({ limit: 1 });
        ctx.body = {
          head: { seq: l.head.seq, hash: l.head.hash },
          lastRecordAt: newest.records[0]?.at ?? null,
          opened: l.opened,
          available: l.available,
        };
      },
    },
    {
      method: 'GET',
      path: '/ledger/events',
      access: 'audit',
      async handle(ctx) {
        const l = fileLedger();
        const q = parseQuery(ctx.query, { limit: optional(8), before: optional(16) });
        const limit =
          q.limit === undefined
            ? DEFAULT_EVENTS
            : parseWholeNumber(q.limit, 'limit', { min: 1, max: MAX_EVENTS });
        const before =
          q.before === undefined
            ? undefined
            : parseWholeNumber(q.before, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER });
        const page = await l.recent({ limit, ...(before === undefined ? {} : { before }) });
        ctx.body = {
          events: page.records.map((r) => ({
            seq: r.seq,
            at: r.at,
            type: r.type,
            data: shownEventData(r.type, r.data),
          })),
          nextBefore: page.nextBefore,
        };
      },
    },
    {
      method: 'POST',
      path: '/ledger/verify',
      access: 'audit',
      handle(ctx) {
        const l = fileLedger();
        if (verifying) {
          throw new HttpError(
            'VERIFY_RUNNING',
            'The ledger is being verified already (one verification at a time); wait for its result.',
          );
        }
        verifying = true;
        const { stream, done } = verifyStream((onProgress) => l.verify({ onProgress }), options);
        void done.finally(() => (verifying = false));
        ctx.type = 'application/x-ndjson';
        ctx.body = stream;
      },
    },
    {
      method: 'POST',
      path: '/ledger/checkpoint',
      access: 'admin',
      async handle(ctx) {
        ctx.body = await fileLedger().checkpoint();
      },
    },
  ];
}
