// A ledger kept only in memory, with the same contract as the file ledger (state changes
// synchronously, appends resolve later): for tests of the use cases and the HTTP layer.

import { createHash } from 'node:crypto';
import type { ApplianceLedger } from './appliance.ts';
import type { ApplianceEvent, ApplianceEvents, EventType } from './events.ts';
import { type ApplianceState, emptyApplianceState, reduce } from './state.ts';

export interface MemoryLedger extends ApplianceLedger {
  readonly events: ApplianceEvent[];
}

export function createMemoryLedger(): MemoryLedger {
  const state: ApplianceState = emptyApplianceState();
  const events: ApplianceEvent[] = [];
  let head = { seq: 0, hash: '0'.repeat(64) };
  return {
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
  };
}
