// Times typed on the command line: AIRLOCK_NOW, --expires and durations, read the same on every
// machine whatever its time zone.

import test from 'ava';
import { parseDuration, parseExpiry, parseNow } from '../../src/cli/time.ts';

const NOW = 1_799_971_200; // 2027-01-15T00:00:00Z

test('AIRLOCK_NOW takes Unix seconds, an ISO 8601 date (UTC unless zoned) or a time from now', (t) => {
  t.is(parseNow('1799971200', 0), NOW);
  t.is(parseNow('2027-01-15', 0), NOW);
  t.is(parseNow('2027-01-15T00:00:00Z', 0), NOW);
  t.is(parseNow('2027-01-15T00:00', 0), NOW);
  t.is(parseNow('2027-01-15T01:00:00+01:00', 0), NOW);
  t.is(parseNow('+30d', NOW), NOW + 30 * 86400);
  t.is(parseNow('+12h', NOW), NOW + 12 * 3600);
  for (const bad of ['yesterday', '2027-13-45', '-5', '+', '99999999999', '2027-01-15T25:00Z']) {
    t.throws(() => parseNow(bad, NOW), { code: 'USAGE' }, bad);
  }
});

test('durations are days unless they name a unit, between a minute and 16383 days', (t) => {
  t.is(parseDuration('30', '--lease'), 30 * 86400);
  t.is(parseDuration('12h', '--lease'), 12 * 3600);
  t.is(parseDuration('90m', '--lease'), 90 * 60);
  t.is(parseDuration('1y', '--lease'), 365 * 86400);
  t.is(parseDuration('0.5', '--lease'), 43200);
  for (const bad of ['0', '30s', 'abc', '-1', '16384', '']) {
    t.throws(() => parseDuration(bad, '--lease'), { code: 'USAGE', message: /--lease/ }, bad);
  }
});

test('--expires is a future date or a time from now', (t) => {
  t.is(parseExpiry('+30d', NOW), NOW + 30 * 86400);
  t.is(parseExpiry('2028-01-15', NOW), NOW + 365 * 86400);
  t.throws(() => parseExpiry('2027-01-14', NOW), {
    code: 'USAGE',
    message: /not in the future/,
  });
  t.throws(() => parseExpiry('soon', NOW), { code: 'USAGE', message: /is not a date/ });
});
