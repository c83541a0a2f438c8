// Activation endpoints are limited per client address with a token bucket: a burst, then 429
// with Retry-After, refilled with time; other endpoints are not limited; the map stays bounded.

import test from 'ava';
import { clientKey, createRateLimiter } from '../../src/http/rate-limit.ts';
import { NOW, setup } from './helpers.ts';

test('past the burst an address gets 429 with Retry-After, until the bucket refills', async (t) => {
  const s = await setup(t, { rateLimit: { perMinute: 6, burst: 3 } });
  const body = { licenseId: s.licenseId, activationId: 'act_00000001' };
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    statuses.push((await s.call('POST', '/validate', { token: s.tokens.operator, body })).status);
  }
  t.deepEqual(statuses, [404, 404, 404]);
  const limited = await s.call('POST', '/offline/respond', {
    token: s.tokens.operator,
    body: { challenge: 'x' },
  });
  t.is(limited.status, 429);
  t.is(limited.json.error.code, 'RATE_LIMITED');
  t.is(limited.headers.get('retry-after'), '10');
  // Endpoints that do not activate are not limited.
  t.is((await s.call('GET', '/licenses', { token: s.tokens.operator })).status, 200);
  s.setNow(NOW + 10);
  t.is((await s.call('POST', '/validate', { token: s.tokens.operator, body })).status, 404);
  t.is((await s.call('POST', '/validate', { token: s.tokens.operator, body })).status, 429);
});

test('a token bucket refills at its rate and never above its burst', (t) => {
  let now = 0;
  const limiter = createRateLimiter({ perMinute: 60, burst: 2 }, () => now);
  t.true(limiter.take('1.2.3.4').allowed);
  t.true(limiter.take('1.2.3.4').allowed);
  t.deepEqual(limiter.take('1.2.3.4'), { allowed: false, retryAfter: 1 });
  t.true(limiter.take('5.6.7.8').allowed);
  now = 100;
  t.true(limiter.take('1.2.3.4').allowed);
  t.true(limiter.take('1.2.3.4').allowed);
  t.false(limiter.take('1.2.3.4').allowed);
});

test('the limiter remembers a bounded number of addresses, forgetting the least recent', (t) => {
  const limiter = createRateLimiter({ perMinute: 1, burst: 1, maxClients: 3 }, () => 0);
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) t.true(limiter.take(ip).allowed);
  t.false(limiter.take('10.0.0.1').allowed); // now the most recent
  t.true(limiter.take('10.0.0.4').allowed); // forgets 10.0.0.2
  t.is(limiter.size, 3);
  t.false(limiter.take('10.0.0.1').allowed);
  t.true(limiter.take('10.0.0.2').allowed);
});

test('IPv6 addresses are limited per /64 and IPv4-mapped ones as IPv4', (t) => {
  t.is(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
  t.is(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.is(clientKey('2001:0db8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
  t.is(clientKey('::1'), '0:0:0:0::/64');
  t.is(clientKey('198.51.100.7'), '198.51.100.7');
});

test('limits that make no sense are a programming error', (t) => {
  t.throws(() => createRateLimiter({ perMinute: 0, burst: 1 }, () => 0), { instanceOf: TypeError });
  t.throws(() => createRateLimiter({ perMinute: 1, burst: 0.5 }, () => 0), {
    instanceOf: TypeError,
  });
});
