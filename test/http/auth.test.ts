// Who may do what: operators use the desk, the online endpoints and the read-only admin views;
// only admins add licenses. Tokens created or revoked on a running server take effect.

import test from 'ava';
import { createToken, revokeToken } from '../../src/appliance/tokens.ts';
import { NOW, setup } from './helpers.ts';

test('an operator reads licenses and activations but may not add a license', async (t) => {
  const s = await setup(t);
  const op = s.tokens.operator;
  t.is((await s.call('GET', '/licenses', { token: op })).status, 200);
  t.is((await s.call('GET', `/licenses/${s.licenseId}`, { token: op })).status, 200);
  t.is((await s.call('GET', '/activations', { token: op })).status, 200);
  const add = await s.call('POST', '/licenses', { token: op, body: { key: s.issue(1) } });
  t.is(add.status, 403);
  t.is(add.json.error.code, 'FORBIDDEN');
  const admin = await s.call('POST', '/licenses', {
    token: s.tokens.admin,
    body: { key: s.issue(1) },
  });
  t.is(admin.status, 201);
});

test('a token created on a running server works at once, and a revoked one stops', async (t) => {
  const s = await setup(t, { tokenReloadMs: 0 });
  const { token, info } = await createToken(s.dir, { role: 'operator', label: 'new', now: NOW });
  t.is((await s.call('GET', '/licenses', { token })).status, 200);
  await revokeToken(s.dir, info.id);
  const refused = await s.call('GET', '/licenses', { token });
  t.is(refused.status, 401);
  t.is(refused.json.error.code, 'UNAUTHORIZED');
});
