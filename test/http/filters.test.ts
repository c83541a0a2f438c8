// Finding things in the lists: activations by the UTC day they were granted, oldest or newest
// first with a cursor that walks either way; licenses by a piece of their ID, product or features.
// A bad filter is FORMAT_INVALID naming the parameter.

import test from 'ava';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { DAY, NOW, type Setup, setup } from './helpers.ts';

// NOW is 2027-01-15T08:00:00Z.
const GRANTS = [
  ['m0', NOW], // 2027-01-15
  ['m1', NOW + DAY], // 2027-01-16
  ['m2', NOW + 2 * DAY], // 2027-01-17 08:00
  ['m3', NOW + 2 * DAY + 15 * 3600], // 2027-01-17 23:00
] as const;

/** Activates each machine at its time; returns their activation IDs in order. */
async function grant(s: Setup): Promise<string[]> {
  const ids: string[] = [];
  for (const [machine, at] of GRANTS) {
    s.setNow(at);
    const challenge = createChallenge(emptyState(), s.key, { ...s.machine(machine), now: at }).text;
    const r = await s.call('POST', '/offline/respond', {
      token: s.tokens.operator,
      body: { challenge },
    });
    if (r.status !== 200) throw new Error(r.text);
    ids.push(r.json.activationId);
  }
  return ids;
}

async function list(s: Setup, query: string) {
  const res = await s.call('GET', `/activations?${query}`, { token: s.tokens.operator });
  if (res.status !== 200) throw new Error(res.text);
  return {
    ids: res.json.activations.map((a: { activationId: string }) => a.activationId) as string[],
    nextCursor: res.json.nextCursor as string | null,
  };
}

test('from and to are whole UTC days, both included', async (t) => {
  const s = await setup(t, { seats: 0 });
  const [a, b, c, d] = await grant(s);
  t.deepEqual((await list(s, 'from=2027-01-16')).ids, [b, c, d]);
  t.deepEqual((await list(s, 'to=2027-01-16')).ids, [a, b]);
  t.deepEqual((await list(s, 'from=2027-01-17&to=2027-01-17')).ids, [c, d]);
  t.deepEqual((await list(s, 'from=2027-01-18')).ids, []);
  t.deepEqual((await list(s, 'from=2027-01-15&to=2027-01-16&status=active')).ids, [a, b]);
});

test('order=newest lists the newest first, and its cursor walks back without gaps or repeats', async (t) => {
  const s = await setup(t, { seats: 0 });
  const ids = await grant(s);
  t.deepEqual((await list(s, 'order=newest')).ids, [...ids].reverse());
  t.deepEqual((await list(s, '')).ids, ids, 'oldest first by default');
  t.deepEqual((await list(s, 'order=oldest')).ids, ids);

  for (const order of ['newest', 'oldest']) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(s, `order=${order}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.ids);
      cursor = page.nextCursor;
    } while (cursor !== null);
    t.deepEqual(seen, order === 'newest' ? [...ids].reverse() : ids, order);
  }
  const page = await list(s, 'order=newest&from=2027-01-16&limit=1');
  t.deepEqual(page.ids, [ids[3]]);
  t.deepEqual((await list(s, `order=newest&from=2027-01-16&cursor=${page.nextCursor}`)).ids, [
    ids[2],
    ids[1],
  ]);
});

test('a bad activation filter is FORMAT_INVALID naming it, and lists nothing', async (t) => {
  const s = await setup(t, { seats: 0 });
  await grant(s);
  for (const [query, field] of [
    ['from=2027-1-5', 'from'],
    ['from=2027-02-30', 'from'],
    ['from=1800000000', 'from'],
    ['to=1969-12-31', 'to'],
    ['to=2027-01-16T00:00:00Z', 'to'],
    ['from=2027-01-17&to=2027-01-16', 'to'],
    ['order=desc', 'order'],
    ['order=NEWEST', 'order'],
    ['limit=1001', 'limit'],
  ] as const) {
    const res = await s.call('GET', `/activations?${query}`, { token: s.tokens.operator });
    t.is(res.status, 400, query);
    t.is(res.json.error.code, 'FORMAT_INVALID', query);
    t.is(res.json.error.details?.field, field, query);
    t.is(res.json.activations, undefined);
  }
  const twice = await s.call('GET', '/activations?from=2027-01-15&from=2027-01-16', {
    token: s.tokens.operator,
  });
  t.is(twice.json.error.code, 'FORMAT_INVALID');
  t.is((await list(s, '')).ids.length, 4, 'nothing changed');
});

test('licenses are found by a piece of their ID, product, type or features, in any case', async (t) => {
  const s = await setup(t);
  const other = await s.call('POST', '/licenses', {
    token: s.tokens.admin,
    body: { key: s.issue(2, 'floating', 'acme-render') },
  });
  t.is(other.status, 201, other.text);
  const otherId: string = other.json.license.licenseId;
  const search = async (q: string) => {
    const res = await s.call('GET', `/licenses?q=${encodeURIComponent(q)}`, {
      token: s.tokens.operator,
    });
    t.is(res.status, 200, res.text);
    return (res.json.licenses as { licenseId: string }[]).map((l) => l.licenseId).sort();
  };
  t.deepEqual(await search('acme-RENDER'), [otherId]);
  t.deepEqual(await search('CAD'), [s.licenseId]);
  t.deepEqual(await search(otherId.slice(4, 12).toUpperCase()), [otherId]);
  t.deepEqual(await search('floating'), [otherId]);
  t.deepEqual(await search('PRO'), [s.licenseId, otherId].sort());
  t.deepEqual(await search('  '), [s.licenseId, otherId].sort(), 'blank: every license');
  t.deepEqual(await search('nothing like it'), []);
});

test('a license search too long, with control characters or given twice is FORMAT_INVALID', async (t) => {
  const s = await setup(t);
  for (const query of [`q=${'a'.repeat(101)}`, 'q=a%0Ab', 'q=a&q=b', 'search=a']) {
    const res = await s.call('GET', `/licenses?${query}`, { token: s.tokens.operator });
    t.is(res.status, 400, query);
    t.is(res.json.error.code, 'FORMAT_INVALID', query);
  }
  const long = await s.call('GET', `/licenses?q=${'a'.repeat(101)}`, { token: s.tokens.operator });
  t.is(long.json.error.details.field, 'q');
});
