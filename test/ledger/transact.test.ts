// The file ledger's transact: a work's records are kept together once it returns, resolve when
// durable, and are dropped (in memory, and never written) when it throws after appending.

import test from 'ava';
import { openLedger } from '../../src/ledger/ledger.ts';
import { allRecords } from '../../src/ledger/index.ts';
import { scratch, tallyReducer, T0 } from './helpers.ts';

const open = (dir: string) => openLedger({ dir, reducer: tallyReducer, purpose: 'transact test' });

async function types(dir: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const record of allRecords(dir)) seen.push(record.type);
  return seen;
}

test('transact returns the work’s result once its records are durable, in order', async (t) => {
  const dir = await scratch();
  const ledger = await open(dir);
  const result = await ledger.transact(() => {
    void ledger.append('a', { n: 1 }, T0);
    void ledger.append('b', { n: 2 }, T0);
    return ledger.state.sum;
  });
  t.is(result, 3, 'the work sees its own appends');
  t.is(ledger.head.seq, 2);
  // Works of concurrent callers each run alone, one after another.
  const limit = 5;
  const outcomes = await Promise.all(
    Array.from({ length: 12 }, () =>
      ledger.transact(() => {
        if (ledger.state.count >= limit) return 'full';
        void ledger.append('seat', {}, T0);
        return 'granted';
      }),
    ),
  );
  t.is(outcomes.filter((o) => o === 'granted').length, 3);
  await ledger.close();
  t.deepEqual(await types(dir), ['a', 'b', 'seat', 'seat', 'seat']);
});

test('a work that throws after appending leaves nothing, in the state or on disk', async (t) => {
  const dir = await scratch();
  const ledger = await open(dir);
  await ledger.append('a', { n: 1 }, T0);
  const error = await t.throwsAsync(
    ledger.transact(() => {
      void ledger.append('b', { n: 10 }, T0);
      throw new Error('changed its mind');
    }),
  );
  t.is(error?.message, 'changed its mind');
  await ledger.settle(); // the state is read again from disk
  t.is(ledger.state.sum, 1);
  t.is(ledger.head.seq, 1);
  const kept = await ledger.transact(() => {
    void ledger.append('c', { n: 2 }, T0);
    return 'kept';
  });
  t.is(kept, 'kept');
  await ledger.close();
  t.deepEqual(await types(dir), ['a', 'c']);
});

test('a record the reducer refuses fails its whole work: nothing of it is kept', async (t) => {
  const dir = await scratch();
  const ledger = await openLedger({
    dir,
    purpose: 'transact test',
    reducer: {
      ...tallyReducer,
      apply(state, record) {
        if (record.type === 'refused') throw new RangeError('not this one');
        return tallyReducer.apply(state, record);
      },
    },
  });
  const error = await t.throwsAsync(
    ledger.transact(() => {
      void ledger.append('a', { n: 1 }, T0);
      void ledger.append('refused', {}, T0);
      return 'done';
    }),
  );
  t.is(error?.message, 'not this one');
  await ledger.settle();
  t.is(ledger.head.seq, 0);
  t.is(ledger.state.count, 0);
  await ledger.close();
  t.deepEqual(await types(dir), []);
});
