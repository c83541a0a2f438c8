// Renewal from the command line, as a site runs it: `client status` says when renewal is due (and
// --renew-within moves it), and a challenge made while activated says that it renews.

import test from 'ava';
import { DAY, givenActivation, T0, vendorWithLicense } from './helpers.ts';

const at = (seconds: number) => ({ AIRLOCK_NOW: String(seconds) });

test('status says when renewal is due, then that it is due, with LEASE_ENDING', async (t) => {
  const { ws, key } = await vendorWithLicense(t, ['--lease', '30', '--grace', '7'], at(T0));
  await givenActivation(t, ws, key, at(T0));
  const status = ['client', 'status', '--store', ws.store, '--trust', ws.vendor];

  // The clock only moves forward here: a status at an earlier time would be CLOCK_ROLLBACK.
  const early = await ws.given(t, status, at(T0 + DAY));
  t.deepEqual(early['renewal'], { due: false, dueAt: T0 + 23 * DAY, windowSeconds: 7 * DAY });
  t.deepEqual(early['warnings'], []);

  const quiet = await ws.run(status, at(T0 + DAY));
  t.regex(
    quiet.stdout,
    /^ {2}renewal +due 2027-02-07T00:00:00Z \(in 22 days; 7 days before the lease ends\)$/m,
  );

  const human = await ws.run(status, at(T0 + 24 * DAY));
  t.is(human.exitCode, 0);
  t.regex(
    human.stdout,
    /^ {2}renewal +due since 2027-02-07T00:00:00Z \(1 day ago\): make a new challenge/m,
  );
  t.regex(human.stdout, /^Warning: .*renew.*\(LEASE_ENDING\)$/m);
});

test('--renew-within sets the window; a duration it cannot read is a usage error', async (t) => {
  const { ws, key } = await vendorWithLicense(t, ['--lease', '30'], at(T0));
  await givenActivation(t, ws, key, at(T0));
  const status = ['client', 'status', '--store', ws.store, '--trust', ws.vendor];

  const json = await ws.ok(t, [...status, '--renew-within', '3d'], at(T0 + 24 * DAY));
  t.like(json, {
    valid: true,
    renewal: { due: false, dueAt: T0 + 27 * DAY, windowSeconds: 3 * DAY },
    warnings: [],
  });
  const due = await ws.given(t, [...status, '--renew-within', '12h'], at(T0 + 30 * DAY - 3600));
  t.like(due, { renewal: { due: true, dueAt: T0 + 30 * DAY - 12 * 3600 } });

  const { exitCode, error } = await ws.refused(
    t,
    [...status, '--renew-within', 'soon'],
    'USAGE',
    at(T0 + DAY),
  );
  t.is(exitCode, 2);
  t.regex(error['message'], /--renew-within/);
});

test('a challenge while activated says it renews the activation, which stays valid', async (t) => {
  const { ws, key } = await vendorWithLicense(t, ['--lease', '30'], at(T0));
  await givenActivation(t, ws, key, at(T0));
  const trust = ['--store', ws.store, '--trust', ws.vendor];

  const made = await ws.run(['client', 'challenge', '--license', key, ...trust], at(T0 + 25 * DAY));
  t.is(made.exitCode, 0);
  t.regex(
    made.stdout,
    /This challenge renews the activation held: the machine stays activated until/,
  );
  const json = await ws.given(
    t,
    ['client', 'challenge', '--license', key, ...trust],
    at(T0 + 25 * DAY),
  );
  t.is(json['renews'], 'lease');
  t.like(await ws.given(t, ['client', 'status', ...trust], at(T0 + 25 * DAY)), {
    valid: true,
    activation: { leaseEndsAt: T0 + 30 * DAY },
  });
});
