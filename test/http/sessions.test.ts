// Console sessions over real HTTP: the cookie's attributes, CSRF on every change, idle and absolute
// time-outs, sign-out here and everywhere, the account lock-out an admin clears, the per-address
// throttle, and changes made with the CLI ending the sessions they no longer fit.

import test from 'ava';
import { openUserBook } from '../../src/appliance/users.ts';
import { NOW, setup, type Setup, USER_PASSWORDS } from './helpers.ts';

type Role = keyof typeof USER_PASSWORDS;

interface Signed {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

async function signIn(s: Setup, name: Role, password = USER_PASSWORDS[name]) {
  const res = await fetch(`${s.url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  return {
    status: res.status,
    json: (await res.json()) as any,
    setCookie: res.headers.get('set-cookie'),
  };
}

async function signedIn(s: Setup, name: Role): Promise<Signed> {
  const res = await signIn(s, name);
  if (res.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(res.json)}`);
  const setCookie = res.setCookie!;
  return { cookie: setCookie.split(';')[0]!, csrf: res.json.csrfToken, setCookie };
}

/** A request with the session's cookie, and its CSRF token unless told otherwise. */
async function as(
  s: Setup,
  who: Signed,
  method: string,
  path: string,
  options: { body?: unknown; csrf?: string | null } = {},
) {
  const headers: Record<string, string> = { cookie: who.cookie };
  const csrf = options.csrf === undefined ? who.csrf : options.csrf;
  if (csrf !== null) headers['x-csrf-token'] = csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
}

test('sign-in gives an HttpOnly, SameSite=Strict session cookie and a CSRF token', async (t) => {
  const s = await setup(t, { users: true });
  const who = await signedIn(s, 'operator');
  t.regex(who.setCookie, /^airlock_session=[A-Za-z0-9_-]{43}; /);
  t.regex(who.setCookie, /; httponly/i);
  t.regex(who.setCookie, /; samesite=strict/i);
  t.regex(who.setCookie, /; path=\//i);
  t.notRegex(who.setCookie, /; secure/i, 'Secure only over TLS (test/serve checks HTTPS)');
  const session = await as(s, who, 'GET', '/session');
  t.is(session.status, 200);
  t.like(session.json, { user: 'operator', role: 'operator', csrfToken: who.csrf });
  t.is(session.json.tokenId, undefined);
});

test('a change without the session’s CSRF token is refused and changes nothing', async (t) => {
  const s = await setup(t, { users: true });
  const who = await signedIn(s, 'admin');
  const revoke = (csrf: string | null) =>
    as(s, who, 'POST', `/licenses/${s.licenseId}/revoke`, { body: { reason: 'test' }, csrf });
  for (const csrf of [null, '', 'x'.repeat(43), (await signedIn(s, 'admin')).csrf]) {
    const refused = await revoke(csrf);
    t.is(refused.status, 403);
    t.is(refused.json.error.code, 'CSRF_INVALID');
  }
  t.false(s.appliance.licenses()[0]!.revoked);
  const done = await revoke(who.csrf);
  t.is(done.status, 200);
  t.true(s.appliance.licenses()[0]!.revoked);
  // Reads need no CSRF token; API tokens never do.
  t.is((await as(s, who, 'GET', '/licenses', { csrf: null })).status, 200);
});

test('a session ends after its idle time and after its absolute time', async (t) => {
  const s = await setup(t, {
    users: true,
    sessionLimits: { idleSeconds: 600, absoluteSeconds: 3600 },
  });
  const idle = await signedIn(s, 'operator');
  s.setNow(NOW + 599);
  t.is((await as(s, idle, 'GET', '/session')).status, 200);
  s.setNow(NOW + 599 + 600);
  const ended = await as(s, idle, 'GET', '/session');
  t.is(ended.status, 401);
  t.regex(ended.json.error.message, /Sign in again/);

  s.setNow(NOW + 2000);
  const busy = await signedIn(s, 'operator');
  for (const step of [500, 1000, 1500, 2000, 2500, 3000, 3500]) {
    s.setNow(NOW + 2000 + step);
    t.is((await as(s, busy, 'GET', '/session')).status, 200, `${step}`);
  }
  s.setNow(NOW + 2000 + 3600);
  t.is((await as(s, busy, 'GET', '/session')).status, 401, 'ended however busy');
});

test('sign-out ends this session; sign-out everywhere ends every session of the user', async (t) => {
  const s = await setup(t, { users: true });
  const [a, b, other] = [
    await signedIn(s, 'operator'),
    await signedIn(s, 'operator'),
    await signedIn(s, 'admin'),
  ];
  t.is((await as(s, a, 'POST', '/auth/sign-out', { body: {} })).status, 200);
  t.is((await as(s, a, 'GET', '/session')).status, 401);
  t.is((await as(s, b, 'GET', '/session')).status, 200);
  const c = await signedIn(s, 'operator');
  const all = await as(s, c, 'POST', '/auth/sign-out-everywhere', { body: {} });
  t.deepEqual(all.json, { outcome: 'signed-out', sessions: 2 });
  t.is((await as(s, b, 'GET', '/session')).status, 401);
  t.is((await as(s, other, 'GET', '/session')).status, 200, "another user's session goes on");
});

test('wrong passwords lock the account; an admin unlocks it over the API', async (t) => {
  const s = await setup(t, { users: true });
  const wrong = await signIn(s, 'operator', 'not it at all');
  t.is(wrong.status, 401);
  t.like(wrong.json, {
    error: { code: 'SIGN_IN_FAILED', message: 'The user name or the password is wrong.' },
  });
  t.is(wrong.setCookie, null);
  t.deepEqual((await signIn(s, 'nobody' as Role, 'not it at all')).json, wrong.json);
  for (let i = 0; i < 3; i++) await signIn(s, 'operator', `wrong ${i}`);
  const locked = await signIn(s, 'operator', 'wrong again');
  t.is(locked.status, 403);
  t.is(locked.json.error.code, 'ACCOUNT_LOCKED');
  t.is((await signIn(s, 'operator')).json.error.code, 'ACCOUNT_LOCKED');

  const admin = await signedIn(s, 'admin');
  const listed = await as(s, admin, 'GET', '/users');
  t.true(listed.json.users.find((u: any) => u.name === 'operator').lockedUntil > NOW);
  t.is((await as(s, admin, 'POST', '/users/operator/unlock', { body: {} })).status, 200);
  t.is((await signIn(s, 'operator')).status, 200);
});

test('one address is throttled after 20 failed sign-ins, whichever accounts it tries', async (t) => {
  const s = await setup(t, { users: true });
  for (let i = 0; i < 20; i++) await signIn(s, `guess${i}` as Role, 'a password guess');
  const throttled = await signIn(s, 'admin');
  t.is(throttled.status, 429);
  t.is(throttled.json.error.code, 'RATE_LIMITED');
  s.setNow(NOW + 15 * 60);
  t.is((await signIn(s, 'admin')).status, 200, 'the window passes');
});

test('a user removed, demoted or given a new password with the CLI is signed out', async (t) => {
  const s = await setup(t, { users: true, tokenReloadMs: 0 });
  const operator = await signedIn(s, 'operator');
  const auditor = await signedIn(s, 'auditor');
  const cli = await openUserBook(s.dir);
  await cli.setPassword('operator', 'a fresh pass phrase', NOW + 1);
  await cli.remove('auditor');
  for (const who of [operator, auditor]) {
    const res = await as(s, who, 'GET', '/session');
    t.is(res.status, 401);
  }
});

test('roles: an operator activates but may not change licenses; an auditor only reads', async (t) => {
  const s = await setup(t, { users: true });
  const operator = await signedIn(s, 'operator');
  const auditor = await signedIn(s, 'auditor');
  const forbidden = await as(s, operator, 'POST', '/licenses', { body: { key: s.key } });
  t.is(forbidden.status, 403);
  t.regex(forbidden.json.error.message, /operator role; this needs the admin role/);
  t.is((await as(s, auditor, 'GET', '/ledger/events')).status, 501, 'no file ledger here');
  t.is(
    (await as(s, auditor, 'POST', '/offline/respond', { body: { challenge: 'C' } })).status,
    403,
  );
  t.is((await as(s, operator, 'GET', '/ledger')).status, 403);
});

test('a user changes their own password: other sessions end, this one goes on', async (t) => {
  const s = await setup(t, { users: true });
  const here = await signedIn(s, 'operator');
  const elsewhere = await signedIn(s, 'operator');
  const wrong = await as(s, here, 'POST', '/auth/password', {
    body: { current: 'not it', password: 'a new pass phrase 4' },
  });
  t.is(wrong.json.error.code, 'PASSWORD_WRONG');
  const changed = await fetch(`${s.url}/auth/password`, {
    method: 'POST',
    headers: { cookie: here.cookie, 'x-csrf-token': here.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ current: USER_PASSWORDS.operator, password: 'a new pass phrase 4' }),
  });
  t.is(changed.status, 200);
  const renewed: Signed = {
    cookie: changed.headers.get('set-cookie')!.split(';')[0]!,
    csrf: ((await changed.json()) as { csrfToken: string }).csrfToken,
    setCookie: '',
  };
  t.is((await as(s, renewed, 'GET', '/session')).status, 200);
  t.is((await as(s, elsewhere, 'GET', '/session')).status, 401);
  t.is((await signIn(s, 'operator', 'a new pass phrase 4')).status, 200);
});
