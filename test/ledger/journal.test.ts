// The journal (src/ledger/journal.ts) on a real temporary directory: durability across reopen,
// group commit, segment rotation, reading from the middle, and refusing misuse.

import test from 'ava';
import { readFile, stat } from 'node:fs/promises';
import { openJournal } from '../../src/ledger/journal.ts';
import { encodeRecord, GENESIS_HASH, type LedgerRecord } from '../../src/ledger/record.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { scratch, segmentFiles, segmentPath, T0 } from './helpers.ts';

async function collect(records: AsyncIterable<LedgerRecord>): Promise<LedgerRecord[]> {
  const all: LedgerRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

test('a new journal starts empty with one segment, and appends survive reopening', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  t.is(journal.lastSeq, 0);
  t.is(journal.lastHash, GENESIS_HASH);
  t.deepEqual(await segmentFiles(dir), ['0000000001.jsonl']);
  const first = await journal.append('license.added', { id: 'L1' }, T0);
  const second = await journal.append('activation', { id: 'A1', license: 'L1' }, T0 + 5);
  t.is(first.seq, 1);
  t.is(second.seq, 2);
  t.is(second.prev, first.hash);
  await journal.close();

  const text = await readFile(segmentPath(dir), 'utf8');
  t.deepEqual(
    text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line)),
    [first, second],
    'one human-readable JSON record per line',
  );

  const reopened = await openJournal({ dir });
  t.is(reopened.lastSeq, 2);
  t.is(reopened.lastHash, second.hash);
  t.deepEqual(await collect(reopened.records()), [first, second]);
  const third = await reopened.append('activation', { id: 'A2' }, T0 + 9);
  t.is(third.prev, second.hash);
  await reopened.close();
  t.true((await verifyLedger(dir)).ok);
});

test('sequence numbers and hashes are fixed when append is called, before any await', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  const pending = journal.append('a', {}, T0);
  t.is(journal.lastSeq, 1, 'the head moves at once');
  t.is(journal.durable.seq, 0, 'but nothing is durable yet');
  const record = await pending;
  t.is(journal.lastHash, record.hash);
  t.is(journal.durable.seq, 1);
  await journal.close();
});

test('100 concurrent appends share a few flushes, and every one is durable in seq order', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  const records = await Promise.all(
    Array.from({ length: 100 }, (_, i) => journal.append('event', { i }, T0 + i)),
  );
  t.deepEqual(
    records.map((r) => r.seq),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  t.deepEqual(
    records.map((r) => r.data['i']),
    Array.from({ length: 100 }, (_, i) => i),
    'the order of the calls is the order of the sequence numbers',
  );
  t.is(journal.stats.appends, 100);
  t.true(journal.stats.flushes <= 5, `${journal.stats.flushes} flushes for 100 appends`);
  await journal.close();
  const reopened = await openJournal({ dir });
  t.deepEqual(await collect(reopened.records()), records);
  await reopened.close();
});

test('appends made while a flush is in progress join the next write', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  // 20 appenders, each appending again as soon as its previous append is durable.
  await Promise.all(
    Array.from({ length: 20 }, async (_, worker) => {
      for (let i = 0; i < 10; i++) await journal.append('event', { worker, i }, T0);
    }),
  );
  t.is(journal.stats.appends, 200);
  t.true(journal.stats.flushes < 100, `${journal.stats.flushes} flushes for 200 appends`);
  await journal.close();
  t.is((await verifyLedger(dir)).records, 200);
});

test('appendMany writes consecutive records at once', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  await journal.append('a', {}, T0);
  const many = await journal.appendMany([
    { type: 'b', data: { n: 1 }, at: T0 },
    { type: 'c', data: { n: 2 }, at: T0 + 1 },
  ]);
  t.deepEqual(
    many.map((r) => r.seq),
    [2, 3],
  );
  t.is(many[1]!.prev, many[0]!.hash);
  t.deepEqual(await journal.appendMany([]), []);
  await journal.close();
});

test('segments rotate at the size limit, and reading crosses them and starts anywhere', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir, segmentBytes: 2000 });
  const written: LedgerRecord[] = [];
  for (let round = 0; round < 6; round++) {
    written.push(
      ...(await Promise.all(
        Array.from({ length: 10 }, (_, i) => journal.append('event', { round, i }, T0)),
      )),
    );
  }
  await journal.close();
  const files = await segmentFiles(dir);
  t.true(files.length > 3, `${files.length} segments`);
  for (const file of files) {
    t.true((await stat(`${dir}/journal/${file}`)).size <= 2000);
    const firstSeq = Number(file.slice(0, 10));
    const firstLine = (await readFile(`${dir}/journal/${file}`, 'utf8')).split('\n')[0]!;
    t.is(JSON.parse(firstLine).seq, firstSeq, 'a segment is named by its first record');
  }

  const reopened = await openJournal({ dir, segmentBytes: 2000 });
  t.deepEqual(await collect(reopened.records()), written);
  for (const from of [1, 2, 17, 30, 59, 60]) {
    t.deepEqual(await collect(reopened.records(from)), written.slice(from - 1), `from ${from}`);
  }
  t.deepEqual(await collect(reopened.records(61)), []);
  await reopened.append('event', { after: true }, T0);
  await reopened.close();
  const verified = await verifyLedger(dir);
  t.true(verified.ok);
  t.is(verified.records, 61);
});

test('a record larger than a segment still gets a segment of its own', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir, segmentBytes: 300 });
  await journal.append('small', {}, T0);
  await journal.append('big', { text: 'x'.repeat(1000) }, T0);
  await journal.append('small', {}, T0);
  await journal.close();
  t.deepEqual(await segmentFiles(dir), [
    '0000000001.jsonl',
    '0000000002.jsonl',
    '0000000003.jsonl',
  ]);
  t.true((await verifyLedger(dir)).ok);
});

test('misuse is refused without writing anything', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  await t.throwsAsync(journal.append('', {}, T0), { instanceOf: TypeError });
  await t.throwsAsync(journal.append('a', [] as unknown as object, T0), { instanceOf: TypeError });
  await t.throwsAsync(journal.append('a', {}, Number.NaN), { instanceOf: TypeError });
  const stale = encodeRecord({ seq: 5, hash: GENESIS_HASH }, T0, 'a', {});
  await t.throwsAsync(journal.commit(stale), { instanceOf: TypeError });
  t.throws(() => journal.records(0), { instanceOf: TypeError });
  t.is(journal.lastSeq, 0);
  await journal.close();
  t.is((await stat(segmentPath(dir))).size, 0);
});

test('a closed journal refuses appends with LEDGER_UNAVAILABLE, after finishing pending ones', async (t) => {
  const dir = await scratch();
  const journal = await openJournal({ dir });
  const pending = journal.append('a', {}, T0);
  const closing = journal.close();
  await t.throwsAsync(journal.append('b', {}, T0), { code: 'LEDGER_UNAVAILABLE' });
  t.is((await pending).seq, 1);
  await closing;
  t.is((await verifyLedger(dir)).records, 1);
});
