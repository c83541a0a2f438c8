// Durations in two bytes (docs/FORMATS.md §3.4): the top 2 bits pick the unit (minutes, hours,
// days), the low 14 bits count it. 0x0000 means "none". The finest unit that fits is canonical.

import { AirlockError } from './errors.ts';

const UNIT_SECONDS = [60, 3600, 86400] as const;
const MAX_COUNT = 0x3fff;

/** Encodes a duration in seconds, rounded down to what the unit can express. 0 means none. */
export function encodeDuration(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new TypeError('a duration is a whole number of seconds ≥ 0');
  if (seconds === 0) return 0;
  for (let unit = 0; unit < UNIT_SECONDS.length; unit++) {
    const count = Math.floor(seconds / UNIT_SECONDS[unit]!);
    if (count <= MAX_COUNT) {
      if (count === 0) throw new TypeError('a duration is at least one minute');
      // Rounded down, it may fit the finer unit after all: then the finer unit's maximum is
      // closer to the duration, and the only canonical choice.
      const finer = unit > 0 ? UNIT_SECONDS[unit - 1]! : 0;
      if (finer > 0 && (count * UNIT_SECONDS[unit]!) / finer <= MAX_COUNT) {
        return ((unit - 1) << 14) | MAX_COUNT;
      }
      return (unit << 14) | count;
    }
  }
  throw new TypeError(`a duration is at most ${MAX_COUNT} days`);
}

/** The largest duration the format can carry, in seconds (16383 days, about 44 years). */
export const MAX_DURATION_SECONDS = MAX_COUNT * 86400;

export function decodeDuration(value: number, what: string): number {
  if (value === 0) return 0;
  const unit = value >>> 14;
  const count = value & MAX_COUNT;
  const seconds = UNIT_SECONDS[unit];
  // Canonical: a non-zero count, a defined unit, and no finer unit could have held it.
  const finer = unit > 0 ? UNIT_SECONDS[unit - 1]! : 0;
  if (
    seconds === undefined ||
    count === 0 ||
    (finer > 0 && Math.floor((count * seconds) / finer) <= MAX_COUNT)
  ) {
    throw new AirlockError('FORMAT_INVALID', `The ${what} is not encoded canonically.`);
  }
  return count * seconds;
}
