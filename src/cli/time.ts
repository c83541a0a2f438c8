// Times and durations typed on the command line: AIRLOCK_NOW, --expires DATE|+30d, --lease DAYS.

import { AirlockError } from '../core/errors.ts';
import { MAX_DURATION_SECONDS } from '../core/duration.ts';

const UNIT_SECONDS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86400, y: 365 * 86400 };

/** Unix seconds, or an ISO 8601 date or date-time (UTC unless it names a zone). */
function parseInstant(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed);
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      trimmed,
    );
  if (!m) return undefined;
  // Without a zone, UTC: results must not depend on the machine's time zone.
  const zone = (m[3] ?? 'Z').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00'}${zone}`);
  if (Number.isNaN(ms) || ms < 0) return undefined;
  return Math.floor(ms / 1000);
}

/** AIRLOCK_NOW overrides the clock, for tests and demos: an instant, or +30d from the real clock. */
export function parseNow(text: string, realNow: number): number {
  const relative = /^\+(\d+(?:\.\d+)?[mhdy]?)$/.exec(text.trim());
  const seconds = relative ? realNow + durationSeconds(relative[1]!) : parseInstant(text);
  if (seconds === undefined || !Number.isFinite(seconds) || seconds > 0xffffffff) {
    throw new AirlockError(
      'USAGE',
      `AIRLOCK_NOW is "${text.slice(0, 40)}": give Unix seconds, an ISO 8601 date such as 2030-01-31 or 2030-01-31T12:00:00Z, or a time from now such as +30d.`,
    );
  }
  return seconds;
}

function durationSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhdy]?)$/.exec(text.trim());
  return match ? Math.round(Number(match[1]) * UNIT_SECONDS[match[2] || 'd']!) : NaN;
}

/** A duration such as 30 (days), 30d, 12h, 90m or 1y, in seconds. */
export function parseDuration(text: string, option: string): number {
  const seconds = durationSeconds(text);
  if (!Number.isFinite(seconds) || seconds < 60 || seconds > MAX_DURATION_SECONDS) {
    throw new AirlockError(
      'USAGE',
      `${option} "${text.slice(0, 40)}" is not a duration: give days (30), or a number with a unit: 30d, 12h, 90m, 1y (at least 1 minute, at most 16383 days).`,
    );
  }
  return seconds;
}

/** --expires: a date (UTC), or a time from now such as +30d, +12h, +1y. */
export function parseExpiry(text: string, now: number): number {
  const relative = /^\+(.+)$/.exec(text.trim());
  const seconds = relative ? now + parseDuration(relative[1]!, '--expires') : parseInstant(text);
  if (seconds === undefined || seconds > 0xffffffff) {
    throw new AirlockError(
      'USAGE',
      `--expires "${text.slice(0, 40)}" is not a date: give a date such as 2030-01-31 (UTC) or a time from now such as +30d, +12h or +1y.`,
    );
  }
  if (seconds <= now) {
    throw new AirlockError(
      'USAGE',
      `--expires ${text.slice(0, 40)} is not in the future: a license must expire after it is issued.`,
    );
  }
  return seconds;
}

/** --since: a date (UTC), or a time ago such as -7d, -12h. */
export function parseSince(text: string, now: number): number {
  const relative = /^-(.+)$/.exec(text.trim());
  const seconds = relative ? now - parseDuration(relative[1]!, '--since') : parseInstant(text);
  if (seconds === undefined || seconds < 0) {
    throw new AirlockError(
      'USAGE',
      `--since "${text.slice(0, 40)}" is not a time: give a date such as 2030-01-31 (UTC) or a time ago such as -7d or -12h.`,
    );
  }
  return seconds;
}
