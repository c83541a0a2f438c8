// Ledger.recent: the newest durable records, newest first, a page at a time going backwards
// across segment files, reading only from the page's first record on; damage is LEDGER_CORRUPT.

import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { openLedger, type LedgerOptions } from '../../src/ledger/ledger.ts';
import { scratch, segmentFiles, segmentPath, tallyReducer, T0, type Tally } from './helpers.ts';

function options(dir: string, extra: Partial<LedgerOptions<Tally>> = {}): LedgerOptions<Tally> {
  return { dir, reducer: tallyReducer, purpose: 'recent test', ...extra };
}

async function ledgerWith(count: number) {
  const dir = await scratch();
  const ledger = await openLedger(options(dir, { segmentBytes: 4000 }));
  await Promise.all(Array.from({ length: count }, (_, n) => ledger.append('a', { n }, T0 + n)));
  return { dir, ledger };
}

test('pages of the newest records, going backwards across segments, cover the journal once', async (t) => {
  const { dir, ledger } = await ledgerWith(257);
  t.true((await segmentFiles(dir)).length > 3, 'several segment files');
  const seen: number[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = await ledger.recent({ limit: 50, ...(before === undefined ? {} : { before }) });
    seen.push(...page.records.map((r) => r.seq));
    for (const record of page.records) t.is(record.at, T0 + record.seq - 1);
    if (page.nextBefore === null) break;
    before = page.nextBefore;
  }
  t.deepEqual(
    seen,
    Array.from({ length: 257 }, (_, i) => 257 - i),
  );
  await ledger.close();
});

test('before beyond the newest record starts at the newest; before 1 and an empty journal give nothing', async (t) => {
  const { ledger } = await ledgerWith(5);
  const page = await ledger.recent({ limit: 2, before: 1000 });
  t.deepEqual(
    page.records.map((r) => r.seq),
    [5, 4],
  );
  t.is(page.nextBefore, 4);
  t.deepEqual(await ledger.recent({ limit: 2, before: 1 }), { records: [], nextBefore: null });
  const last = await ledger.recent({ limit: 10, before: 3 });
  t.deepEqual(
    last.records.map((r) => r.seq),
    [2, 1],
  );
  t.is(last.nextBefore, null);
  await ledger.close();

  const empty = await openLedger(options(await scratch()));
  t.deepEqual(await empty.recent({ limit: 5 }), { records: [], nextBefore: null });
  await empty.close();
});

test('records not yet durable are not listed', async (t) => {
  const { ledger } = await ledgerWith(3);
  const pending = ledger.append('b', {}, T0);
  t.is(ledger.head.seq, 4);
  t.is((await ledger.recent({ limit: 5 })).records[0]?.seq, 3);
  await pending;
  t.is((await ledger.recent({ limit: 5 })).records[0]?.seq, 4);
  await ledger.close();
});

test('a damaged record in the page is LEDGER_CORRUPT naming it; pages before it still read', async (t) => {
  const { dir, ledger } = await ledgerWith(20);
  const segment = segmentPath(dir);
  const text = await readFile(segment, 'utf8');
  await writeFile(segment, text.replace('{"n":4}', '{"n":40}'));
  await t.throwsAsync(ledger.recent({ limit: 10, before: 10 }), {
    code: 'LEDGER_CORRUPT',
    message: /record 5 /,
  });
  t.is((await ledger.recent({ limit: 10 })).records.length, 10);
  await ledger.close();
});

test('a limit or before that is not a positive integer is a programming error', async (t) => {
  const { ledger } = await ledgerWith(1);
  await t.throwsAsync(ledger.recent({ limit: 0 }), { instanceOf: TypeError });
  await t.throwsAsync(ledger.recent({ limit: 1, before: 0.5 }), { instanceOf: TypeError });
  await ledger.close();
});
