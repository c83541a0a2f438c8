// The ledger's admin endpoints on a real file ledger: the head, events paged newest first without
// secrets, verification streamed as JSON lines (sound and tampered journals), one verification at
// a time, checkpoints that a reopened ledger uses; admin only, and bad queries change nothing.

import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { applianceReducer } from '../../src/appliance/service.ts';
import { openLedger, type VerifyResult } from '../../src/ledger/index.ts';
import type { LedgerAdmin } from '../../src/http/routes/ledger.ts';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { domainRecords, hashOf, NOW, type Setup, setup } from './helpers.ts';

const ROUTES = [
  ['GET', '/ledger'],
  ['GET', '/ledger/events'],
  ['POST', '/ledger/verify'],
  ['POST', '/ledger/checkpoint'],
] as const;

/** Activates `count` new machines through the API: one activation.granted record each. */
async function activate(s: Setup, count: number, name = 'machine') {
  for (let i = 0; i < count; i++) {
    const challenge = createChallenge(emptyState(), s.key, s.machine(`${name}-${i}`)).text;
    const r = await s.call('POST', '/offline/respond', {
      token: s.tokens.operator,
      body: { challenge },
    });
    if (r.status !== 200) throw new Error(r.text);
  }
}

/** The JSON lines of a streamed answer. */
function lines(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

test('only admins may use the ledger endpoints', async (t) => {
  const s = await setup(t, { fileLedger: true });
  for (const [method, path] of ROUTES) {
    const none = await s.call(method, path);
    t.is(none.status, 401, `${method} ${path}`);
    t.is(none.json.error.code, 'UNAUTHORIZED');
    const operator = await s.call(method, path, { token: s.tokens.operator });
    t.is(operator.status, 403, `${method} ${path}`);
    t.is(operator.json.error.code, 'FORBIDDEN');
  }
});

test('the head, when the last record was written, and how the state was loaded', async (t) => {
  const s = await setup(t, { fileLedger: true });
  s.setNow(NOW + 60);
  await activate(s, 1);
  const res = await s.call('GET', '/ledger', { token: s.tokens.admin });
  t.is(res.status, 200, res.text);
  t.deepEqual(res.json, {
    head: { seq: 2, hash: s.ledger!.head.hash },
    lastRecordAt: (NOW + 60) * 1000,
    opened: { snapshotSeq: null, replayed: 0 },
    available: true,
  });
});

test('events come newest first in pages that nextBefore walks to the first record', async (t) => {
  const s = await setup(t, { fileLedger: true, seats: 0 });
  await activate(s, 6); // records 2…7 after the license (1)
  const seen: number[] = [];
  let before: number | null = null;
  let pages = 0;
  do {
    const query: string = `limit=3${before === null ? '' : `&before=${before}`}`;
    const page = await s.call('GET', `/ledger/events?${query}`, { token: s.tokens.admin });
    t.is(page.status, 200, page.text);
    seen.push(...page.json.events.map((e: { seq: number }) => e.seq));
    before = page.json.nextBefore;
    pages++;
  } while (before !== null);
  t.deepEqual(seen, [7, 6, 5, 4, 3, 2, 1]);
  t.is(pages, 3);

  const all = await s.call('GET', '/ledger/events', { token: s.tokens.admin });
  t.is(all.json.events.length, 7);
  t.is(all.json.nextBefore, null);
  const [newest] = all.json.events;
  t.deepEqual(Object.keys(newest).sort(), ['at', 'data', 'seq', 'type']);
  t.is(newest.type, 'activation.granted');
  t.is(newest.at, NOW * 1000);
  t.is(newest.data.channel, 'offline');
  t.is(all.json.events.at(-1).type, 'license.added');
});

test('events leave out the keyed hash of an appliance-held key', async (t) => {
  const s = await setup(t, { fileLedger: true });
  const { heldKey } = await s.appliance.createHeldLicense(
    {
      type: 'perpetual',
      expiresAt: null,
      seats: 1,
      leaseSeconds: 0,
      graceSeconds: 0,
      product: 'cad',
      features: [],
    },
    s.vendor.signer,
  );
  const res = await s.call('GET', '/ledger/events?limit=1', { token: s.tokens.admin });
  const [event] = res.json.events;
  t.is(event.type, 'license.added');
  t.false('held' in event.data);
  t.truthy(event.data.licenseId);
  const journal = await readFile(join(s.dir, 'ledger', 'journal', '0000000001.jsonl'), 'utf8');
  t.regex(journal, /"held":"[0-9a-f]+"/, 'the journal itself keeps it');
  t.false(res.text.includes(heldKey));
});

test('bad event queries are FORMAT_INVALID naming the parameter, and change nothing', async (t) => {
  const s = await setup(t, { fileLedger: true });
  const before = domainRecords(s);
  for (const [query, field] of [
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=1e2', 'limit'],
    ['before=0', 'before'],
    ['before=-1', 'before'],
    ['before=abc', 'before'],
    ['before=12345678901234567', 'before'],
    ['after=3', 'after'],
  ] as const) {
    const res = await s.call('GET', `/ledger/events?${query}`, { token: s.tokens.admin });
    t.is(res.status, 400, query);
    t.is(res.json.error.code, 'FORMAT_INVALID', query);
    t.is(res.json.error.details?.field, field, query);
  }
  const twice = await s.call('GET', '/ledger/events?limit=1&limit=2', { token: s.tokens.admin });
  t.is(twice.json.error.code, 'FORMAT_INVALID');
  t.is(domainRecords(s), before, 'only the audit trail grew');
});

test('verify streams progress in bytes, then the result of a sound journal', async (t) => {
  const s = await setup(t, { fileLedger: true });
  await activate(s, 3);
  const res = await s.call('POST', '/ledger/verify', { token: s.tokens.admin });
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  const got = lines(res.text);
  const progress = got.filter((l) => 'progress' in l).map((l) => l['progress']);
  t.true(progress.length >= 1);
  t.true('progress' in got[0]!, 'the first line is progress');
  // The request's own audit record may land while the journal is read: done ≤ total.
  t.true(progress.at(-1).done > 0 && progress.at(-1).done <= progress.at(-1).total);
  t.deepEqual(got.at(-1), {
    result: { ok: true, records: 4, lastSeq: 4, lastHash: await hashOf(s, 4) },
  });
});

test('a tampered journal verifies as ok:false naming the first bad record, by file name only', async (t) => {
  const s = await setup(t, { fileLedger: true });
  await activate(s, 3);
  const segment = join(s.dir, 'ledger', 'journal', '0000000001.jsonl');
  const records = (await readFile(segment, 'utf8')).split('\n');
  // One character of record 3's data changed, the length kept: its checksum no longer holds.
  records[2] = records[2]!.replace('"channel":"offline"', '"channel":"offlinE"');
  await writeFile(segment, records.join('\n'));
  const res = await s.call('POST', '/ledger/verify', { token: s.tokens.admin });
  t.is(res.status, 200, 'a failed verification is a result, not an HTTP error');
  const { result } = lines(res.text).at(-1)!;
  t.like(result, { ok: false, records: 2, lastSeq: 2 });
  t.deepEqual(result.firstBad, { seq: 3, file: '0000000001.jsonl', line: 3, reason: 'checksum' });
  t.false(res.text.includes(s.dir), 'no server paths');
});

test('one verification at a time: a second while one runs is VERIFY_RUNNING', async (t) => {
  const sound: VerifyResult = { ok: true, records: 0, lastSeq: 0, lastHash: '0'.repeat(64) };
  let finish: () => void = () => undefined;
  let calls = 0;
  const held: LedgerAdmin = {
    available: true,
    head: { seq: 0, hash: sound.lastHash },
    opened: { snapshotSeq: null, replayed: 0 },
    recent: () => Promise.resolve({ records: [], nextBefore: null }),
    checkpoint: () => Promise.reject(new Error('not in this test')),
    verify(options) {
      options?.onProgress?.(0, 10);
      // The first verification runs until the test lets it finish; later ones at once.
      if (++calls > 1) return Promise.resolve(sound);
      return new Promise((resolve) => (finish = () => resolve(sound)));
    },
  };
  const s = await setup(t, { adminLedger: held });
  const first = await fetch(`${s.url}/ledger/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.tokens.admin}` },
  });
  t.is(first.status, 200); // its headers and first line are out; verification goes on
  const second = await s.call('POST', '/ledger/verify', { token: s.tokens.admin });
  t.is(second.status, 409);
  t.is(second.json.error.code, 'VERIFY_RUNNING');
  finish();
  t.like(lines(await first.text()).at(-1), { result: { ok: true } });
  const third = await s.call('POST', '/ledger/verify', { token: s.tokens.admin });
  t.is(third.status, 200);
  t.is(calls, 2, 'the refused request started nothing');
});

test('checkpoint writes a snapshot now, and a ledger reopened from these files uses it', async (t) => {
  const s = await setup(t, { fileLedger: true });
  await activate(s, 2);
  const res = await s.call('POST', '/ledger/checkpoint', { token: s.tokens.admin, body: {} });
  t.is(res.status, 200, res.text);
  t.deepEqual(Object.keys(res.json).sort(), ['at', 'hash', 'seq']);
  t.like(res.json, { seq: 3, hash: await hashOf(s, 3) });
  t.true(Number.isSafeInteger(res.json.at));
  const ledgerDir = join(s.dir, 'ledger');
  const snapshot = JSON.parse(await readFile(join(ledgerDir, 'snapshot.json'), 'utf8'));
  t.like(snapshot, { seq: 3, hash: res.json.hash });

  // The files as a crash would leave them after one more activation.
  await activate(s, 1, 'later');
  const copy = await mkdtemp(join(tmpdir(), 'airlock-checkpoint-'));
  t.teardown(() => rm(copy, { recursive: true, force: true }));
  await cp(join(ledgerDir, 'journal'), join(copy, 'journal'), { recursive: true });
  await cp(join(ledgerDir, 'snapshot.json'), join(copy, 'snapshot.json'));
  const reopened = await openLedger({ dir: copy, reducer: applianceReducer, purpose: 'test' });
  // After the snapshot: the checkpoint's own audit record, and the activation.
  t.deepEqual(reopened.opened, { snapshotSeq: 3, replayed: 2 });
  t.is(reopened.state.activations.size, 3);
  await reopened.close();
});

test('without a file ledger the ledger endpoints say so (LEDGER_IN_MEMORY)', async (t) => {
  const s = await setup(t);
  for (const [method, path] of ROUTES) {
    const res = await s.call(method, path, { token: s.tokens.admin });
    t.is(res.status, 501, `${method} ${path}`);
    t.is(res.json.error.code, 'LEDGER_IN_MEMORY');
  }
});
