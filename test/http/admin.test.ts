// Licenses and the activation ledger over HTTP: adding keys (admin only), listing, one license
// with its seats, activation pages walked with a cursor; and the probes.

import test from 'ava';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { setup } from './helpers.ts';

test('an admin adds a license key; adding it again is an outcome, not an error', async (t) => {
  const s = await setup(t);
  const key = s.issue(5, 'floating');
  const added = await s.call('POST', '/licenses', { token: s.tokens.admin, body: { key } });
  t.is(added.status, 201, added.text);
  t.like(added.json, {
    outcome: 'added',
    license: { type: 'floating', seats: 5, seatsUsed: 0, seatsFree: 5, key },
  });
  const again = await s.call('POST', '/licenses', { token: s.tokens.admin, body: { key } });
  t.is(again.status, 200);
  t.is(again.json.outcome, 'existing');
  const list = await s.call('GET', '/licenses', { token: s.tokens.operator });
  t.is(list.json.licenses.length, 2);
  const one = await s.call('GET', `/licenses/${added.json.license.licenseId.toUpperCase()}`, {
    token: s.tokens.operator,
  });
  t.is(one.status, 200);
  t.deepEqual(one.json.activations, []);
});

test('activations are listed in pages that a cursor walks without gaps or repeats', async (t) => {
  const s = await setup(t, { seats: 0 });
  for (let i = 0; i < 7; i++) {
    const challenge = createChallenge(emptyState(), s.key, s.machine(`page-${i}`)).text;
    const r = await s.call('POST', '/offline/respond', {
      token: s.tokens.operator,
      body: { challenge },
    });
    t.is(r.status, 200, r.text);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=3&status=active${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await s.call('GET', `/activations?${query}`, { token: s.tokens.operator });
    t.is(page.status, 200, page.text);
    seen.push(...page.json.activations.map((a: { activationId: string }) => a.activationId));
    cursor = page.json.nextCursor;
    pages++;
  } while (cursor !== null);
  t.is(pages, 3);
  t.is(seen.length, 7);
  t.deepEqual(seen, [...seen].sort());
  t.is(new Set(seen).size, 7);
  const none = await s.call('GET', '/activations?status=revoked', { token: s.tokens.operator });
  t.deepEqual(none.json, { activations: [], nextCursor: null });
});

test('health and readiness answer without a token, with security headers', async (t) => {
  const s = await setup(t);
  const health = await s.call('GET', '/health');
  t.is(health.status, 200);
  t.deepEqual(health.json, { status: 'ok' });
  for (const [name, value] of [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cache-control', 'no-store'],
  ]) {
    t.is(health.headers.get(name!), value!, name);
  }
  const ready = await s.call('GET', '/ready');
  t.is(ready.status, 200);
  t.is(ready.json.status, 'ready');
});

test('readiness is 503 with the reason until the appliance has a current certificate', async (t) => {
  const s = await setup(t, {
    wrap: (a) => ({ ...a, identity: { ...a.identity, certificate: undefined } }),
  });
  const uncertified = await s.call('GET', '/ready');
  t.is(uncertified.status, 503);
  t.like(uncertified.json, { status: 'not_ready', code: 'CERTIFICATE_UNKNOWN' });
  t.is((await s.call('GET', '/health')).status, 200);

  const expiring = await setup(t);
  expiring.setNow(expiring.identity.certificate!.notAfter);
  const expired = await expiring.call('GET', '/ready');
  t.is(expired.status, 503);
  t.like(expired.json, { status: 'not_ready', code: 'CERTIFICATE_EXPIRED' });
});
