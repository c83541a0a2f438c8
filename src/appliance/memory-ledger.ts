// A ledger kept only in memory, with the same contract as the file ledger (state changes
// synchronously, appends resolve later): for tests of the use cases and the HTTP layer.

import { createHash } from 'node:crypto';
import type { ApplianceLedger } from './appliance.ts';
import type { ApplianceEvent, ApplianceEvents, EventType } from './events.ts';
import { type ApplianceState, emptyApplianceState, reduce } from './state.ts';

export interface MemoryLedger extends ApplianceLedger {
  readonly events: ApplianceEvent[];
}

/**
 * A ledger's `transact` and `refresh` for one process over its `append`: `work` runs at once
 * (nothing else runs in between), and transact resolves when the appends it made have. Unlike
 * the file ledger, a `work` that throws after appending keeps what it appended: tests only.
 */
export function withTransact<L extends Omit<ApplianceLedger, 'transact' | 'refresh'>>(
  ledger: L,
): L & ApplianceLedger {
  let collecting: Promise<unknown>[] | null = null;
  const append = ledger.append.bind(ledger);
  return Object.defineProperties(ledger, {
    append: {
      value: <T extends EventType>(type: T, data: ApplianceEvents[T], atMs: number) => {
        const durable = append(type, data, atMs);
        collecting?.push(durable);
        return durable;
      },
    },
    transact: {
      value: async <T>(work: () => T): Promise<T> => {
        const outer = collecting;
        const mine: Promise<unknown>[] = [];
        collecting = mine;
        let result: T;
        try {
          result = work();
        } finally {
          collecting = outer;
        }
        outer?.push(...mine);
        await Promise.all(mine);
        return result;
      },
    },
    refresh: { value: async () => {} },
  }) as L & ApplianceLedger;
}

export function createMemoryLedger(): MemoryLedger {
  const state: ApplianceState = emptyApplianceState();
  const events: ApplianceEvent[] = [];
  let head = { seq: 0, hash: '0'.repeat(64) };
  return withTransact({
    state,
    events,
    get head() {
      return head;
    },
    append<T extends EventType>(type: T, data: ApplianceEvents[T]) {
      const event = { type, data } as ApplianceEvent;
      reduce(state, event);
      events.push(event);
      const hash = createHash('sha256')
        .update(head.hash)
        .update(JSON.stringify(event))
        .digest('hex');
      head = { seq: head.seq + 1, hash };
      return new Promise((resolve) => setImmediate(resolve));
    },
  });
}
