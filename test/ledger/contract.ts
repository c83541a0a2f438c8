// The ledger contract: what every store behind Ledger<S> (src/ledger/ledger.ts) does the same way,
// run for the file ledger (contract-file.test.ts) and for PostgreSQL (test/ledger-pg): records
// read back chained, state after reopening, verify and tampering, records and recent pages,
// checkpoints, transact's isolation and atomicity, and refusals after close.

import test from 'ava';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { GENESIS_HASH, type LedgerRecord } from '../../src/ledger/record.ts';
import type { Reducer } from '../../src/ledger/replay.ts';
import { T0, type Tally, tallyReducer } from './helpers.ts';

export interface ContractOpenOptions {
  readonly reducer?: Reducer<Tally>;
  readonly snapshotEvery?: number;
}

/** One place holding one ledger (a directory, a database). */
export interface ContractPlace {
  open(options?: ContractOpenOptions): Promise<Ledger<Tally>>;
  /** Changes the stored bytes of record `seq` behind the ledger's back (its data gains a key). */
  tamper(seq: number): Promise<void>;
}

export interface ContractStore {
  /** A new, empty place. */
  place(): Promise<ContractPlace>;
}

/** The head as `{ seq, hash }` (a store may hand back the whole record). */
const headOf = (ledger: Ledger<Tally>) => ({ seq: ledger.head.seq, hash: ledger.head.hash });

/** Appends `count` records ({ n: i }) in concurrent groups of 10. */
async function fill(ledger: Ledger<Tally>, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i += 10) {
    const group = Math.min(10, from + count - i);
    await Promise.all(
      Array.from({ length: group }, (_, j) =>
        ledger.append(j % 3 === 0 ? 'a' : 'b', { n: i + j }, T0 + i + j),
      ),
    );
  }
}

async function collect(records: AsyncIterable<LedgerRecord>): Promise<LedgerRecord[]> {
  const all: LedgerRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

/** Registers the contract's tests, each title led by `name`, on the store `store()` gives. */
export function ledgerContract(name: string, store: () => ContractStore): void {
  const place = () => store().place();

  test(`${name}: an empty ledger stands at the genesis, lists nothing and verifies`, async (t) => {
    const ledger = await (await place()).open();
    t.deepEqual(headOf(ledger), { seq: 0, hash: GENESIS_HASH });
    t.deepEqual(ledger.state, tallyReducer.initial());
    t.deepEqual(ledger.opened, { snapshotSeq: null, replayed: 0 });
    t.deepEqual(await ledger.recent({ limit: 5 }), { records: [], nextBefore: null });
    t.deepEqual(await collect(ledger.records()), []);
    t.deepEqual(await ledger.verify(), {
      ok: true,
      records: 0,
      lastSeq: 0,
      lastHash: GENESIS_HASH,
    });
    await ledger.close();
  });

  test(`${name}: appended records read back in order, each chained to the one before`, async (t) => {
    const ledger = await (await place()).open();
    const first = await ledger.append('a', { n: 1 }, T0);
    const second = await ledger.append('b', { n: 2, text: 'ünïcødé ✓' }, T0 + 1);
    t.like(first, { seq: 1, prev: GENESIS_HASH, at: T0, type: 'a', data: { n: 1 } });
    t.like(second, { seq: 2, prev: first.hash, type: 'b' });
    t.deepEqual(headOf(ledger), { seq: 2, hash: second.hash });
    t.is(ledger.state.sum, 3);
    t.deepEqual(await collect(ledger.records()), [first, second]);
    t.deepEqual(await collect(ledger.records(2)), [second]);
    t.deepEqual((await ledger.recent({ limit: 10 })).records, [second, first]);
    await ledger.close();
  });

  test(`${name}: the state after reopening (snapshot and replay) equals the state before`, async (t) => {
    const where = await place();
    const ledger = await where.open({ snapshotEvery: 20 });
    await fill(ledger, 57);
    await ledger.settle();
    const before = structuredClone(ledger.state);
    const head = headOf(ledger);
    await ledger.close();

    const reopened = await where.open();
    t.deepEqual(reopened.opened, { snapshotSeq: 57, replayed: 0 }, 'close wrote a snapshot');
    t.deepEqual(reopened.state, before);
    t.deepEqual(headOf(reopened), head);
    t.is(reopened.state.count, 57);
    // More records after the snapshot are replayed on the next open.
    await fill(reopened, 5, 57);
    const after = structuredClone(reopened.state);
    await reopened.close();
    const again = await where.open();
    t.deepEqual(again.state, after);
    t.is(again.state.count, 62);
    await again.close();
  });

  test(`${name}: checkpoint snapshots the state at the last record, and reopening starts there`, async (t) => {
    const where = await place();
    const ledger = await where.open();
    await fill(ledger, 7);
    const checkpoint = await ledger.checkpoint();
    t.is(checkpoint.seq, 7);
    t.is(checkpoint.hash, ledger.head.hash);
    t.true(Number.isSafeInteger(checkpoint.at));
    await ledger.close();
    const reopened = await where.open();
    t.deepEqual(reopened.opened, { snapshotSeq: 7, replayed: 0 });
    t.is(reopened.state.count, 7);
    await reopened.close();
  });

  test(`${name}: verify checks every record; a changed byte is found at its record`, async (t) => {
    const where = await place();
    const ledger = await where.open();
    await fill(ledger, 20);
    const progress: Array<[number, number]> = [];
    const sound = await ledger.verify({
      onProgress: (done, total) => progress.push([done, total]),
    });
    t.deepEqual(sound, { ok: true, records: 20, lastSeq: 20, lastHash: ledger.head.hash });
    t.true(progress.length > 0);
    const [done, total] = progress.at(-1)!;
    t.is(done, total, 'progress ends complete');

    await where.tamper(5);
    const damaged = await ledger.verify();
    t.false(damaged.ok);
    t.is(damaged.records, 4);
    t.is(damaged.lastSeq, 4);
    t.like(damaged.firstBad, { seq: 5, reason: 'checksum' });
    await t.throwsAsync(collect(ledger.records()), {
      code: 'LEDGER_CORRUPT',
      message: /record 5 /,
    });
    t.is((await collect(ledger.records(6))).length, 15, 'records after the damage still read');
    await t.throwsAsync(ledger.recent({ limit: 10, before: 10 }), { code: 'LEDGER_CORRUPT' });
    await ledger.close();
  });

  test(`${name}: recent pages go backwards over every record once`, async (t) => {
    const ledger = await (await place()).open();
    await fill(ledger, 57);
    const seen: number[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await ledger.recent({ limit: 10, ...(before === undefined ? {} : { before }) });
      seen.push(...page.records.map((r) => r.seq));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    t.deepEqual(
      seen,
      Array.from({ length: 57 }, (_, i) => 57 - i),
    );
    const beyond = await ledger.recent({ limit: 2, before: 1000 });
    t.deepEqual(
      beyond.records.map((r) => r.seq),
      [57, 56],
    );
    t.is(beyond.nextBefore, 56);
    t.deepEqual(await ledger.recent({ limit: 2, before: 1 }), { records: [], nextBefore: null });
    await t.throwsAsync(ledger.recent({ limit: 0 }), { instanceOf: TypeError });
    await ledger.close();
  });

  test(`${name}: transact resolves with the work's result once its records are durable`, async (t) => {
    const ledger = await (await place()).open();
    await ledger.append('a', { n: 1 }, T0);
    const result = await ledger.transact(() => {
      void ledger.append('b', { n: 2 }, T0);
      void ledger.append('b', { n: 3 }, T0);
      return ledger.state.sum;
    });
    t.is(result, 6, 'the work sees its own appends at once');
    t.is(ledger.head.seq, 3);
    t.deepEqual(
      (await ledger.recent({ limit: 5 })).records.map((r) => r.seq),
      [3, 2, 1],
      'durable when transact resolves',
    );
    t.is(await ledger.transact(() => 'nothing appended'), 'nothing appended');
    t.is(ledger.head.seq, 3);
    await ledger.close();
  });

  test(`${name}: inside a work, head is the last record the work appended`, async (t) => {
    const ledger = await (await place()).open();
    await ledger.append('a', {}, T0);
    const seen = await ledger.transact(() => {
      const before = ledger.head.seq;
      void ledger.append('b', {}, T0);
      return [before, ledger.head.seq];
    });
    t.deepEqual(seen, [1, 2]);
    await ledger.close();
  });

  test(`${name}: a work that throws after appending leaves nothing, in the state or stored`, async (t) => {
    const where = await place();
    const ledger = await where.open();
    await ledger.append('a', { n: 1 }, T0);
    await t.throwsAsync(
      ledger.transact(() => {
        void ledger.append('b', { n: 10 }, T0);
        void ledger.append('b', { n: 20 }, T0);
        throw new Error('changed its mind');
      }),
      { message: 'changed its mind' },
    );
    await ledger.settle();
    t.is(ledger.state.sum, 1);
    t.is(ledger.state.count, 1);
    t.is(ledger.head.seq, 1);
    const next = await ledger.append('c', { n: 2 }, T0);
    t.is(next.seq, 2);
    await ledger.close();
    const reopened = await where.open();
    t.deepEqual(reopened.state.byType, { a: 1, c: 1 });
    t.true((await reopened.verify()).ok);
    await reopened.close();
  });

  test(`${name}: concurrent works each decide alone: a limit is never passed`, async (t) => {
    const ledger = await (await place()).open();
    const limit = 10;
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        ledger.transact(() => {
          if (ledger.state.count >= limit) return 'full';
          void ledger.append('seat', {}, T0);
          return 'granted';
        }),
      ),
    );
    t.is(outcomes.filter((o) => o === 'granted').length, limit);
    t.is(ledger.state.count, limit);
    await ledger.close();
  });

  test(`${name}: concurrent works' records are all durable, each work's together and in order`, async (t) => {
    const where = await place();
    const ledger = await where.open();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, w) =>
        ledger.transact(() => {
          void ledger.append('first', { w }, T0);
          void ledger.append('second', { w }, T0);
          return w;
        }),
      ),
    );
    t.deepEqual(
      results,
      Array.from({ length: 40 }, (_, w) => w),
    );
    await ledger.close();
    const reopened = await where.open();
    const records = await collect(reopened.records());
    t.is(records.length, 80);
    for (let i = 0; i < records.length; i += 2) {
      t.is(records[i]!.type, 'first');
      t.is(records[i + 1]!.type, 'second');
      t.is(records[i]!.data['w'], records[i + 1]!.data['w']);
    }
    t.true((await reopened.verify()).ok);
    await reopened.close();
  });

  test(`${name}: an append the reducer refuses is not recorded; the next one follows`, async (t) => {
    const where = await place();
    const reducer: Reducer<Tally> = {
      ...tallyReducer,
      apply(state, record) {
        if (record.type === 'refused') throw new Error('no such license');
        return tallyReducer.apply(state, record);
      },
    };
    const ledger = await where.open({ reducer });
    await ledger.append('a', {}, T0);
    await t.throwsAsync(ledger.append('refused', {}, T0), { message: 'no such license' });
    t.is((await ledger.append('a', {}, T0)).seq, 2);
    await ledger.close();
    const reopened = await where.open();
    t.is(reopened.state.count, 2);
    await reopened.close();
  });

  test(`${name}: refresh with one writer changes nothing`, async (t) => {
    const ledger = await (await place()).open();
    await fill(ledger, 3);
    const before = structuredClone(ledger.state);
    await ledger.refresh();
    t.deepEqual(ledger.state, before);
    await ledger.close();
  });

  test(`${name}: a closed ledger refuses appends and works with LEDGER_UNAVAILABLE`, async (t) => {
    const ledger = await (await place()).open();
    await ledger.append('a', {}, T0);
    await ledger.close();
    await t.throwsAsync(ledger.append('a', {}, T0), { code: 'LEDGER_UNAVAILABLE' });
    await t.throwsAsync(
      ledger.transact(() => 1),
      { code: 'LEDGER_UNAVAILABLE' },
    );
    await ledger.close(); // twice is harmless
  });
}
