// Another appliance node as a separate process for test/ledger-pg/nodes.test.ts: opens the
// PostgreSQL ledger at argv[2], says "ready", and on a line from its parent runs argv[3] works
// within 300 ms, each taking a seat while fewer than argv[4] are taken; prints how many it got.

import { openPgLedger } from '../../src/ledger-pg/pg-ledger.ts';
import { T0, tallyReducer } from '../ledger/helpers.ts';

const [url, works, limit] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const ledger = await openPgLedger({ url, reducer: tallyReducer, purpose: 'test node (process)' });
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const outcomes = await Promise.all(
  Array.from({ length: works }, async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
    return ledger.transact(() => {
      if (ledger.state.count >= limit) return false;
      void ledger.append('seat', { node: process.pid }, T0);
      return true;
    });
  }),
);
await ledger.close();
process.stdin.destroy();
process.stdout.write(`${JSON.stringify({ granted: outcomes.filter(Boolean).length })}\n`);
