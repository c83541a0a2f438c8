// Time on an isolated machine, moved with AIRLOCK_NOW: leases end, grace periods carry a site that
// cannot reach the appliance, licenses expire, and a clock set back is noticed.

import test from 'ava';
import { DAY, givenActivation, T0, vendorWithLicense } from './helpers.ts';

const at = (seconds: number) => ({ AIRLOCK_NOW: String(seconds) });

test('after its lease ends an activation runs on in grace, then status refuses it', async (t) => {
  const { ws, key } = await vendorWithLicense(t, ['--lease', '1', '--grace', '2'], at(T0));
  await givenActivation(t, ws, key);
  const status = ['client', 'status', '--store', ws.store, '--trust', ws.vendor];

  const inGrace = await ws.ok(t, status, at(T0 + DAY + 3600));
  t.like(inGrace, {
    valid: true,
    activation: { leaseEndsAt: T0 + DAY, graceEndsAt: T0 + 3 * DAY },
  });
  t.deepEqual(
    inGrace['warnings'].map((w: { code: string }) => w.code),
    ['LEASE_IN_GRACE'],
  );

  const { exitCode, json } = await ws.refused(t, status, 'LEASE_EXPIRED', at(T0 + 3 * DAY + 3600));
  t.is(exitCode, 6);
  t.like(json, { valid: false, code: 'LEASE_EXPIRED' });
});

test('a clock set back behind a time already seen is reported, in words and as CLOCK_ROLLBACK', async (t) => {
  const { ws, key } = await vendorWithLicense(t, [], at(T0));
  await givenActivation(t, ws, key);
  const status = ['client', 'status', '--store', ws.store, '--trust', ws.vendor];
  await ws.given(t, status, at(T0 + 10 * DAY));

  const { exitCode } = await ws.refused(t, status, 'CLOCK_ROLLBACK', at(T0 + DAY));
  t.is(exitCode, 6);
  const human = await ws.run(status, at(T0 + DAY));
  t.is(human.exitCode, 6);
  t.regex(human.stdout, /^Not valid\. .*set back.*\(CLOCK_ROLLBACK\)$/m);
});

test('an expired license cannot be activated, and inspect says why', async (t) => {
  const { ws, key } = await vendorWithLicense(t, ['--type', 'trial', '--expires', '+1d'], at(T0));
  const later = at(T0 + 2 * DAY);

  const { exitCode } = await ws.refused(
    t,
    ['client', 'challenge', '--license', key, '--store', ws.store, '--trust', ws.vendor],
    'LICENSE_EXPIRED',
    later,
  );
  t.is(exitCode, 5);
  const { json } = await ws.refused(
    t,
    ['license', 'inspect', key, '--trust', ws.vendor],
    'LICENSE_EXPIRED',
    later,
  );
  t.like(json, { valid: false, type: 'trial', expiresAt: T0 + DAY });
});
