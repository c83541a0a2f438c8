// Ledger.checkpoint: a snapshot of the state now, written once its record is durable, never beside
// a background snapshot, that a ledger opened after a crash uses; and refused when it cannot write.

import test from 'ava';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger, type LedgerNotice, type LedgerOptions } from '../../src/ledger/ledger.ts';
import { failingOps, scratch, tallyReducer, T0, type Tally } from './helpers.ts';

function options(dir: string, extra: Partial<LedgerOptions<Tally>> = {}): LedgerOptions<Tally> {
  return { dir, reducer: tallyReducer, purpose: 'checkpoint test', ...extra };
}

async function snapshotOf(dir: string) {
  return JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8'));
}

test('checkpoint writes the state as of the last record, and a ledger opened after a crash uses it', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger(options(dir, { now: () => 1234 }));
  for (let i = 0; i < 7; i++) await ledger.append('a', { n: i }, T0);
  const checkpoint = await ledger.checkpoint();
  t.deepEqual(checkpoint, { seq: 7, hash: ledger.head.hash, at: 1234 });
  const snapshot = await snapshotOf(dir);
  t.is(snapshot.seq, 7);
  t.is(snapshot.hash, checkpoint.hash);
  t.is(snapshot.state.count, 7);

  // A crash right now: the files as they are, without the lock or close's own snapshot.
  await ledger.append('a', { n: 7 }, T0);
  const crashed = await scratch();
  await cp(join(dir, 'journal'), join(crashed, 'journal'), { recursive: true });
  await cp(join(dir, 'snapshot.json'), join(crashed, 'snapshot.json'));
  await ledger.close();
  const reopened = await openLedger(options(crashed));
  t.deepEqual(reopened.opened, { snapshotSeq: 7, replayed: 1 });
  t.is(reopened.state.count, 8);
  await reopened.close();
});

test('checkpoint waits until the record it covers is durable', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger(options(dir));
  const appended = ledger.append('a', { n: 1 }, T0);
  const checkpoint = await ledger.checkpoint();
  t.is(checkpoint.seq, 1);
  t.is((await appended).hash, checkpoint.hash);
  t.is((await snapshotOf(dir)).seq, 1);
  await ledger.close();
});

test('checkpoint waits for a background snapshot, so the file ends at the later one', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger(options(dir, { snapshotEvery: 10 }));
  const appends = Array.from({ length: 13 }, (_, n) => ledger.append('a', { n }, T0));
  const checkpoint = await ledger.checkpoint();
  await Promise.all(appends);
  await ledger.settle();
  t.is(checkpoint.seq, 13);
  t.is((await snapshotOf(dir)).seq, 13);
  await ledger.close();
});

test('two checkpoints at once each write a whole snapshot, one after the other', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger(options(dir));
  await ledger.append('a', { n: 1 }, T0);
  const [first, second] = await Promise.all([ledger.checkpoint(), ledger.checkpoint()]);
  t.is(first.seq, 1);
  t.is(second.seq, 1);
  t.is((await snapshotOf(dir)).state.count, 1);
  await ledger.close();
});

test('a snapshot that cannot be written is LEDGER_UNAVAILABLE, reported, and appends go on', async (t) => {
  const dir = await scratch();
  const notices: LedgerNotice[] = [];
  const ledger = await openLedger(options(dir, { onNotice: (n) => notices.push(n) }));
  await ledger.append('a', {}, T0);
  await mkdir(join(dir, 'snapshot.json')); // a directory where the file should be
  await t.throwsAsync(ledger.checkpoint(), { code: 'LEDGER_UNAVAILABLE' });
  t.is(notices[0]?.kind, 'snapshot-failed');
  t.true(ledger.available);
  await ledger.append('a', {}, T0);
  t.is(ledger.state.count, 2);
  await ledger.close();
});

test('checkpoint is refused while the ledger cannot write, and once it is closed', async (t) => {
  const dir = await scratch();
  const ops = failingOps();
  const ledger = await openLedger(options(dir, { fileOps: ops }));
  await ledger.append('a', {}, T0);
  ops.failWith = 'ENOSPC';
  await t.throwsAsync(ledger.append('a', {}, T0), { code: 'LEDGER_UNAVAILABLE' });
  await t.throwsAsync(ledger.checkpoint(), { code: 'LEDGER_UNAVAILABLE' });
  ops.failWith = null;
  await ledger.close();
  await t.throwsAsync(ledger.checkpoint(), { code: 'LEDGER_UNAVAILABLE' });
});
