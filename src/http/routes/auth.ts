// Signing in to the console and out again: a user name and password for a session cookie (and the
// CSRF token the page sends back), sign-out of this session or of every session of the user, and
// a user changing their own password.

import type { UserBook } from '../../appliance/users.ts';
import { dateOf } from '../../core/dates.ts';
import { MAX_PASSWORD_LENGTH } from '../../node/password.ts';
import { readJsonObject } from '../body.ts';
import { HttpError } from '../errors.ts';
import { parseFields, required } from '../fields.ts';
import type { HttpContext, Route } from '../route.ts';
import {
  type Session,
  SESSION_COOKIE,
  type SessionLimits,
  type SessionStore,
} from '../sessions.ts';
import type { SignInThrottle } from '../sign-in-throttle.ts';

export interface AuthRouteDeps {
  readonly users: UserBook;
  readonly sessions: SessionStore;
  readonly limits: SessionLimits;
  readonly throttle: SignInThrottle;
  readonly clock: () => number;
}

const NAME_FIELD = 64;
const PASSWORD_FIELD = MAX_PASSWORD_LENGTH * 4;

/** What the console keeps of its session: who, which role, the CSRF token, when it ends. */
export function sessionView(session: Session, limits: SessionLimits) {
  return {
    user: session.user,
    role: session.role,
    csrfToken: session.csrf,
    idleSeconds: limits.idleSeconds,
    endsAt: session.createdAt + limits.absoluteSeconds,
  };
}

function setCookie(ctx: HttpContext, value: string | null, limits: SessionLimits): void {
  ctx.cookies.set(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.secure,
    path: '/',
    overwrite: true,
    ...(value === null ? {} : { maxAge: limits.absoluteSeconds * 1000 }),
  });
}

function signedIn(ctx: HttpContext): { user: string; sessionId: string } {
  const auth = ctx.state.auth;
  if (auth?.via !== 'session' || auth.sessionId === undefined) {
    throw new HttpError(
      'FORBIDDEN',
      'Only a user signed in to the console has a session; API tokens are revoked with `airlock token revoke`.',
    );
  }
  return { user: auth.id, sessionId: auth.sessionId };
}

export function authRoutes(deps: AuthRouteDeps): Route[] {
  const { users, sessions, limits, throttle, clock } = deps;
  return [
    {
      method: 'POST',
      path: '/auth/sign-in',
      access: 'public',
      async handle(ctx) {
        const now = clock();
        const wait = throttle.retryAfter(ctx.ip, now);
        if (wait > 0) {
          throw new HttpError(
            'RATE_LIMITED',
            `Too many failed sign-ins from this address; try again in ${Math.ceil(wait / 60)} minutes.`,
            { 'Retry-After': String(wait) },
          );
        }
        const body = parseFields(await readJsonObject(ctx.req), {
          name: required(NAME_FIELD),
          password: required(PASSWORD_FIELD),
        });
        const name = body.name.trim().toLowerCase();
        ctx.state.auditDetail = `sign-in as ${JSON.stringify(name.slice(0, 64))}`;
        const result = await users.signIn(name, body.password, now);
        if (result.outcome === 'locked') {
          throttle.failed(ctx.ip, now);
          throw new HttpError(
            'ACCOUNT_LOCKED',
            `This account is locked after repeated failed sign-ins, until ${dateOf(result.until)}. An admin can unlock it now.`,
          );
        }
        if (result.outcome === 'wrong') {
          throttle.failed(ctx.ip, now);
          throw new HttpError('SIGN_IN_FAILED', 'The user name or the password is wrong.');
        }
        const session = sessions.create(result.user.name, result.user.role, ctx.ip, now);
        ctx.state.auth = {
          via: 'session',
          id: session.user,
          role: session.role,
          sessionId: session.id,
        };
        setCookie(ctx, session.id, limits);
        ctx.body = sessionView(session, limits);
      },
    },
    {
      method: 'POST',
      path: '/auth/sign-out',
      access: 'read',
      handle(ctx) {
        sessions.end(signedIn(ctx).sessionId);
        setCookie(ctx, null, limits);
        ctx.body = { outcome: 'signed-out', sessions: 1 };
      },
    },
    {
      method: 'POST',
      path: '/auth/sign-out-everywhere',
      access: 'read',
      handle(ctx) {
        const ended = sessions.endAllOf(signedIn(ctx).user);
        setCookie(ctx, null, limits);
        ctx.body = { outcome: 'signed-out', sessions: ended };
      },
    },
    {
      method: 'POST',
      path: '/auth/password',
      access: 'read',
      async handle(ctx) {
        const { user } = signedIn(ctx);
        const body = parseFields(await readJsonObject(ctx.req), {
          current: required(PASSWORD_FIELD),
          password: required(PASSWORD_FIELD),
        });
        const now = clock();
        const check = await users.signIn(user, body.current, now);
        if (check.outcome !== 'signed-in') {
          throw new HttpError(
            check.outcome === 'locked' ? 'ACCOUNT_LOCKED' : 'PASSWORD_WRONG',
            check.outcome === 'locked'
              ? 'This account is locked after repeated wrong passwords; an admin can unlock it.'
              : 'The current password is wrong.',
          );
        }
        await users.setPassword(user, body.password, now);
        // Every other session of this user ends; this one goes on under the new password.
        sessions.endAllOf(user);
        const session = sessions.create(user, check.user.role, ctx.ip, now);
        setCookie(ctx, session.id, limits);
        ctx.body = sessionView(session, limits);
      },
    },
  ];
}
