// The audit trail for admins and auditors: GET /audit pages backwards through the ledger's `audit`
// records (admin actions, refusals, alerts), GET /alerts lists the alerts raised since start-up.

import type { LedgerRecord } from '../../ledger/index.ts';
import type { AuditTrail } from '../audit.ts';
import { optional, parseQuery, parseWholeNumber } from '../fields.ts';
import type { Route } from '../route.ts';
import { type LedgerAdmin, requireLedger } from './ledger.ts';

const DEFAULT_ENTRIES = 50;
const MAX_ENTRIES = 500;
/** Records looked through per request at most, so one request never reads a whole large journal. */
const SCAN_LIMIT = 20_000;
const PAGE = 1000;

export function auditRoutes(ledger: LedgerAdmin | undefined, trail: AuditTrail): Route[] {
  return [
    {
      method: 'GET',
      path: '/audit',
      access: 'audit',
      async handle(ctx) {
        const file = requireLedger(ledger);
        const q = parseQuery(ctx.query, { limit: optional(4), before: optional(16) });
        const limit =
          q.limit === undefined
            ? DEFAULT_ENTRIES
            : parseWholeNumber(q.limit, 'limit', { min: 1, max: MAX_ENTRIES });
        let before =
          q.before === undefined
            ? undefined
            : parseWholeNumber(q.before, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER });
        const entries: LedgerRecord[] = [];
        let scanned = 0;
        let more = true;
        while (entries.length < limit && scanned < SCAN_LIMIT && more) {
          const page = await file.recent({
            limit: PAGE,
            ...(before === undefined ? {} : { before }),
          });
          for (const record of page.records) {
            before = record.seq;
            scanned++;
            if (record.type === 'audit') entries.push(record);
            if (entries.length === limit) break;
          }
          more = page.nextBefore !== null && page.records.length > 0;
        }
        const done = !more && (entries.length < limit || before === 1);
        ctx.body = {
          entries: entries.map((r) => ({ seq: r.seq, ...r.data })),
          nextBefore: done || before === undefined || before <= 1 ? null : before,
        };
      },
    },
    {
      method: 'GET',
      path: '/alerts',
      access: 'audit',
      handle(ctx) {
        ctx.body = { alerts: trail.alerts() };
      },
    },
  ];
}
