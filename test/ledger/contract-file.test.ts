// The ledger contract (contract.ts) on the file ledger: a data directory per test, a record
// tampered with by changing its line in the journal's segment file.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLedger } from '../../src/ledger/ledger.ts';
import { ledgerContract } from './contract.ts';
import { scratch, segmentFiles, tallyReducer } from './helpers.ts';

ledgerContract('file', () => ({
  async place() {
    const dir = await scratch();
    return {
      open: (options = {}) =>
        openLedger({
          dir,
          reducer: options.reducer ?? tallyReducer,
          purpose: 'contract test',
          ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
        }),
      async tamper(seq) {
        for (const name of await segmentFiles(dir)) {
          const path = join(dir, 'journal', name);
          const lines = (await readFile(path, 'utf8')).split('\n');
          const index = lines.findIndex((line) => line.startsWith(`{"seq":${seq},`));
          if (index < 0) continue;
          lines[index] = lines[index]!.replace('"data":{', '"data":{"x":1,');
          await writeFile(path, lines.join('\n'));
          return;
        }
        throw new Error(`no record ${seq} to tamper with`);
      },
    };
  },
}));
