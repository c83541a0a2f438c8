// `verifyLedger` (src/ledger/verify.ts): every checksum, the chain across segment files and the
// sequence, the first bad record located by file and line; it never writes and takes no lock.

import test from 'ava';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openJournal } from '../../src/ledger/journal.ts';
import { openLedger } from '../../src/ledger/ledger.ts';
import { encodeRecord, GENESIS_HASH } from '../../src/ledger/record.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { scratch, segmentFiles, T0, tallyReducer } from './helpers.ts';

/** A closed journal of `count` records in segments of at most 1500 bytes. */
async function segmented(count: number) {
  const dir = await scratch();
  const journal = await openJournal({ dir, segmentBytes: 1500 });
  for (let i = 1; i <= count; i++) await journal.append('event', { i }, T0 + i);
  const head = journal.head;
  await journal.close();
  const files = (await segmentFiles(dir)).map((name) => join(dir, 'journal', name));
  return { dir, head, files };
}

test('a sound journal verifies: record count, last seq and hash, progress in bytes', async (t) => {
  const { dir, head, files } = await segmented(50);
  t.true(files.length > 3);
  const progress: Array<[number, number]> = [];
  const result = await verifyLedger(dir, {
    onProgress: (done, total) => progress.push([done, total]),
  });
  t.deepEqual(result, { ok: true, records: 50, lastSeq: 50, lastHash: head.hash });
  let total = 0;
  for (const file of files) total += (await stat(file)).size;
  t.true(progress.length >= files.length);
  t.true(progress.every(([done, all]) => done <= all && all === total));
  t.deepEqual(progress.at(-1), [total, total]);
});

test('an empty journal verifies with the genesis hash; no journal is FILE_NOT_FOUND', async (t) => {
  const dir = await scratch();
  await (await openJournal({ dir })).close();
  t.deepEqual(await verifyLedger(dir), {
    ok: true,
    records: 0,
    lastSeq: 0,
    lastHash: GENESIS_HASH,
  });
  await t.throwsAsync(verifyLedger(await scratch()), { code: 'FILE_NOT_FOUND' });
});

test('the chain is checked across segment files', async (t) => {
  const { dir, files } = await segmented(50);
  const second = files[1]!;
  const lines = (await readFile(second, 'utf8')).trimEnd().split('\n');
  const firstSeq = JSON.parse(lines[0]!).seq as number;
  // A well-formed record with the right seq that links to a different record before it.
  const forged = encodeRecord({ seq: firstSeq - 1, hash: 'a'.repeat(64) }, T0, 'event', {});
  lines[0] = forged.line.toString().trimEnd();
  await writeFile(second, `${lines.join('\n')}\n`);
  const result = await verifyLedger(dir);
  t.false(result.ok);
  t.is(result.records, firstSeq - 1);
  t.is(result.lastSeq, firstSeq - 1);
  t.deepEqual(result.firstBad, { seq: firstSeq, file: second, line: 1, reason: 'chain' });
});

test('a missing segment file is a break in the sequence at the next one', async (t) => {
  const { dir, files } = await segmented(50);
  await rm(files[1]!);
  const result = await verifyLedger(dir);
  t.false(result.ok);
  t.like(result.firstBad, { file: files[2]!, line: 1, reason: 'sequence' });
});

test('a torn tail is reported as such and left in place', async (t) => {
  const { dir, files } = await segmented(20);
  const last = files.at(-1)!;
  const torn = (await readFile(last, 'utf8')).slice(0, -30);
  await writeFile(last, torn);
  const result = await verifyLedger(dir);
  t.false(result.ok);
  t.is(result.lastSeq, 19);
  t.like(result.firstBad, { seq: 20, file: last, reason: 'torn' });
  t.is(await readFile(last, 'utf8'), torn, 'verify changes nothing');
});

test('verify reads while a ledger holds the lock, up to what it made durable', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger({ dir, reducer: tallyReducer, purpose: 'server' });
  for (let i = 0; i < 10; i++) await ledger.append('a', {}, T0);
  const pending = ledger.append('a', {}, T0);
  t.like(await ledger.verify(), { ok: true, records: 10 });
  await pending;
  t.like(await verifyLedger(dir), { ok: true, records: 11 });
  await ledger.close();
});
