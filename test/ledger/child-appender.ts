// Test helper run as a separate process: opens the ledger of a directory and appends forever
// from several concurrent writers, printing "seq hash" for each record once it is acknowledged.

import { openLedger } from '../../src/ledger/ledger.ts';
import { tallyReducer } from './helpers.ts';

const dir = process.argv[2]!;
const ledger = await openLedger({
  dir,
  reducer: tallyReducer,
  purpose: 'crash test child',
  snapshotEvery: 50,
  segmentBytes: 8192,
});
console.log(`opened ${ledger.head.seq}`);
let n = 0;
await Promise.all(
  Array.from({ length: 8 }, async (_, writer) => {
    for (;;) {
      const record = await ledger.append('event', { writer, n: n++ }, Date.now());
      process.stdout.write(`${record.seq} ${record.hash}\n`);
    }
  }),
);
