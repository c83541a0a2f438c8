// What a route file declares: method, path, who may call it, whether it is rate-limited, and its
// handler. app.ts turns these into router entries with the right guards in front.

import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { Authenticated } from '../appliance/tokens.ts';

export interface HttpState {
  /** The caller's token, once the auth guard has passed. */
  auth?: Authenticated;
}

export type HttpContext = RouterContext<HttpState>;
export type HttpMiddleware = RouterMiddleware<HttpState>;

/** public: no token; operator: an operator or admin token; admin: an admin token. */
export type Access = 'public' | 'operator' | 'admin';

export interface Route {
  readonly method: 'GET' | 'POST';
  /** Relative to /api/v1. */
  readonly path: string;
  readonly access: Access;
  /** Activation endpoints: limited per client address. */
  readonly limited?: boolean;
  readonly handle: (ctx: HttpContext) => Promise<void> | void;
}
