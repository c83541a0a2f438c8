// Who is calling, and may they: an API token (Authorization: Bearer, for automation) or a console
// session (its cookie, plus the CSRF token on every change). 401 without either, 403 for a role
// the endpoint does not admit or a change without the session's CSRF token. The tokens and users
// files are re-read (when they changed) at most once a second, so `airlock token revoke` or
// `airlock user remove` take effect on a running server without a restart.

import { authenticate, type TokenBook } from '../appliance/tokens.ts';
import type { UserBook } from '../appliance/users.ts';
import { HttpError } from './errors.ts';
import { ACCESS_ROLES, type Access, type Caller, type HttpMiddleware } from './route.ts';
import { CSRF_HEADER, csrfMatches, SESSION_COOKIE, type SessionStore } from './sessions.ts';

export interface AuthOptions {
  readonly tokens: TokenBook;
  readonly users: UserBook;
  readonly sessions: SessionStore;
  /** Unix seconds, for token expiry and session time-outs. */
  readonly clock: () => number;
  readonly reloadIntervalMs?: number;
  readonly log: (message: string, error: unknown) => void;
}

const CHALLENGE = 'Bearer realm="airlock"';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Concurrent requests share one reload; a failed reload keeps what was loaded before. */
function reloader(reload: () => Promise<void>, intervalMs: number, options: AuthOptions) {
  let last = performance.now();
  let running: Promise<void> | undefined;
  return (): Promise<void> => {
    if (running) return running;
    if (performance.now() - last < intervalMs) return Promise.resolve();
    running = reload()
      .catch((error: unknown) => options.log('a users or tokens file could not be re-read', error))
      .finally(() => {
        last = performance.now();
        running = undefined;
      });
    return running;
  };
}

export function createGuards(options: AuthOptions) {
  const interval = options.reloadIntervalMs ?? 1000;
  const freshTokens = reloader(() => options.tokens.reload(), interval, options);
  const freshUsers = reloader(() => options.users.reload(), interval, options);

  async function byToken(header: string): Promise<Caller> {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) {
      throw new HttpError(
        'UNAUTHORIZED',
        'Send an API token as the header Authorization: Bearer <token> (create one with `airlock token create`).',
        { 'WWW-Authenticate': CHALLENGE },
      );
    }
    await freshTokens();
    const auth = authenticate(options.tokens.tokens, match[1]!, options.clock());
    if (auth === undefined) {
      throw new HttpError('UNAUTHORIZED', 'This API token is unknown, revoked or expired.', {
        'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
    }
    return { via: 'token', id: auth.id, role: auth.role };
  }

  /**
   * The session of the cookie, if it is live and its user still exists with the same role and
   * password (a change made with the CLI ends the sessions it no longer fits).
   */
  async function bySession(id: string): Promise<Caller> {
    const now = options.clock();
    const session = options.sessions.find(id, now);
    if (session === undefined) {
      throw new HttpError(
        'UNAUTHORIZED',
        'Your session has ended (signed out, or idle too long). Sign in again.',
      );
    }
    await freshUsers();
    const user = options.users.users.find((u) => u.name === session.user);
    if (
      user === undefined ||
      user.role !== session.role ||
      user.passwordChangedAt > session.createdAt
    ) {
      options.sessions.end(session.id);
      throw new HttpError(
        'UNAUTHORIZED',
        'Your account was changed by an admin since you signed in. Sign in again.',
      );
    }
    return { via: 'session', id: session.user, role: session.role, sessionId: session.id };
  }

  /** The caller, from a bearer token if one is sent, otherwise from the session cookie. */
  async function identify(ctx: Parameters<HttpMiddleware>[0]): Promise<Caller> {
    const header = ctx.get('Authorization');
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (header === '' && cookie !== undefined) {
      const caller = await bySession(cookie);
      if (!SAFE_METHODS.has(ctx.method)) {
        const session = options.sessions.find(cookie, options.clock())!;
        if (!csrfMatches(session, ctx.get(CSRF_HEADER))) {
          throw new HttpError(
            'CSRF_INVALID',
            `This change did not carry the session's ${CSRF_HEADER} header; reload the console and try again.`,
          );
        }
      }
      return caller;
    }
    return byToken(header);
  }

  return function guard(access: Exclude<Access, 'public'>): HttpMiddleware {
    const admitted = ACCESS_ROLES[access];
    return async (ctx, next) => {
      const caller = await identify(ctx);
      // Known before the role is judged, so the audit trail says who was refused.
      ctx.state.auth = caller;
      if (!admitted.includes(caller.role)) {
        const who = caller.via === 'token' ? 'This token' : 'Your account';
        throw new HttpError(
          'FORBIDDEN',
          `${who} has the ${caller.role} role; this needs ${admitted.length === 1 ? 'the admin role' : `one of the roles ${admitted.join(', ')}`}.`,
        );
      }
      ctx.state.auth = caller;
      await next();
    };
  };
}
