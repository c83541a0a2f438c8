// A ledger kept only in memory, with the same contract as the file ledger (state changes
// synchronously, appends resolve later): for tests of the use cases and the HTTP layer.

import type { ApplianceLedger } from './appliance.ts';
import type { ApplianceEvent, ApplianceEvents, EventType } from './events.ts';
import { type ApplianceState, emptyApplianceState, reduce } from './state.ts';

export interface MemoryLedger extends ApplianceLedger {
  readonly events: ApplianceEvent[];
}

export function createMemoryLedger(): MemoryLedger {
  const state: ApplianceState = emptyApplianceState();
  const events: ApplianceEvent[] = [];
  return {
    state,
    events,
    append<T extends EventType>(type: T, data: ApplianceEvents[T]) {
      const event = { type, data } as ApplianceEvent;
      reduce(state, event);
      events.push(event);
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}
