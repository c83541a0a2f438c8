// The licenses the appliance holds: list them, add a vendor license key, show one with its
// activations and free seats; and redeem an appliance-held key for its signed license key.

import type { Appliance, LicenseSummary } from '../../appliance/appliance.ts';
import { toHex } from '../../core/bytes.ts';
import { parseId } from '../../core/ids.ts';
import { readJsonObject } from '../body.ts';
import { parseFields, required } from '../fields.ts';
import { MAX_CODE_FIELD } from './offline.ts';
import type { Route } from '../route.ts';

/** A license key of the largest kind is about 1500 characters. */
const MAX_KEY_FIELD = 8192;

/** Seats still free; null when the license has no seat limit (seats 0). */
function seatsFree(license: LicenseSummary): number | null {
  return license.seats === 0 ? null : Math.max(0, license.seats - license.seatsUsed);
}

export function licenseRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'GET',
      path: '/licenses',
      access: 'operator',
      handle(ctx) {
        ctx.body = {
          licenses: appliance.licenses().map((l) => ({ ...l, seatsFree: seatsFree(l) })),
        };
      },
    },
    {
      method: 'POST',
      path: '/licenses',
      access: 'admin',
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), { key: required(MAX_KEY_FIELD) });
        const added = await appliance.addLicense(body.key);
        ctx.status = added.outcome === 'added' ? 201 : 200;
        ctx.body = {
          outcome: added.outcome,
          license: { ...added.license, seatsFree: seatsFree(added.license) },
        };
      },
    },
    {
      method: 'POST',
      path: '/redeem',
      access: 'operator',
      limited: true,
      async handle(ctx) {
        const body = parseFields(await readJsonObject(ctx.req), { key: required(MAX_CODE_FIELD) });
        const license = appliance.redeem(body.key);
        ctx.body = { license: { ...license, seatsFree: seatsFree(license) } };
      },
    },
    {
      method: 'GET',
      path: '/licenses/:id',
      access: 'operator',
      handle(ctx) {
        const license = appliance.license(toHex(parseId('license', ctx.params['id'])));
        ctx.body = { ...license, seatsFree: seatsFree(license) };
      },
    },
  ];
}
