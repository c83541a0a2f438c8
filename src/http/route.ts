// What a route file declares: method, path, who may call it, whether it is rate-limited, and its
// handler. app.ts turns these into router entries with the right guards in front.

import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { Role } from '../appliance/roles.ts';

/** Who is calling: an API token, or a user signed in to the console. */
export interface Caller {
  readonly via: 'token' | 'session';
  /** The token's ID (tok_…) or the user's name. */
  readonly id: string;
  readonly role: Role;
  /** The console session's ID, for signing out. */
  readonly sessionId?: string;
}

export interface HttpState {
  /** The caller, once the auth guard has passed (or the user just signed in). */
  auth?: Caller;
  /** A word for the audit trail about this request (the name a sign-in tried). */
  auditDetail?: string;
}

export type HttpContext = RouterContext<HttpState>;
export type HttpMiddleware = RouterMiddleware<HttpState>;

/**
 * public: anyone; read: any role (look up licenses, activations, sync status); operator: admins
 * and operators (activate, deactivate); audit: admins and auditors (the ledger, the audit trail);
 * admin: admins only (every change).
 */
export type Access = 'public' | 'read' | 'operator' | 'audit' | 'admin';

export const ACCESS_ROLES: Readonly<Record<Exclude<Access, 'public'>, readonly Role[]>> = {
  read: ['admin', 'operator', 'auditor'],
  operator: ['admin', 'operator'],
  audit: ['admin', 'auditor'],
  admin: ['admin'],
};

export interface Route {
  readonly method: 'GET' | 'POST';
  /** Relative to /api/v1. */
  readonly path: string;
  readonly access: Access;
  /** Activation endpoints: limited per client address. */
  readonly limited?: boolean;
  readonly handle: (ctx: HttpContext) => Promise<void> | void;
}
