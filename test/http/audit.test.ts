// The audit trail over real HTTP: admin actions and refusals in the ledger's hash chain with who,
// what, from where and the result; reads and operators' activations left to their own events;
// alerts raised, recorded and listed; a flood of refusals counted, not written one by one.

import test from 'ava';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { Workspace } from '../cli/helpers.ts';
import { domainRecords, setup, type Setup } from './helpers.ts';

async function trail(s: Setup): Promise<Record<string, any>[]> {
  // Audit records are written after their answer: wait until what was appended is durable.
  for (let i = 0; i < 200; i++) {
    const { records } = await s.ledger!.recent({ limit: 1 });
    if (records[0]?.seq === s.ledger!.head.seq) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const res = await s.call('GET', '/audit?limit=500', { token: s.tokens.auditor });
  if (res.status !== 200) throw new Error(res.text);
  return res.json.entries;
}

test('an admin action and a refusal are recorded with who, what, from where and the result', async (t) => {
  const s = await setup(t, { fileLedger: true });
  const added = await s.call('POST', '/licenses', {
    token: s.tokens.admin,
    body: { key: s.issue(5) },
  });
  t.is(added.status, 201);
  const refused = await s.call('POST', '/licenses', {
    token: s.tokens.operator,
    body: { key: s.issue(5) },
  });
  t.is(refused.status, 403);
  await s.call('GET', '/licenses', { token: s.tokens.admin });
  const entries = await trail(s);
  t.like(entries[0], {
    action: 'POST /api/v1/licenses',
    result: 'refused',
    status: 403,
    code: 'FORBIDDEN',
    ip: '127.0.0.1',
  });
  t.regex(entries[0]!.actor, /^token:tok_[0-9a-f]{8}$/);
  t.like(entries[1], { action: 'POST /api/v1/licenses', result: 'ok', status: 201 });
  t.is(entries.length, 2, 'reads are not recorded');
  t.true(entries[0]!.seq > entries[1]!.seq, 'newest first');
});

test("operators' activations are their own events; their refusals are in the trail", async (t) => {
  const s = await setup(t, { fileLedger: true, seats: 1 });
  for (const machine of ['a', 'b']) {
    const challenge = createChallenge(emptyState(), s.key, s.machine(machine)).text;
    await s.call('POST', '/offline/respond', {
      token: s.tokens.operator,
      body: { challenge },
    });
  }
  const entries = await trail(s);
  t.is(entries.length, 1);
  t.like(entries[0], { result: 'refused', code: 'SEATS_EXHAUSTED', status: 409 });
});

test('sign-ins are recorded, failed ones with the name tried', async (t) => {
  const s = await setup(t, { fileLedger: true, users: true });
  const signIn = (password: string) =>
    s.call('POST', '/auth/sign-in', { body: { name: 'operator', password } });
  t.is((await signIn('not the password')).status, 401);
  t.is((await signIn('second pass phrase 2')).status, 200);
  const [ok, failed] = await trail(s);
  t.like(ok, { action: 'POST /api/v1/auth/sign-in', result: 'ok', actor: 'user:operator' });
  t.like(failed, {
    result: 'refused',
    code: 'SIGN_IN_FAILED',
    actor: 'anonymous',
    detail: 'sign-in as "operator"',
  });
});

test('many refusals raise an alert, recorded in the trail and listed', async (t) => {
  const s = await setup(t, { fileLedger: true });
  for (let i = 0; i < 30; i++) {
    await s.call('GET', '/licenses', { token: 'alt_' + 'x'.repeat(43) });
  }
  const alerts = await s.call('GET', '/alerts', { token: s.tokens.auditor });
  t.like(alerts.json.alerts, [{ kind: 'many-refusals', subject: '127.0.0.1' }]);
  const entries = await trail(s);
  t.true(entries.some((e) => e.action === 'alert:many-refusals' && e.result === 'alert'));
  t.is((await s.call('GET', '/alerts', { token: s.tokens.operator })).status, 403);
});

test('a flood of refusals is counted beyond 60 a minute, and changes nothing else', async (t) => {
  const s = await setup(t, { fileLedger: true });
  const before = domainRecords(s);
  for (let i = 0; i < 70; i++) await s.call('GET', '/nowhere');
  const refusals = (await trail(s)).filter((e) => e.result === 'refused');
  t.is(refusals.length, 60);
  t.is(domainRecords(s), before);
  s.setNow(1_800_000_000 + 60);
  await s.call('GET', '/nowhere');
  const [latest] = (await trail(s)).filter((e) => e.result === 'refused');
  t.regex(latest!.detail ?? JSON.stringify(latest), /^10 more refusals from this address/);
});

test('the trail pages backwards with nextBefore', async (t) => {
  const s = await setup(t, { fileLedger: true });
  for (let i = 0; i < 5; i++) await s.call('GET', '/nowhere');
  const first = await s.call('GET', '/audit?limit=2', { token: s.tokens.admin });
  t.is(first.json.entries.length, 2);
  const second = await s.call('GET', `/audit?limit=10&before=${first.json.nextBefore}`, {
    token: s.tokens.admin,
  });
  t.true(second.json.entries.every((e: { seq: number }) => e.seq < first.json.entries[1].seq));
  t.is(second.json.nextBefore, null);
});

test('`airlock audit` prints the trail from the data directory, beside the running server', async (t) => {
  const s = await setup(t, { fileLedger: true });
  await s.call('POST', '/licenses', { token: s.tokens.operator, body: { key: s.issue(2) } });
  await trail(s);
  const ws = await Workspace.create(t);
  const printed = await ws.given(t, ['audit', '--data', s.dir]);
  t.like(printed['entries'], [
    { action: 'POST /api/v1/licenses', result: 'refused', code: 'FORBIDDEN' },
  ]);
  const none = await ws.given(t, ['audit', '--data', s.dir, '--alerts']);
  t.deepEqual(none['entries'], []);
  const later = await ws.given(t, ['audit', '--data', s.dir, '--since', '2099-01-01']);
  t.deepEqual(later['entries'], []);
});
