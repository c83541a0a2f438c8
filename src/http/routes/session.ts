// Who is calling and what answers: the token's role and ID, the appliance's ID, mode and
// certificate expiry, and the software's version. A console signs in by calling this with a token.

import { createRequire } from 'node:module';
import type { Appliance } from '../../appliance/appliance.ts';
import { formatId } from '../../core/ids.ts';
import type { Route } from '../route.ts';

/** The software's version, from package.json (read once, when this module loads). */
const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string })
  .version;

export function sessionRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'GET',
      path: '/session',
      access: 'operator',
      handle(ctx) {
        const auth = ctx.state.auth;
        if (auth === undefined) throw new TypeError('/session must be behind the token guard');
        const { identity } = appliance;
        ctx.body = {
          role: auth.role,
          tokenId: auth.id,
          appliance: {
            applianceId: formatId('appliance', identity.applianceId),
            mode: identity.settings.mode,
            certificateExpiresAt: identity.certificate?.notAfter ?? null,
          },
          version: VERSION,
        };
      },
    },
  ];
}
