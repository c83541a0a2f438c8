// Hybrid clients that can reach the appliance: activate with the same challenge and signed
// response as the offline path, revalidate an activation, deactivate with proof.

import type { Appliance, ActivationSummary } from '../../appliance/appliance.ts';
import { toHex } from '../../core/bytes.ts';
import { dateOf } from '../../core/dates.ts';
import { AirlockError, type ErrorCode } from '../../core/errors.ts';
import { formatId, ID_PREFIX, parseId } from '../../core/ids.ts';
import { readJsonObject } from '../body.ts';
import { optional, parseFields, required } from '../fields.ts';
import type { Route } from '../route.ts';
import { deactivateHandler, MAX_CODE_FIELD } from './offline.ts';

const MAX_CLIENT_ID = 128;

export function onlineRoutes(appliance: Appliance, clock: () => number): Route[] {
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
        const r = await appliance.respond(body.challenge, {
          channel: 'online',
          ...(ctx.ip === '' ? {} : { ip: ctx.ip }),
          ...(body.clientId === undefined ? {} : { clientId: body.clientId }),
        });
        ctx.body = {
          response: r.response,
          qr: r.qr,
          activationId: r.activationId,
          licenseId: r.licenseId,
          product: r.product,
          features: r.features,
          leaseEndsAt: r.leaseEndsAt,
          renewal: r.renewal,
          seats: r.seats,
          seatsUsed: r.seatsUsed,
        };
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
        const activationId = ID_PREFIX.activation + toHex(parseId('activation', body.activationId));
        const license = appliance.license(licenseHex);
        const activation = license.activations.find((a) => a.activationId === activationId);
        if (activation === undefined) {
          throw new AirlockError(
            'ACTIVATION_UNKNOWN',
            `This appliance holds no activation ${activationId} of license ${license.licenseId}: activate anew.`,
          );
        }
        const now = clock();
        const expired = license.expiresAt !== null && license.expiresAt <= now;
        const verdict = judge(license.revoked, expired, activation, now);
        ctx.body = {
          valid: verdict.code === 'VALID',
          applianceId: formatId('appliance', appliance.identity.applianceId),
          code: verdict.code,
          message: verdict.message,
          licenseId: license.licenseId,
          activationId,
          status: activation.status,
          leaseEndsAt: activation.leaseEndsAt,
          lastSeenAt: activation.lastSeenAt,
          license: {
            product: license.product,
            revoked: license.revoked,
            expiresAt: license.expiresAt,
            expired,
          },
          checkedAt: now,
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

/** The first reason, in order of gravity, that the activation may not be used now. */
function judge(
  licenseRevoked: boolean,
  licenseExpired: boolean,
  activation: ActivationSummary,
  now: number,
): { code: 'VALID' | ErrorCode; message: string } {
  if (licenseRevoked) return { code: 'REVOKED', message: 'The license was revoked.' };
  if (activation.status === 'revoked') {
    return { code: 'REVOKED', message: 'This activation was revoked by the site administrator.' };
  }
  if (activation.status === 'deactivated') {
    return {
      code: 'NOT_ACTIVATED',
      message: `This activation was deactivated${activation.endedAt === undefined ? '' : ` on ${dateOf(activation.endedAt)}`}: activate anew.`,
    };
  }
  if (licenseExpired) return { code: 'LICENSE_EXPIRED', message: 'The license has expired.' };
  if (activation.leaseEndsAt !== null && activation.leaseEndsAt < now) {
    return {
      code: 'LEASE_EXPIRED',
      message: `The lease ended on ${dateOf(activation.leaseEndsAt)}: send a new challenge to renew it.`,
    };
  }
  return { code: 'VALID', message: 'The activation is in force.' };
}
