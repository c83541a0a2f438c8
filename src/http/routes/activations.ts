// The activation ledger, as pages: filter by license and status, walk with a cursor (the last
// activation ID of the page before), newest IDs last.

import type { Appliance } from '../../appliance/appliance.ts';
import type { ActivationStatus } from '../../appliance/state.ts';
import { toHex } from '../../core/bytes.ts';
import { AirlockError } from '../../core/errors.ts';
import { parseId } from '../../core/ids.ts';
import { optional, parseQuery } from '../fields.ts';
import type { Route } from '../route.ts';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
const STATUSES: readonly ActivationStatus[] = ['active', 'deactivated', 'revoked'];

/** act_0000002a → 42 */
const numberOf = (activationId: string) => parseInt(activationId.slice(4), 16);

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE;
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE)) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `"limit" must be a whole number from 1 to ${MAX_PAGE}.`,
      { field: 'limit' },
    );
  }
  return n;
}

function parseStatus(text: string | undefined): ActivationStatus | undefined {
  if (text === undefined) return undefined;
  const status = STATUSES.find((s) => s === text);
  if (status === undefined) {
    throw new AirlockError('FORMAT_INVALID', `"status" must be one of ${STATUSES.join(', ')}.`, {
      field: 'status',
    });
  }
  return status;
}

export function activationRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'GET',
      path: '/activations',
      access: 'operator',
      handle(ctx) {
        const q = parseQuery(ctx.query, {
          licenseId: optional(64),
          status: optional(16),
          limit: optional(8),
          cursor: optional(64),
        });
        const limit = parseLimit(q.limit);
        const status = parseStatus(q.status);
        const after =
          q.cursor === undefined ? 0 : parseInt(toHex(parseId('activation', q.cursor)), 16);
        const matching = appliance
          .activations({
            ...(q.licenseId === undefined
              ? {}
              : { licenseId: toHex(parseId('license', q.licenseId)) }),
            ...(status === undefined ? {} : { status }),
          })
          .filter((a) => numberOf(a.activationId) > after)
          .sort((a, b) => numberOf(a.activationId) - numberOf(b.activationId));
        const page = matching.slice(0, limit);
        ctx.body = {
          activations: page,
          nextCursor: matching.length > limit ? page[page.length - 1]!.activationId : null,
        };
      },
    },
  ];
}
