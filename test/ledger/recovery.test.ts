// What the journal does with damage and faults: a torn tail is cut on open and reported, a bad
// record before the last one is LEDGER_CORRUPT naming it (on open at the end, when read deeper
// in), and a failed write undoes itself.

import test from 'ava';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { AirlockError } from '../../src/core/errors.ts';
import { openJournal, type RecoveredTail } from '../../src/ledger/journal.ts';
import { openLedger } from '../../src/ledger/ledger.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { failingOps, scratch, segmentFiles, segmentPath, T0, tallyReducer } from './helpers.ts';

/** A journal of `count` records, closed; returns its directory and its segment's text. */
async function journalOf(count: number, segmentBytes?: number, history = 'a') {
  const dir = await scratch();
  const journal = await openJournal(segmentBytes === undefined ? { dir } : { dir, segmentBytes });
  for (let i = 1; i <= count; i++) {
    await journal.append('event', history === 'a' ? { i } : { i, history }, T0 + i);
  }
  await journal.close();
  return { dir, text: await readFile(segmentPath(dir), 'utf8') };
}

async function reopen(dir: string) {
  const events: RecoveredTail[] = [];
  const journal = await openJournal({ dir, onRecovered: (event) => events.push(event) });
  return { journal, events };
}

test('a last line cut short by a crash is cut on open, reported, and appending resumes', async (t) => {
  const { dir, text } = await journalOf(5);
  const size = Buffer.byteLength(text);
  await truncate(segmentPath(dir), size - 40);
  const { journal, events } = await reopen(dir);
  const lastLine = Buffer.byteLength(text.trimEnd().split('\n').at(-1)!) + 1;
  t.deepEqual(events, [
    { file: segmentPath(dir), cutBytes: lastLine - 40, atSeq: 5, reason: 'torn' },
  ]);
  t.is(journal.lastSeq, 4);
  t.is((await stat(segmentPath(dir))).size, size - lastLine);
  t.is((await journal.append('event', { again: true }, T0)).seq, 5);
  await journal.close();
  t.true((await verifyLedger(dir)).ok);
});

test('garbage after the last record is cut, whether or not it ends with a newline', async (t) => {
  for (const [garbage, reason] of [
    ['{"seq":6,"pr', 'torn'],
    ['\u0000'.repeat(4096), 'torn'],
    ['not a record at all\n', 'malformed'],
  ] as const) {
    const { dir, text } = await journalOf(5);
    await appendFile(segmentPath(dir), garbage);
    const { journal, events } = await reopen(dir);
    t.deepEqual(events, [
      { file: segmentPath(dir), cutBytes: Buffer.byteLength(garbage), atSeq: 6, reason },
    ]);
    t.is(journal.lastSeq, 5);
    await journal.close();
    t.is(await readFile(segmentPath(dir), 'utf8'), text);
  }
});

test('a last record with a wrong checksum is cut, and so is a torn piece after it', async (t) => {
  const { dir, text } = await journalOf(5);
  const damaged = text.replace('{"i":5}', '{"i":6}');
  await writeFile(segmentPath(dir), `${damaged}{"seq":6`);
  const { journal, events } = await reopen(dir);
  t.is(events.length, 1);
  t.is(events[0]!.atSeq, 5);
  t.is(events[0]!.reason, 'checksum');
  t.is(journal.lastSeq, 4);
  await journal.close();
});

test('a damaged record just before the last one is LEDGER_CORRUPT on open, naming it', async (t) => {
  const { dir, text } = await journalOf(5);
  const damaged = text.replace('{"i":4}', '{"i":9}');
  await writeFile(segmentPath(dir), damaged);
  const error = await t.throwsAsync(reopen(dir), { instanceOf: AirlockError });
  t.is(error?.code, 'LEDGER_CORRUPT');
  t.regex(error!.message, /record 4 \(line 4 of .*0000000001\.jsonl\) fails its checksum/);
  t.like(error!.details, { seq: 4, line: 4, file: segmentPath(dir), reason: 'checksum' });
  t.is(await readFile(segmentPath(dir), 'utf8'), damaged, 'nothing is cut');
});

test('damage deeper in the journal stops the ledger replaying it, and verify reports it', async (t) => {
  const { dir, text } = await journalOf(10);
  await writeFile(segmentPath(dir), text.replace('{"i":3}', '{"i":9}'));
  // Opening checks the end, where a crash strikes; reading checks every record it reads.
  const { journal } = await reopen(dir);
  t.is(journal.lastSeq, 10);
  const reading = (async () => {
    for await (const record of journal.records()) void record;
  })();
  await t.throwsAsync(reading, { code: 'LEDGER_CORRUPT', message: /record 3 \(line 3 / });
  await journal.close();

  const error = await t.throwsAsync(openLedger({ dir, reducer: tallyReducer, purpose: 'test' }), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'LEDGER_CORRUPT');
  t.regex(error!.message, /record 3 \(line 3 of .*0000000001\.jsonl\) fails its checksum/);
  t.like(error!.details, { seq: 3, line: 3, file: segmentPath(dir), reason: 'checksum' });

  const verified = await verifyLedger(dir);
  t.false(verified.ok);
  t.is(verified.records, 2);
  t.deepEqual(verified.firstBad, {
    seq: 3,
    file: segmentPath(dir),
    line: 3,
    reason: 'checksum',
  });
});

test('a removed record in the middle breaks the sequence, a swapped one the chain', async (t) => {
  const { dir, text } = await journalOf(6);
  const lines = text.trimEnd().split('\n');
  await writeFile(segmentPath(dir), `${[...lines.slice(0, 2), ...lines.slice(3)].join('\n')}\n`);
  await t.throwsAsync(reopen(dir), { code: 'LEDGER_CORRUPT', message: /out of sequence/ });
  t.deepEqual((await verifyLedger(dir)).firstBad, {
    seq: 3,
    file: segmentPath(dir),
    line: 3,
    reason: 'sequence',
  });

  // Record 3 of another history: its checksum and seq are right, but it links elsewhere.
  const other = await journalOf(6);
  const foreign = (await journalOf(3, undefined, 'b')).text.trimEnd().split('\n');
  const otherLines = other.text.trimEnd().split('\n');
  otherLines[2] = foreign[2]!;
  await writeFile(segmentPath(other.dir), `${otherLines.join('\n')}\n`);
  await t.throwsAsync(openLedger({ dir: other.dir, reducer: tallyReducer, purpose: 'test' }), {
    code: 'LEDGER_CORRUPT',
    message: /record 3 .* link/,
  });
  t.deepEqual((await verifyLedger(other.dir)).firstBad, {
    seq: 3,
    file: segmentPath(other.dir),
    line: 3,
    reason: 'chain',
  });
});

test('an empty segment left by a crash during rotation is removed on open', async (t) => {
  const { dir } = await journalOf(30, 1000);
  const files = await segmentFiles(dir);
  const lastSeq = 30;
  await writeFile(`${dir}/journal/${String(lastSeq + 1).padStart(10, '0')}.jsonl`, '{"seq":31,"pr');
  const { journal, events } = await reopen(dir);
  t.is(events.length, 1);
  t.is(journal.lastSeq, 30);
  t.deepEqual(await segmentFiles(dir), files);
  t.is((await journal.append('event', {}, T0)).seq, 31);
  await journal.close();
  t.true((await verifyLedger(dir)).ok);
});

for (const failAt of ['write', 'datasync'] as const) {
  test(`a failed ${failAt} rejects every pending append, undoes the bytes and refuses more`, async (t) => {
    const dir = await scratch();
    const ops = failingOps();
    const journal = await openJournal({ dir, fileOps: ops });
    for (let i = 1; i <= 3; i++) await journal.append('event', { i }, T0);
    const durableSize = (await stat(segmentPath(dir))).size;

    ops.failWith = 'ENOSPC';
    ops.failAt = failAt;
    ops.partialBytes = 50;
    const pending = Array.from({ length: 5 }, (_, i) => journal.append('event', { i }, T0));
    t.is(journal.lastSeq, 8);
    for (const append of pending) {
      const error = await t.throwsAsync(append, { instanceOf: AirlockError });
      t.is(error?.code, 'LEDGER_UNAVAILABLE');
      t.is(
        error?.message,
        `The ledger in ${dir} could not write durably: the disk is full; nothing was acknowledged. ` +
          'Free disk space or fix permissions.',
      );
    }
    t.is((await stat(segmentPath(dir))).size, durableSize, 'nothing half-written stays');
    t.is(journal.lastSeq, 3);

    ops.failWith = null;
    await t.throwsAsync(journal.append('event', {}, T0), {
      code: 'LEDGER_UNAVAILABLE',
      message: /must be reopened/,
    });
    await journal.close();

    const reopened = await openJournal({ dir, fileOps: ops });
    t.is(reopened.lastSeq, 3);
    t.is((await reopened.append('event', { after: true }, T0)).seq, 4);
    await reopened.close();
    t.true((await verifyLedger(dir)).ok);
  });
}

test('a probe fails while writes fail and succeeds once they work', async (t) => {
  const dir = await scratch();
  const ops = failingOps();
  const journal = await openJournal({ dir, fileOps: ops });
  ops.failWith = 'EROFS';
  await t.throwsAsync(journal.probe(), {
    code: 'LEDGER_UNAVAILABLE',
    message: /read-only/,
  });
  ops.failWith = null;
  await journal.probe();
  t.deepEqual(await segmentFiles(dir), ['0000000001.jsonl']);
  await journal.close();
});
