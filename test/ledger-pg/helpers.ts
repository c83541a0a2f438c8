// What the PostgreSQL ledger's tests share: a node on the tally reducer (test/ledger/helpers.ts),
// and waiting for what the listener, a probe or another node makes true in the background.

import { openPgLedger, type PgLedgerOptions } from '../../src/ledger-pg/pg-ledger.ts';
import { type Tally, tallyReducer } from '../ledger/helpers.ts';

/** A node of the ledger at `url`; `extra` overrides any option (the reducer too). */
export const openNode = (url: string, extra: Partial<PgLedgerOptions<Tally>> = {}) =>
  openPgLedger({ url, reducer: tallyReducer, purpose: 'ledger-pg test', ...extra });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `condition` came to hold within `ms`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}
