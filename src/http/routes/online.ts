// Hybrid clients that can reach the appliance: activate with the same challenge and signed
// response as the offline path, revalidate an activation, deactivate with proof.

import type { Appliance } from '../../appliance/appliance.ts';
import { toHex } from '../../core/bytes.ts';
import { formatId, parseActivationId, parseId } from '../../core/ids.ts';
import { readJsonObject } from '../body.ts';
import { optional, parseFields, required } from '../fields.ts';
import type { Route } from '../route.ts';
import { deactivateHandler, MAX_CODE_FIELD } from './offline.ts';

const MAX_CLIENT_ID = 128;

export function onlineRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'POST',
      path: '/activate',
      access: 'operator',
      limited: true,
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), {
          challenge: required(MAX_CODE_FIELD),
          clientId: optional(MAX_CLIENT_ID),
        });
        ctx.body = await appliance.respond(body.challenge, {
          channel: 'online',
          ...(ctx.ip === '' ? {} : { ip: ctx.ip }),
          ...(body.clientId === undefined ? {} : { clientId: body.clientId }),
        }); // the answer is the wire type (OnlineActivationAnswer)
      },
    },
    {
      method: 'POST',
      path: '/validate',
      access: 'operator',
      limited: true,
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), {
          licenseId: required(64),
          activationId: required(64),
        });
        const licenseHex = toHex(parseId('license', body.licenseId));
        const activationNumber = parseActivationId(body.activationId);
        const r = await appliance.validate(licenseHex, activationNumber, {
          ...(ctx.ip === '' ? {} : { ip: ctx.ip }),
        });
        ctx.body = {
          valid: r.verdict.code === 'VALID',
          applianceId: formatId('appliance', appliance.identity.applianceId),
          code: r.verdict.code,
          message: r.verdict.message,
          licenseId: r.license.licenseId,
          activationId: r.activation.activationId,
          status: r.activation.status,
          leaseEndsAt: r.activation.leaseEndsAt,
          lastSeenAt: r.activation.lastSeenAt,
          license: {
            product: r.license.product,
            revoked: r.license.revoked,
            expiresAt: r.license.expiresAt,
            expired: r.license.expiresAt !== null && r.license.expiresAt <= r.checkedAt,
          },
          checkedAt: r.checkedAt,
        };
      },
    },
    {
      method: 'POST',
      path: '/deactivate',
      access: 'operator',
      limited: true,
      handle: deactivateHandler(appliance),
    },
  ];
}
