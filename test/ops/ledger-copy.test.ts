// copyLedger: a ledger moved record by record into an empty one comes out with the same chain;
// a target that holds records is refused, and a source whose records were changed is caught.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { allRecords, openLedger, verifyLedger } from '../../src/ledger/index.ts';
import type { LedgerRecord } from '../../src/ledger/record.ts';
import { copyLedger } from '../../src/ops/ledger-copy.ts';
import { tallyReducer, T0 } from '../ledger/helpers.ts';

const scratch = () => mkdtemp(join(tmpdir(), 'airlock-copy-'));
const open = (dir: string) => openLedger({ dir, reducer: tallyReducer, purpose: 'copy test' });

async function filled(count: number): Promise<string> {
  const dir = await scratch();
  const ledger = await open(dir);
  for (let i = 0; i < count; i++)
    void ledger.append(i % 2 ? 'a' : 'b', { n: i, text: 'é' }, T0 + i);
  await ledger.settle();
  await ledger.close();
  return dir;
}

test('a copy has the same records and chain as its source', async (t) => {
  const from = await filled(2500);
  const to = await scratch();
  const target = await open(to);
  const seen: number[] = [];
  const head = await copyLedger(allRecords(from), target, {
    total: 2500,
    onProgress: (done) => seen.push(done),
  });
  await target.close();
  t.deepEqual(seen, [1000, 2000, 2500]);
  const source = await verifyLedger(from);
  t.deepEqual(head, { seq: source.lastSeq, hash: source.lastHash });
  t.like(await verifyLedger(to), { ok: true, records: 2500, lastHash: source.lastHash });
});

test('a target that holds records is refused and left as it was', async (t) => {
  const from = await filled(3);
  const to = await filled(1);
  const target = await open(to);
  const error = await t.throwsAsync(copyLedger(allRecords(from), target));
  t.is((error as { code?: string }).code, 'LEDGER_NOT_EMPTY');
  t.is(target.head.seq, 1);
  await target.close();
});

test('a source record that was changed comes out with another hash and is refused', async (t) => {
  const from = await filled(5);
  async function* changed(): AsyncGenerator<LedgerRecord> {
    for await (const r of allRecords(from)) yield r.seq === 3 ? { ...r, data: { n: 99 } } : r;
  }
  const target = await open(await scratch());
  const error = await t.throwsAsync(copyLedger(changed(), target));
  t.is((error as { code?: string }).code, 'LEDGER_CORRUPT');
  await target.close();
});
