// Who is calling and what answers: the token's role and ID, or the signed-in user with the
// session's CSRF token and end; the appliance's ID, mode and certificate expiry; the software's
// version. The console calls it when it loads, to learn whether its session is still live.

import type { Appliance } from '../../appliance/appliance.ts';
import { formatId } from '../../core/ids.ts';
import { airlockVersion } from '../../node/build-info.ts';
import type { Route } from '../route.ts';
import type { SessionLimits, SessionStore } from '../sessions.ts';
import { sessionView } from './auth.ts';

export function sessionRoutes(
  appliance: Appliance,
  sessions: SessionStore,
  limits: SessionLimits,
  clock: () => number,
): Route[] {
  return [
    {
      method: 'GET',
      path: '/session',
      access: 'read',
      handle(ctx) {
        const auth = ctx.state.auth;
        if (auth === undefined) throw new TypeError('/session must be behind the token guard');
        const { identity } = appliance;
        const session =
          auth.sessionId === undefined ? undefined : sessions.find(auth.sessionId, clock());
        ctx.body = {
          ...(session === undefined
            ? { role: auth.role, tokenId: auth.id }
            : sessionView(session, limits)),
          appliance: {
            applianceId: formatId('appliance', identity.applianceId),
            mode: identity.settings.mode,
            certificateExpiresAt: identity.certificate?.notAfter ?? null,
          },
          version: airlockVersion(),
        };
      },
    },
  ];
}
