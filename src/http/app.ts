// The appliance's HTTP API (Koa): security headers, one error middleware, then /api/v1 routes,
// each behind its guards (token and role, rate limit). Returns the Koa app; whoever serves it
// mounts app.callback() on a server (src/http/server.ts, or a test's 127.0.0.1:0).

import Router from '@koa/router';
import Koa from 'koa';
import type { Appliance } from '../appliance/appliance.ts';
import type { TokenBook } from '../appliance/tokens.ts';
import type { UserBook } from '../appliance/users.ts';
import { createAuditTrail } from './audit.ts';
import { createGuards } from './auth.ts';
import { type ConsoleAssets, consoleMiddleware } from './console.ts';
import { HttpError, renderError } from './errors.ts';
import { SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from './security-headers.ts';
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.ts';
import type { HttpContext, HttpMiddleware, HttpState, Route } from './route.ts';
import { activationRoutes } from './routes/activations.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes, type LedgerHealth } from './routes/health.ts';
import { type LedgerAdmin, ledgerRoutes } from './routes/ledger.ts';
import { licenseRoutes } from './routes/licenses.ts';
import { offlineRoutes } from './routes/offline.ts';
import { onlineRoutes } from './routes/online.ts';
import { openapiRoutes } from './routes/openapi.ts';
import { sessionRoutes } from './routes/session.ts';
import { syncRoutes } from './routes/sync.ts';
import { userRoutes } from './routes/users.ts';
import { createSessionStore, DEFAULT_SESSION_LIMITS, type SessionLimits } from './sessions.ts';
import { createSignInThrottle } from './sign-in-throttle.ts';

export const API_PREFIX = '/api/v1';

export interface HttpAppOptions {
  readonly appliance: Appliance;
  readonly tokens: TokenBook;
  /** The console's users (DATA/users.json). */
  readonly users: UserBook;
  /** Console session time-outs (default DEFAULT_SESSION_LIMITS). */
  readonly sessionLimits?: SessionLimits;
  /** Unix seconds: token expiry, validation, rate-limit refills. */
  readonly clock: () => number;
  readonly rateLimit?: RateLimitOptions;
  /** Trust X-Forwarded-For for the client address (only behind a reverse proxy). */
  readonly proxy?: boolean;
  /** Where 5xx errors and unexpected exceptions go, in full; clients never see them. */
  readonly log?: (message: string, error: unknown) => void;
  /** How often, at most, the tokens file is checked for changes (default 1000 ms). */
  readonly tokenReloadMs?: number;
  /** The operator console's files, served at / (undefined: not built, / says how to build it). */
  readonly console?: { readonly assets: ConsoleAssets | undefined };
  /**
   * The ledger (file or PostgreSQL): its health for readiness (a ledger that cannot write makes
   * the appliance unready) and the admin's /ledger endpoints. Without it those answer
   * LEDGER_IN_MEMORY. A PostgreSQL ledger's `database` is shown and probed by readiness.
   */
  readonly ledger?: LedgerAdmin & LedgerHealth;
}

const defaultLog = (message: string, error: unknown) => console.error(`airlock: ${message}`, error);

export function createHttpApp(options: HttpAppOptions): Koa<HttpState> {
  const { appliance, clock } = options;
  const log = options.log ?? defaultLog;
  const app = new Koa<HttpState>({ proxy: options.proxy ?? false });
  app.silent = true;
  // Failures after the response has started (a client that went away) reach only the log.
  app.on('error', (error: unknown) => log('response failed', error));

  const limiter = createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, clock);
  const audit = createAuditTrail({ appliance, clock, log });
  const sessionLimits = options.sessionLimits ?? DEFAULT_SESSION_LIMITS;
  const sessions = createSessionStore(sessionLimits);
  const guard = createGuards({
    tokens: options.tokens,
    users: options.users,
    sessions,
    clock,
    log,
    ...(options.tokenReloadMs === undefined ? {} : { reloadIntervalMs: options.tokenReloadMs }),
  });
  const limit: HttpMiddleware = async (ctx, next) => {
    const decision = limiter.take(ctx.ip);
    if (!decision.allowed) {
      throw new HttpError(
        'RATE_LIMITED',
        `Too many activation requests from this address; try again in ${decision.retryAfter} s.`,
        { 'Retry-After': String(decision.retryAfter) },
      );
    }
    await next();
  };

  const routes: Route[] = [
    ...offlineRoutes(appliance),
    ...onlineRoutes(appliance),
    ...licenseRoutes(appliance),
    ...activationRoutes(appliance),
    ...syncRoutes(appliance),
    ...ledgerRoutes(options.ledger, { log }),
    ...auditRoutes(options.ledger, audit),
    ...sessionRoutes(appliance, sessions, sessionLimits, clock),
    ...authRoutes({
      users: options.users,
      sessions,
      limits: sessionLimits,
      throttle: createSignInThrottle(),
      clock,
    }),
    ...userRoutes({ users: options.users, tokens: options.tokens, sessions, clock }),
    ...healthRoutes(appliance, clock, options.ledger),
    ...openapiRoutes(),
  ];
  const router = new Router<HttpState>({ prefix: API_PREFIX });
  for (const route of routes) {
    const handler: HttpMiddleware = async (ctx: HttpContext) => {
      await route.handle(ctx);
    };
    router.register(
      route.path,
      [route.method],
      [
        ...(route.access === 'public' ? [] : [guard(route.access)]),
        ...(route.limited ? [limit] : []),
        handler,
      ],
    );
  }

  app.use(async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    // Over HTTPS, or behind a TLS proxy that says so (X-Forwarded-Proto, trusted with `proxy`).
    if (ctx.secure) ctx.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    let code: string | undefined;
    try {
      await next();
      if (ctx.body === undefined && ctx.status === 404) throw notRouted(router, ctx.path);
    } catch (error) {
      const rendered = renderError(error);
      if (rendered.log) log(`${ctx.method} ${ctx.path} failed`, error);
      ctx.set(rendered.headers);
      ctx.status = rendered.status;
      ctx.body = rendered.body;
      code = rendered.body.error.code;
    }
    audit.record(ctx, code);
  });
  if (options.console !== undefined) app.use(consoleMiddleware(options.console.assets));
  // Nodes sharing a ledger database answer from its latest records (the probes answer regardless).
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith(API_PREFIX) && !PROBES.has(ctx.path)) await appliance.refresh();
    await next();
  });
  app.use(router.routes());
  return app;
}

const PROBES = new Set([`${API_PREFIX}/health`, `${API_PREFIX}/ready`]);

/** 405 with the methods the path has, or 404 when no route has the path. */
function notRouted(router: Router<HttpState>, path: string): HttpError {
  const shown = path.slice(0, 200);
  const methods = new Set(router.match(path, 'GET').path.flatMap((layer) => layer.methods));
  if (methods.size === 0) return new HttpError('NOT_FOUND', `There is no endpoint ${shown}.`);
  const allow = [...methods].sort().join(', ');
  return new HttpError('METHOD_NOT_ALLOWED', `The endpoint ${shown} accepts ${allow}.`, {
    Allow: allow,
  });
}
