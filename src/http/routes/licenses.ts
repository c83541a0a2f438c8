// The licenses the appliance holds: list (or search) them, add a vendor license key, show one with
// its activations and free seats; and redeem an appliance-held key for its signed license key.

import type { Appliance, LicenseSummary } from '../../appliance/appliance.ts';
import { toHex } from '../../core/bytes.ts';
import { parseId } from '../../core/ids.ts';
import { readJsonObject } from '../body.ts';
import { optional, parseFields, parseQuery, required } from '../fields.ts';
import { MAX_CODE_FIELD } from './offline.ts';
import type { Route } from '../route.ts';

/** A license key of the largest kind is about 1500 characters. */
const MAX_KEY_FIELD = 8192;
/** Search text: an ID is 20 characters, a product name at most a few dozen. */
export const MAX_SEARCH = 100;

/** Whether `text` (lower case) is part of the license's ID, product, type or one of its features. */
function matches(license: LicenseSummary, text: string): boolean {
  return [license.licenseId, license.product, license.type, ...license.features].some((field) =>
    field.toLowerCase().includes(text),
  );
}

/** Seats still free; null when the license has no seat limit (seats 0). */
function seatsFree(license: LicenseSummary): number | null {
  return license.seats === 0 ? null : Math.max(0, license.seats - license.seatsUsed);
}

export function licenseRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'GET',
      path: '/licenses',
      access: 'read',
      handle(ctx) {
        const q = parseQuery(ctx.query, { q: optional(MAX_SEARCH) });
        const text = q.q?.trim().toLowerCase() ?? '';
        ctx.body = {
          licenses: appliance
            .licenses()
            .filter((l) => text === '' || matches(l, text))
            .map((l) => ({ ...l, seatsFree: seatsFree(l) })),
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
      access: 'read',
      handle(ctx) {
        const license = appliance.license(toHex(parseId('license', ctx.params['id'])));
        ctx.body = { ...license, seatsFree: seatsFree(license) };
      },
    },
  ];
}
