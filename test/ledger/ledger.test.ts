// The ledger (src/ledger/ledger.ts): state from snapshot + replay equals state from every record,
// a snapshot that does not match the journal is ignored, and a failed write never leaves an
// unacknowledged record in memory.

import test from 'ava';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger, type LedgerNotice, type LedgerOptions } from '../../src/ledger/ledger.ts';
import { failingOps, scratch, tallyReducer, T0, type Tally } from './helpers.ts';

function options(dir: string, extra: Partial<LedgerOptions<Tally>> = {}): LedgerOptions<Tally> {
  return { dir, reducer: tallyReducer, purpose: 'ledger test', ...extra };
}

async function readSnapshotFile(dir: string) {
  return JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8'));
}

/** A ledger of `count` records appended in concurrent groups of 10, then closed. */
async function ledgerOf(dir: string, count: number, extra: Partial<LedgerOptions<Tally>> = {}) {
  const ledger = await openLedger(options(dir, extra));
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        ledger.append(j % 3 === 0 ? 'a' : 'b', { n: i + j }, T0 + i),
      ),
    );
  }
  await ledger.close();
}

test('append applies the record to the state before it returns, then resolves when durable', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger(options(dir));
  t.deepEqual(ledger.state, tallyReducer.initial());
  const pending = ledger.append('a', { n: 5 }, T0);
  t.is(ledger.state.count, 1, 'applied synchronously');
  t.is(ledger.state.sum, 5);
  const record = await pending;
  t.is(record.seq, 1);
  t.deepEqual(ledger.head, { ...ledger.head, seq: 1, hash: record.hash });
  await ledger.close();
});

test('snapshot plus replay gives the same state as replaying every record', async (t) => {
  const dir = await scratch();
  await ledgerOf(dir, 257, { snapshotEvery: 40, segmentBytes: 4000 });
  const snapshot = await readSnapshotFile(dir);
  t.is(snapshot.format, 'airlock-snapshot/v1');
  t.is(snapshot.seq, 257, 'close writes a final snapshot');

  const fromSnapshot = await openLedger(options(dir));
  t.deepEqual(fromSnapshot.opened, { snapshotSeq: 257, replayed: 0 });
  const withSnapshot = structuredClone(fromSnapshot.state);
  await fromSnapshot.close();

  // The same journal, once with an older snapshot and once with none.
  await writeFile(
    join(dir, 'snapshot.json'),
    JSON.stringify({ ...snapshot, seq: 0, hash: '0'.repeat(64), state: tallyReducer.initial() }),
  );
  const fromZero = await openLedger(options(dir));
  t.deepEqual(fromZero.opened, { snapshotSeq: 0, replayed: 257 });
  t.deepEqual(fromZero.state, withSnapshot);
  await fromZero.close();

  await rm(join(dir, 'snapshot.json'));
  const full = await openLedger(options(dir));
  t.deepEqual(full.opened, { snapshotSeq: null, replayed: 257 });
  t.deepEqual(full.state, withSnapshot);
  t.is(full.state.count, 257);
  await full.close();
});

test('snapshots are written in the background every snapshotEvery records', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger(options(dir, { snapshotEvery: 25 }));
  for (let i = 0; i < 60; i++) await ledger.append('a', { n: i }, T0);
  await ledger.settle();
  const snapshot = await readSnapshotFile(dir);
  t.is(snapshot.seq, 50);
  t.is(snapshot.state.count, 50, 'the state as of its record, not later');
  await ledger.close();

  const reopened = await openLedger(options(dir));
  t.deepEqual(reopened.opened, { snapshotSeq: 60, replayed: 0 });
  await reopened.close();
});

test('a snapshot from another history, ahead of the journal, or damaged is ignored and said why', async (t) => {
  const other = await scratch();
  await ledgerOf(other, 30);
  const foreign = await readFile(join(other, 'snapshot.json'), 'utf8');
  const cases: Array<[string, RegExp]> = [
    [foreign.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'1'.repeat(64)}"`), /does not match/],
    [foreign.replace('"seq":30', '"seq":99'), /at record 99 but the journal ends at record 40/],
    ['{"format":"airlock-snapshot/v1","seq":1', /not valid JSON/],
    ['{"format":"other/v1","seq":1,"hash":"x","state":{}}', /format/],
    [foreign.replace('"count":30', '"count":"30"'), /state could not be read/],
  ];
  for (const [content, why] of cases) {
    const dir = await scratch();
    await ledgerOf(dir, 40);
    await writeFile(join(dir, 'snapshot.json'), content);
    const notices: LedgerNotice[] = [];
    const ledger = await openLedger(options(dir, { onNotice: (n) => notices.push(n) }));
    t.is(ledger.opened.snapshotSeq, null);
    t.is(ledger.opened.replayed, 40);
    t.is(ledger.state.count, 40);
    t.is(notices.length, 1);
    t.is(notices[0]!.kind, 'snapshot-ignored');
    t.regex((notices[0] as { reason: string }).reason, why);
    await ledger.close();
  }
});

test('a reducer that throws leaves nothing written', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger({
    ...options(dir),
    reducer: {
      ...tallyReducer,
      apply(state, record) {
        if (record.type === 'refused') throw new Error('no such license');
        return tallyReducer.apply(state, record);
      },
    },
  });
  await ledger.append('a', {}, T0);
  await t.throwsAsync(ledger.append('refused', {}, T0), { message: 'no such license' });
  t.is((await ledger.append('a', {}, T0)).seq, 2);
  await ledger.close();
  const reopened = await openLedger(options(dir));
  t.is(reopened.state.count, 2);
  await reopened.close();
});

test('a second ledger on the same directory is LEDGER_LOCKED until the first closes', async (t) => {
  const dir = await scratch();
  const first = await openLedger(options(dir));
  await t.throwsAsync(openLedger(options(dir)), { code: 'LEDGER_LOCKED' });
  await first.close();
  await (await openLedger(options(dir))).close();
});

test('after a failed write the state is rebuilt from disk and appends wait for a probe', async (t) => {
  const dir = await scratch();
  const ops = failingOps();
  let clock = 0;
  const notices: LedgerNotice[] = [];
  const ledger = await openLedger(
    options(dir, { fileOps: ops, now: () => clock, onNotice: (n) => notices.push(n) }),
  );
  for (let i = 0; i < 5; i++) await ledger.append('a', { n: 1 }, T0);

  ops.failWith = 'ENOSPC';
  const failed = Array.from({ length: 3 }, () => ledger.append('a', { n: 100 }, T0));
  t.is(ledger.state.count, 8, 'applied at once, as always');
  for (const append of failed) await t.throwsAsync(append, { code: 'LEDGER_UNAVAILABLE' });
  t.false(ledger.available);
  await ledger.settle();
  t.is(ledger.state.count, 5, 'the unacknowledged records are gone from memory');
  t.is(ledger.state.sum, 5);
  t.deepEqual(
    notices.map((n) => n.kind),
    ['unavailable'],
  );

  // Still failing: refused, and a probe at most once a second.
  clock += 1000;
  await t.throwsAsync(ledger.append('a', {}, T0), { code: 'LEDGER_UNAVAILABLE' });
  await ledger.settle();
  t.false(ledger.available);

  ops.failWith = null;
  clock += 500;
  await t.throwsAsync(ledger.append('a', {}, T0), { code: 'LEDGER_UNAVAILABLE' });
  await ledger.settle();
  t.false(ledger.available, 'no probe within a second of the last one');

  clock += 500;
  await t.throwsAsync(ledger.append('a', {}, T0), { code: 'LEDGER_UNAVAILABLE' });
  await ledger.settle();
  t.true(ledger.available);
  t.is(notices.at(-1)!.kind, 'available');
  const record = await ledger.append('a', { n: 1 }, T0);
  t.is(record.seq, 6);
  t.is(ledger.state.count, 6);
  await ledger.close();

  const reopened = await openLedger(options(dir));
  t.deepEqual(reopened.state.seqs, [1, 2, 3, 4, 5, 6]);
  t.true((await reopened.verify()).ok);
  await reopened.close();
});

test('the state cannot be read while it is being rebuilt after a failed write', async (t) => {
  const dir = await scratch();
  const ops = failingOps();
  const ledger = await openLedger(options(dir, { fileOps: ops }));
  await ledger.append('a', {}, T0);
  ops.failWith = 'EIO';
  await t.throwsAsync(ledger.append('a', {}, T0), {
    code: 'LEDGER_UNAVAILABLE',
    message: /input\/output error/,
  });
  t.throws(() => ledger.state, { code: 'LEDGER_UNAVAILABLE' });
  await ledger.settle();
  t.is(ledger.state.count, 1);
  ops.failWith = null;
  await ledger.close();
});

test('a failed snapshot write is reported and changes nothing else', async (t) => {
  const dir = await scratch();
  const notices: LedgerNotice[] = [];
  const ledger = await openLedger(
    options(dir, { snapshotEvery: 3, onNotice: (n) => notices.push(n) }),
  );
  // A directory where the snapshot file should be: writing it fails.
  await mkdir(join(dir, 'snapshot.json'));
  for (let i = 0; i < 4; i++) await ledger.append('a', {}, T0);
  await ledger.settle();
  t.is(notices[0]?.kind, 'snapshot-failed');
  t.is(ledger.state.count, 4);
  await ledger.close();
});

test('damage to records a snapshot covers does not stop opening; verify reports it', async (t) => {
  const dir = await scratch();
  await ledgerOf(dir, 20);
  const segment = join(dir, 'journal', '0000000001.jsonl');
  const text = await readFile(segment, 'utf8');
  await writeFile(segment, text.replace('{"n":4}', '{"n":40}'));
  // Opening checks the journal's end and the records it replays; the snapshot stands for the rest.
  const ledger = await openLedger(options(dir));
  t.deepEqual(ledger.opened, { snapshotSeq: 20, replayed: 0 });
  const verified = await ledger.verify();
  t.false(verified.ok);
  t.like(verified.firstBad, { seq: 5, line: 5, reason: 'checksum' });
  await ledger.close();
});
