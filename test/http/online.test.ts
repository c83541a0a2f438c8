// Hybrid clients over HTTP: activate with the same signed artefacts as offline, revalidate with
// reasons, deactivate with proof; and 200 machines racing for 10 seats get exactly 10.

import test from 'ava';
import { applyResponse, createChallenge, deactivate, emptyState } from '../../src/sdk/index.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { DAY, NOW, setup } from './helpers.ts';

test('an online activation is recorded with the client address and ID, and validates', async (t) => {
  const s = await setup(t);
  const a = createChallenge(emptyState(), s.key, s.machine('online'));
  const res = await s.call('POST', '/activate', {
    token: s.tokens.operator,
    body: { challenge: a.text, clientId: 'build-agent-7' },
  });
  t.is(res.status, 200, res.text);
  t.is(res.json.qrSvg, undefined);
  const applied = applyResponse(a.state, res.json.qr, s.machine('online'));
  t.is(applied.activation.activationId, res.json.activationId);

  const listed = await s.call('GET', `/activations?licenseId=${s.licenseId}`, {
    token: s.tokens.operator,
  });
  t.like(listed.json.activations[0], {
    activationId: res.json.activationId,
    channel: 'online',
    ip: '127.0.0.1',
    clientId: 'build-agent-7',
    status: 'active',
  });

  const ids = { licenseId: s.licenseId, activationId: res.json.activationId };
  const valid = await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.like(valid.json, {
    valid: true,
    code: 'VALID',
    status: 'active',
    leaseEndsAt: NOW + 30 * DAY,
    license: { revoked: false, expired: false },
  });

  s.setNow(NOW + 31 * DAY);
  const lapsed = await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.like(lapsed.json, { valid: false, code: 'LEASE_EXPIRED', status: 'active' });
  s.setNow(NOW);

  const { code } = deactivate(applied.state, { now: NOW });
  const freed = await s.call('POST', '/deactivate', { token: s.tokens.operator, body: { code } });
  t.is(freed.json.outcome, 'freed');
  const after = await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.like(after.json, { valid: false, code: 'NOT_ACTIVATED', status: 'deactivated' });
  t.regex(after.json.message, /deactivated on 2027-/);

  s.setNow(NOW + 400 * DAY);
  const late = await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.like(late.json, { valid: false, license: { expired: true } });
});

test('revalidation records when the machine was last seen, at most once an hour', async (t) => {
  const ledger = createMemoryLedger();
  const s = await setup(t, { ledger });
  const a = createChallenge(emptyState(), s.key, s.machine('seen'));
  const granted = await s.call('POST', '/activate', {
    token: s.tokens.operator,
    body: { challenge: a.text },
  });
  const ids = { licenseId: s.licenseId, activationId: granted.json.activationId };
  const seen = () => ledger.events.filter((e) => e.type === 'activation.seen').length;

  await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.is(seen(), 0, 'just activated: seen already');
  s.setNow(NOW + 2 * 3600);
  const later = await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.is(later.json.lastSeenAt, NOW + 2 * 3600);
  t.is(seen(), 1);
  s.setNow(NOW + 2 * 3600 + 600);
  await s.call('POST', '/validate', { token: s.tokens.operator, body: ids });
  t.is(seen(), 1, 'within the hour: no second record');
  const listed = await s.call('GET', `/activations?licenseId=${s.licenseId}`, {
    token: s.tokens.admin,
  });
  t.is(listed.json.activations[0].lastSeenAt, NOW + 2 * 3600);
});

test('validating an activation the license does not have is a 404', async (t) => {
  const s = await setup(t);
  const res = await s.call('POST', '/validate', {
    token: s.tokens.operator,
    body: { licenseId: s.licenseId, activationId: 'act_000000ff' },
  });
  t.is(res.status, 404);
  t.is(res.json.error.code, 'ACTIVATION_UNKNOWN');
});

test('200 concurrent activations of a 10-seat license give exactly 10 seats', async (t) => {
  const s = await setup(t, { seats: 10 });
  const challenges = Array.from(
    { length: 200 },
    (_, i) => createChallenge(emptyState(), s.key, s.machine(`race-${i}`)).text,
  );
  const results = await Promise.all(
    challenges.map((challenge) =>
      s.call('POST', '/activate', { token: s.tokens.operator, body: { challenge } }),
    ),
  );
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 409);
  t.is(ok.length, 10);
  t.is(refused.length, 190);
  t.true(refused.every((r) => r.json.error.code === 'SEATS_EXHAUSTED'));
  t.is(new Set(ok.map((r) => r.json.activationId)).size, 10);
  const license = await s.call('GET', `/licenses/${s.licenseId}`, { token: s.tokens.operator });
  t.like(license.json, { seats: 10, seatsUsed: 10, seatsFree: 0 });
  t.is(license.json.activations.length, 10);
});
