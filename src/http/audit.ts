// The HTTP API's audit trail: every admin action and every refusal, with who (user or token), what
// (method and path), from where (address) and the result, appended to the ledger's hash chain as
// `audit` events; and the alerts of src/appliance/alerts.ts, which are recorded, logged and kept
// for GET /alerts. Recording never delays or fails the answer it describes.

import type { Appliance } from '../appliance/appliance.ts';
import { type Alert, type AlertDetector, createAlertDetector } from '../appliance/alerts.ts';
import type { ApplianceEvents } from '../appliance/events.ts';
import type { ParameterizedContext } from 'koa';
import type { HttpState } from './route.ts';

/** Any answer of the app, routed or not (a 404 never reached the router's context). */
type AnyContext = ParameterizedContext<HttpState>;

/** Refusals recorded one by one per address and minute; beyond, they are counted (a flood cannot fill the disk). */
const REFUSALS_PER_MINUTE = 60;
const KEPT_ALERTS = 200;
const MAX_ADDRESSES = 10_000;

export interface AuditTrail {
  /** Called once the answer is decided; `code` is the refusal's error code, if any. */
  record(ctx: AnyContext, code: string | undefined): void;
  /** The alerts raised since the server started, newest first. */
  alerts(): readonly Alert[];
}

export interface AuditOptions {
  readonly appliance: Pick<Appliance, 'audit'>;
  readonly clock: () => number;
  readonly log: (message: string, error: unknown) => void;
  readonly detector?: AlertDetector;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function actorOf(ctx: AnyContext): string {
  const auth = ctx.state.auth;
  if (auth === undefined) return 'anonymous';
  return auth.via === 'session' ? `user:${auth.id}` : `token:${auth.id}`;
}

function detailOf(ctx: AnyContext, suppressed: number): { detail?: string } {
  const parts = [
    ...(ctx.state.auditDetail === undefined ? [] : [ctx.state.auditDetail.slice(0, 200)]),
    ...(suppressed === 0
      ? []
      : [
          `${suppressed} more refusals from this address in the minute before were counted, not recorded`,
        ]),
  ];
  return parts.length === 0 ? {} : { detail: parts.join('; ') };
}

export function createAuditTrail(options: AuditOptions): AuditTrail {
  const { appliance, clock, log } = options;
  const detector = options.detector ?? createAlertDetector();
  const recent: Alert[] = [];
  const budget = new Map<string, { minute: number; count: number; suppressed: number }>();

  function write(entry: Omit<ApplianceEvents['audit'], 'at'>): void {
    appliance.audit(entry).catch((error: unknown) => {
      // A ledger that cannot write refuses everything else too, and says so in the log.
      if ((error as { code?: string }).code !== 'LEDGER_UNAVAILABLE') {
        log('an audit record could not be written', error);
      }
    });
  }

  /** Whether this address may have one more refusal recorded this minute; counts those it may not. */
  function allowed(address: string, now: number): { ok: boolean; suppressed: number } {
    const minute = Math.floor(now / 60);
    let entry = budget.get(address);
    if (entry === undefined || entry.minute !== minute) {
      const suppressed = entry?.suppressed ?? 0;
      entry = { minute, count: 0, suppressed: 0 };
      budget.delete(address);
      budget.set(address, entry);
      if (budget.size > MAX_ADDRESSES) budget.delete(budget.keys().next().value!);
      entry.count++;
      return { ok: true, suppressed };
    }
    if (entry.count >= REFUSALS_PER_MINUTE) {
      entry.suppressed++;
      return { ok: false, suppressed: 0 };
    }
    entry.count++;
    return { ok: true, suppressed: 0 };
  }

  function raise(alerts: readonly Alert[], ip: string): void {
    for (const alert of alerts) {
      recent.unshift(alert);
      recent.length = Math.min(recent.length, KEPT_ALERTS);
      log(`alert ${alert.kind}: ${alert.message}`, undefined);
      write({
        action: `alert:${alert.kind}`,
        result: 'alert',
        detail: alert.message.slice(0, 500),
        ip,
      });
    }
  }

  return {
    alerts: () => recent,
    record(ctx, code) {
      const now = clock();
      const status = ctx.status;
      const action = `${ctx.method} ${ctx.path.slice(0, 200)}`;
      if (status >= 400) {
        raise(
          detector.observe({
            kind: 'refused',
            at: now,
            address: ctx.ip,
            code: code ?? `HTTP_${status}`,
          }),
          ctx.ip,
        );
        const { ok, suppressed } = allowed(ctx.ip, now);
        if (!ok) return;
        write({
          action,
          result: 'refused',
          actor: actorOf(ctx),
          status,
          ...(code === undefined ? {} : { code }),
          ...detailOf(ctx, suppressed),
          ip: ctx.ip,
        });
        return;
      }
      const body = ctx.body as { licenseId?: unknown; renewal?: unknown } | undefined;
      if (body?.renewal === false && typeof body.licenseId === 'string') {
        raise(detector.observe({ kind: 'granted', at: now, licenseId: body.licenseId }), ctx.ip);
      }
      // Changes by admins, and every sign-in and sign-out, are the trail's "ok" entries;
      // activations by operators are already events of their own.
      const signing = ctx.path.startsWith('/api/v1/auth/');
      if (SAFE_METHODS.has(ctx.method) || (ctx.state.auth?.role !== 'admin' && !signing)) return;
      write({ action, result: 'ok', actor: actorOf(ctx), status, ...detailOf(ctx, 0), ip: ctx.ip });
    },
  };
}
