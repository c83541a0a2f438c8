// `airlock client activate --online`: a site machine activates through the appliance's API in one
// command, falls back to the challenge when the appliance is out of reach, and reports refusals.

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { NOW, setup } from '../http/helpers.ts';
import { Workspace } from './helpers.ts';

const env = { AIRLOCK_NOW: String(NOW) };

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

test('a machine activates online in one command, with the token from AIRLOCK_TOKEN', async (t) => {
  const s = await setup(t);
  const ws = await Workspace.create(t, env);
  const store = ['--store', ws.store, '--trust', s.dir];
  const activated = await ws.ok(
    t,
    ['client', 'activate', '--license', s.key, '--online', s.url, ...store],
    { AIRLOCK_TOKEN: s.tokens.operator },
  );
  t.like(activated, {
    mode: 'online',
    activated: true,
    licenseId: s.licenseId,
    features: ['pro'],
    renewal: false,
    seats: 3,
    seatsUsed: 1,
  });
  t.regex(activated['activationId'], /^act_[0-9a-f]{8}$/);
  t.like(await ws.given(t, ['client', 'status', ...store]), { valid: true, code: 'VALID' });

  // For a person: the activation, the seats, and no token echoed anywhere.
  const again = await ws.run(
    ['client', 'activate', '--license', s.key, '--online', s.url, ...store],
    { AIRLOCK_TOKEN: s.tokens.operator },
  );
  t.is(again.exitCode, 0, again.stderr);
  t.regex(again.stdout, /^Activated: license lic_[0-9a-f]{16} \(cad\)/);
  t.regex(again.stdout, /seats +1 of 3 in use \(a renewal/);
  t.false(again.stdout.includes(s.tokens.operator));
});

test('out of reach, it prints the challenge for the offline way and exits non-zero', async (t) => {
  const s = await setup(t);
  const ws = await Workspace.create(t, env);
  const store = ['--store', ws.store, '--trust', s.dir];
  const url = await closedPortUrl();
  const args = ['client', 'activate', '--license', s.key, '--online', url, '--token', 'tok'];

  const result = await ws.run([...args, ...store, '--qr', ws.path('challenge.png'), '--json']);
  t.is(result.exitCode, 9, 'the exit code of APPLIANCE_UNREACHABLE');
  const json = JSON.parse(result.stdout) as Record<string, any>;
  t.like(json, {
    mode: 'offline',
    licenseId: s.licenseId,
    error: { code: 'APPLIANCE_UNREACHABLE' },
  });
  t.regex(json['error'].message, /could not be reached \(ECONNREFUSED\)/);
  t.true(existsSync(ws.path('challenge.png')));

  // The operator answers the challenge at the appliance; the response is entered by hand.
  const answer = await s.appliance.respond(json['challenge'], { channel: 'offline' });
  await ws.given(t, ['client', 'apply', answer.qr, ...store]);
  t.like(await ws.given(t, ['client', 'status', ...store]), { valid: true });

  const person = await ws.run([...args, ...store]);
  t.is(person.exitCode, 9);
  t.regex(
    person.stdout,
    /^The appliance at http:\/\/127\.0\.0\.1:\d+\/api\/v1 could not be reached/,
  );
  t.regex(person.stdout, /Activate offline instead\.\n\nChallenge for license/);
  t.regex(person.stdout, /airlock client apply RESPONSE --store/);
});

test('refusals are reported with their code, and a missing token or bad URL is a usage error', async (t) => {
  const s = await setup(t, { seats: 1 });
  // Another machine holds the only seat.
  const other = createChallenge(emptyState(), s.key, s.machine('someone-else'));
  await s.appliance.respond(other.text, { channel: 'online' });
  const ws = await Workspace.create(t, env);
  const store = ['--store', ws.store, '--trust', s.dir];
  const args = ['client', 'activate', '--license', s.key, ...store];
  const full = await ws.refused(
    t,
    [...args, '--online', s.url, '--token', s.tokens.operator],
    'SEATS_EXHAUSTED',
  );
  t.is(full.exitCode, 5);
  const usage = await ws.refused(t, [...args, '--online', s.url], 'USAGE');
  t.regex(usage.error['message'], /AIRLOCK_TOKEN/);
  const bad = await ws.refused(t, [...args, '--online', 'ftp://x', '--token', 't'], 'USAGE');
  t.regex(bad.error['message'], /^--online must be an http: or https: address/);
});
