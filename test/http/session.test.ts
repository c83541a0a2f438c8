// GET /session: a console signs in with a token and learns its role and the appliance it speaks to.

import { createRequire } from 'node:module';
import test from 'ava';
import { formatId } from '../../src/core/ids.ts';
import { setup } from './helpers.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

test('a token learns its role and ID, the appliance, its certificate expiry and the version', async (t) => {
  const s = await setup(t);
  const admin = await s.call('GET', '/session', { token: s.tokens.admin });
  t.is(admin.status, 200, admin.text);
  t.deepEqual(admin.json, {
    role: 'admin',
    tokenId: admin.json.tokenId,
    appliance: {
      applianceId: formatId('appliance', s.identity.applianceId),
      mode: 'standalone',
      certificateExpiresAt: s.identity.certificate!.notAfter,
    },
    version,
  });
  t.regex(admin.json.tokenId, /^tok_[0-9a-f]{8}$/);
  const operator = await s.call('GET', '/session', { token: s.tokens.operator });
  t.is(operator.status, 200);
  t.is(operator.json.role, 'operator');
  t.not(operator.json.tokenId, admin.json.tokenId);
});

test('an appliance still waiting for its certificate says null', async (t) => {
  const s = await setup(t, {
    wrap: (a) => ({ ...a, identity: { ...a.identity, certificate: undefined } }),
  });
  const res = await s.call('GET', '/session', { token: s.tokens.operator });
  t.is(res.json.appliance.certificateExpiresAt, null);
});

test('no token, an expired one or an unknown one is UNAUTHORIZED', async (t) => {
  const s = await setup(t);
  for (const token of [undefined, s.tokens.expired, `alt_${'A'.repeat(43)}`]) {
    const res = await s.call('GET', '/session', token === undefined ? {} : { token });
    t.is(res.status, 401);
    t.is(res.json.error.code, 'UNAUTHORIZED');
  }
});
