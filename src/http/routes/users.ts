// Admin: the console's users (list, add, reset a password, clear a lock-out, remove) and the API
// tokens for automation (list, create — shown once —, revoke). A change to a user ends the sessions
// it no longer fits.

import { isRole, type Role, ROLES } from '../../appliance/roles.ts';
import type { TokenBook } from '../../appliance/tokens.ts';
import type { UserBook } from '../../appliance/users.ts';
import { AirlockError } from '../../core/errors.ts';
import { MAX_PASSWORD_LENGTH } from '../../node/password.ts';
import { readJsonObject } from '../body.ts';
import { optional, parseFields, required } from '../fields.ts';
import type { Route } from '../route.ts';
import type { SessionStore } from '../sessions.ts';

export interface UserRouteDeps {
  readonly users: UserBook;
  readonly tokens: TokenBook;
  readonly sessions: SessionStore;
  readonly clock: () => number;
}

const PASSWORD_FIELD = MAX_PASSWORD_LENGTH * 4;
const MAX_TOKEN_DAYS = 3650;

function parseRole(text: string): Role {
  if (!isRole(text)) {
    throw new AirlockError('FORMAT_INVALID', `"role" must be one of ${ROLES.join(', ')}.`, {
      field: 'role',
    });
  }
  return text;
}

function parseDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const days = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(days >= 1 && days <= MAX_TOKEN_DAYS)) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `"expiresInDays" is a whole number of days from 1 to ${MAX_TOKEN_DAYS}.`,
      { field: 'expiresInDays' },
    );
  }
  return days;
}

export function userRoutes(deps: UserRouteDeps): Route[] {
  const { users, tokens, sessions, clock } = deps;
  const name = (params: Record<string, string>) => params['name'] ?? '';
  return [
    {
      method: 'GET',
      path: '/users',
      access: 'admin',
      async handle(ctx) {
        await users.reload();
        ctx.body = { users: users.users.map(({ passwordHash: _, ...info }) => info) };
      },
    },
    {
      method: 'POST',
      path: '/users',
      access: 'admin',
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), {
          name: required(64),
          role: required(16),
          password: required(PASSWORD_FIELD),
        });
        const user = await users.add({
          name: body.name,
          role: parseRole(body.role),
          password: body.password,
          now: clock(),
        });
        ctx.status = 201;
        ctx.body = { user };
      },
    },
    {
      method: 'POST',
      path: '/users/:name/password',
      access: 'admin',
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), {
          password: required(PASSWORD_FIELD),
        });
        const user = await users.setPassword(name(ctx.params), body.password, clock());
        sessions.endAllOf(user.name);
        ctx.body = { user };
      },
    },
    {
      method: 'POST',
      path: '/users/:name/unlock',
      access: 'admin',
      async handle(ctx) {
        ctx.body = { user: await users.unlock(name(ctx.params)) };
      },
    },
    {
      method: 'POST',
      path: '/users/:name/remove',
      access: 'admin',
      async handle(ctx) {
        await users.remove(name(ctx.params));
        sessions.endAllOf(name(ctx.params));
        ctx.body = { outcome: 'removed', name: name(ctx.params) };
      },
    },
    {
      method: 'GET',
      path: '/tokens',
      access: 'admin',
      async handle(ctx) {
        ctx.body = { tokens: await tokens.list() };
      },
    },
    {
      method: 'POST',
      path: '/tokens',
      access: 'admin',
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), {
          role: required(16),
          label: required(100),
          expiresInDays: optional(4),
        });
        const now = clock();
        const days = parseDays(body.expiresInDays);
        const created = await tokens.create({
          role: parseRole(body.role),
          label: body.label,
          now,
          expiresAt: days === undefined ? null : now + days * 86400,
        });
        ctx.status = 201;
        ctx.body = created;
      },
    },
    {
      method: 'POST',
      path: '/tokens/:id/revoke',
      access: 'admin',
      async handle(ctx) {
        const id = ctx.params['id'] ?? '';
        const { outcome } = await tokens.revoke(id);
        if (outcome === 'unknown') {
          throw new AirlockError('FORMAT_INVALID', `There is no token ${id.slice(0, 20)}.`);
        }
        ctx.body = { outcome, id };
      },
    },
  ];
}
