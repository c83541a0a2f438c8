// Bearer-token guards: 401 without a valid token, 403 for a role that may not use the endpoint.
// The token book is re-read (when its file changed) at most once a second, so `airlock token
// create` and `revoke` take effect on a running server without a restart.

import { authenticate, type TokenBook } from '../appliance/tokens.ts';
import { HttpError } from './errors.ts';
import type { Access, HttpMiddleware } from './route.ts';

export interface AuthOptions {
  readonly tokens: TokenBook;
  /** Unix seconds, for token expiry. */
  readonly clock: () => number;
  readonly reloadIntervalMs?: number;
  readonly log: (message: string, error: unknown) => void;
}

const CHALLENGE = 'Bearer realm="airlock"';

export function createGuards(options: AuthOptions) {
  const interval = options.reloadIntervalMs ?? 1000;
  let lastReload = performance.now();
  let reloading: Promise<void> | undefined;

  /** Concurrent requests share one reload; a failed reload keeps the tokens loaded before. */
  function fresh(): Promise<void> {
    if (reloading) return reloading;
    if (performance.now() - lastReload < interval) return Promise.resolve();
    reloading = options.tokens
      .reload()
      .catch((error: unknown) => options.log('the tokens file could not be re-read', error))
      .finally(() => {
        lastReload = performance.now();
        reloading = undefined;
      });
    return reloading;
  }

  return function guard(access: Exclude<Access, 'public'>): HttpMiddleware {
    return async (ctx, next) => {
      const header = ctx.get('Authorization');
      const match = /^Bearer +(\S+) *$/i.exec(header);
      if (!match) {
        throw new HttpError(
          'UNAUTHORIZED',
          'This endpoint needs an API token: send the header Authorization: Bearer <token> (create one with `airlock token create`).',
          { 'WWW-Authenticate': CHALLENGE },
        );
      }
      await fresh();
      const auth = authenticate(options.tokens.tokens, match[1]!, options.clock());
      if (auth === undefined) {
        throw new HttpError('UNAUTHORIZED', 'This API token is unknown, revoked or expired.', {
          'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
        });
      }
      if (access === 'admin' && auth.role !== 'admin') {
        throw new HttpError('FORBIDDEN', 'This endpoint needs an admin token.');
      }
      ctx.state.auth = auth;
      await next();
    };
  };
}
