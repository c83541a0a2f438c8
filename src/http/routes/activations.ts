// The activation ledger, as pages: filter by license, status and time of activation, walk with a
// cursor (the last activation ID of the page before), oldest or newest first.

import type { Appliance } from '../../appliance/appliance.ts';
import type { ActivationStatus } from '../../appliance/state.ts';
import { toHex } from '../../core/bytes.ts';
import { AirlockError } from '../../core/errors.ts';
import { parseId } from '../../core/ids.ts';
import { optional, parseQuery, parseWholeNumber } from '../fields.ts';
import type { Route } from '../route.ts';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
const DAY_SECONDS = 86_400;
const STATUSES: readonly ActivationStatus[] = ['active', 'deactivated', 'revoked'];
const ORDERS = ['oldest', 'newest'] as const;

/** act_0000002a → 42 */
const numberOf = (activationId: string) => parseInt(activationId.slice(4), 16);

/** One of `allowed`, or undefined when the parameter was not given. */
function parseChoice<T extends string>(
  text: string | undefined,
  field: string,
  allowed: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  const choice = allowed.find((a) => a === text);
  if (choice === undefined) {
    throw new AirlockError('FORMAT_INVALID', `"${field}" must be one of ${allowed.join(', ')}.`, {
      field,
    });
  }
  return choice;
}

/**
 * A day as YYYY-MM-DD, in UTC, as the Unix second it begins: a real calendar date from 1970 on
 * (2027-02-30 is refused, not rolled over into March).
 */
function parseDay(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  // The round trip refuses what Date.parse would roll over.
  if (!(ms >= 0) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `"${field}" must be a date as YYYY-MM-DD (a UTC day from 1970 on), like 2027-01-31.`,
      { field },
    );
  }
  return ms / 1000;
}

export function activationRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'GET',
      path: '/activations',
      access: 'read',
      handle(ctx) {
        const q = parseQuery(ctx.query, {
          licenseId: optional(64),
          status: optional(16),
          from: optional(10),
          to: optional(10),
          order: optional(8),
          limit: optional(8),
          cursor: optional(64),
        });
        const limit =
          q.limit === undefined
            ? DEFAULT_PAGE
            : parseWholeNumber(q.limit, 'limit', { min: 1, max: MAX_PAGE });
        const status = parseChoice(q.status, 'status', STATUSES);
        // Whole UTC days, both included: activatedAt in [from 00:00, the day after to 00:00).
        const from = parseDay(q.from, 'from');
        const lastDay = parseDay(q.to, 'to');
        const to = lastDay === undefined ? undefined : lastDay + DAY_SECONDS;
        if (from !== undefined && lastDay !== undefined && lastDay < from) {
          throw new AirlockError(
            'FORMAT_INVALID',
            '"to" must be the same day as "from" or later.',
            {
              field: 'to',
            },
          );
        }
        const newest = parseChoice(q.order, 'order', ORDERS) === 'newest';
        const cursor =
          q.cursor === undefined ? undefined : parseInt(toHex(parseId('activation', q.cursor)), 16);
        const matching = appliance
          .activations({
            ...(q.licenseId === undefined
              ? {}
              : { licenseId: toHex(parseId('license', q.licenseId)) }),
            ...(status === undefined ? {} : { status }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
          })
          .filter(
            (a) =>
              cursor === undefined ||
              (newest ? numberOf(a.activationId) < cursor : numberOf(a.activationId) > cursor),
          )
          .sort(
            (a, b) => (numberOf(a.activationId) - numberOf(b.activationId)) * (newest ? -1 : 1),
          );
        const page = matching.slice(0, limit);
        ctx.body = {
          activations: page,
          nextCursor: matching.length > limit ? page[page.length - 1]!.activationId : null,
        };
      },
    },
  ];
}
