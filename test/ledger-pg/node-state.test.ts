// A node's catch-up (src/ledger-pg/node-state.ts) on rows as the database returns them, without a
// server: the node's own records found committed before its COMMIT's reply are taken as committed
// and the other nodes' records after them applied; a different record in their place is another
// history (the node reads its state again).

import test from 'ava';
import { EMPTY_CHAIN, type EncodedRecord, encodeRecord } from '../../src/ledger/record.ts';
import { HistoryChanged, NodeState } from '../../src/ledger-pg/node-state.ts';
import type { Queryable, RecordRow } from '../../src/ledger-pg/record-rows.ts';
import { pgNames } from '../../src/ledger-pg/schema.ts';
import { T0, type Tally, tallyReducer } from '../ledger/helpers.ts';

/** `count` records of type `type` chained after `after` (from the genesis when empty). */
function chain(count: number, type: string, after: EncodedRecord[] = []): EncodedRecord[] {
  const records = [...after];
  for (let i = 0; i < count; i++) {
    const previous = records.at(-1)?.record ?? EMPTY_CHAIN;
    records.push(encodeRecord(previous, T0, type, { n: records.length + 1 }));
  }
  return records;
}

const row = (e: EncodedRecord): RecordRow => ({
  seq: String(e.record.seq),
  line: e.line.toString('utf8', 0, e.line.length - 1),
});

/** A database holding `stored`: each query returns the rows from the seq it names on. */
function database(stored: readonly EncodedRecord[]): Queryable {
  const query = async (text: string) => {
    const from = Number(/seq >= (\d+)/.exec(text)![1]);
    return { rows: stored.filter((e) => e.record.seq >= from).map(row) };
  };
  return { query } as unknown as Queryable;
}

/**
 * A node that applied `records`, of which the first `committed` are acknowledged (its turn sent the
 * others' COMMIT and has no reply yet).
 */
function node(records: readonly EncodedRecord[], committed: number): NodeState<Tally> {
  let state = tallyReducer.initial();
  for (const e of records) state = tallyReducer.apply(state, e.record);
  const last = records.at(-1)!.record;
  const n = new NodeState(tallyReducer, pgNames(), { state, head: last });
  n.committed = records[committed - 1]!.record;
  return n;
}

test('its own records found in the database are committed; the records after them are applied', async (t) => {
  const ours = chain(5, 'a'); // 1 and 2 acknowledged, 3 to 5 in a COMMIT without a reply yet
  const stored = chain(2, 'b', ours); // another node wrote 6 and 7 after them
  const n = node(ours, 2);
  await n.catchUp(database(stored));
  t.is(n.head.seq, 7);
  t.deepEqual(n.committed, n.head);
  t.is(n.head.hash, stored.at(-1)!.record.hash);
  t.deepEqual(n.state.byType, { a: 5, b: 2 });
  t.deepEqual(n.state.seqs, [1, 2, 3, 4, 5, 6, 7]);
});

test('its own records found in the database with nothing after them are committed', async (t) => {
  const ours = chain(4, 'a');
  const n = node(ours, 1);
  await n.catchUp(database(ours));
  t.is(n.committed.seq, 4);
  t.is(n.state.count, 4);
});

test('another record where its last one should be is another history', async (t) => {
  const ours = chain(4, 'a');
  const theirs = chain(2, 'b', ours.slice(0, 2)); // 3 and 4 are someone else's
  for (const stored of [theirs, chain(3, 'b', theirs)]) {
    const n = node(ours, 2);
    await t.throwsAsync(n.catchUp(database(stored)), {
      instanceOf: HistoryChanged,
      message: /record 4 is not the one this node wrote/,
    });
    t.is(n.committed.seq, 2, 'nothing taken as committed');
  }
});

test('records of its own not yet in the database stay uncommitted', async (t) => {
  const ours = chain(4, 'a');
  const n = node(ours, 2);
  await n.catchUp(database(ours.slice(0, 2)));
  t.is(n.committed.seq, 2);
  t.is(n.head.seq, 4);
  t.is(n.state.count, 4);
});
