// A node that loses its database: while the server is down (stopped mid-load, as by a crash)
// works are refused with LEDGER_UNAVAILABLE naming the database, the node says it is unavailable
// and comes back by itself when the server returns; no acknowledged record is lost.

import test from 'ava';
import type { LedgerNotice } from '../../src/ledger/ledger.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { T0 } from '../ledger/helpers.ts';
import { openNode, sleep, until } from './helpers.ts';

const cluster = clusterForFile();

/** A node that notices a lost server, and probes for its return, quickly. */
const QUICK = { probeIntervalMs: 100, connectTimeoutMs: 1000 } as const;

test.serial(
  'a database stopped mid-load: refused while down, back by itself, nothing acknowledged lost',
  async (t) => {
    const url = await cluster().createDatabase();
    const notices: LedgerNotice[] = [];
    const ledger = await openNode(url, { ...QUICK, onNotice: (notice) => notices.push(notice) });
    const acknowledged: number[] = [];
    const refusals: Error[] = [];
    let next = 0;
    let stopAt = 0;
    /** Ten writers, each appending one record after another, for a bounded count and time. */
    const done = () => stopAt > 0 && acknowledged.length >= stopAt;
    const writers = Array.from({ length: 10 }, async () => {
      const deadline = Date.now() + 30_000;
      while (next < 5000 && Date.now() < deadline && !done()) {
        const n = next++;
        try {
          await ledger.transact(() => void ledger.append('a', { n }, T0));
          acknowledged.push(n);
        } catch (error) {
          refusals.push(error as Error);
          await sleep(20);
        }
      }
    });

    t.true(await until(() => acknowledged.length >= 100, 10_000));
    await cluster().stop('immediate');
    t.true(await until(() => !ledger.available, 5000), 'unavailable once the server is gone');
    await sleep(300);
    const refusedWhileDown = refusals.length;
    t.true(refusedWhileDown > 0);
    for (const refusal of refusals) {
      t.like(refusal, { code: 'LEDGER_UNAVAILABLE' });
    }
    t.regex(refusals.at(-1)!.message, /database at 127\.0\.0\.1:\d+\/\w+ cannot be reached/);
    await t.throwsAsync(ledger.refresh(), { code: 'LEDGER_UNAVAILABLE' });

    await cluster().start();
    t.true(await until(() => ledger.available, 10_000), 'available again by itself');
    stopAt = acknowledged.length + 100;
    await Promise.all(writers);
    t.true(acknowledged.length >= stopAt, 'writes go on after the server returned');
    t.deepEqual(
      notices.map((n) => n.kind).filter((kind) => kind === 'unavailable' || kind === 'available'),
      ['unavailable', 'available'],
    );

    await ledger.settle();
    const stored = new Set<number>();
    for await (const record of ledger.records()) stored.add(record.data['n'] as number);
    t.true(
      acknowledged.every((n) => stored.has(n)),
      'every acknowledged record is in the database',
    );
    t.is(ledger.state.count, stored.size, 'the state is what the database holds');
    t.true((await ledger.verify()).ok);
    await ledger.close();
  },
);

test.serial(
  'works in flight when the server stops are acknowledged or refused; the state is then the database’s',
  async (t) => {
    const url = await cluster().createDatabase();
    const ledger = await openNode(url, QUICK);
    await ledger.append('a', {}, T0);
    // Works that run, then find the server gone before their commit.
    const pending = Array.from({ length: 5 }, () => ledger.append('a', {}, T0));
    await cluster().stop('immediate');
    for (const append of pending) {
      await append.then(
        () => t.pass('committed before the stop'),
        (error: unknown) => t.like(error, { code: 'LEDGER_UNAVAILABLE' }),
      );
    }
    await cluster().start();
    t.true(await until(() => ledger.available, 10_000));
    await ledger.settle();
    t.is(ledger.state.count, (await ledger.verify()).records);
    await ledger.close();
  },
);
