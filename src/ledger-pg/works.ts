// The works given to transact, run in order on a node's state inside its turn: each append
// encoded after the work's last record and applied to the state at once; a work that throws, whose
// append the reducer refused, or that returned a promise (works are synchronous) has failed.

import {
  type ChainHead,
  type EncodedRecord,
  encodeRecord,
  type LedgerRecord,
} from '../ledger/record.ts';
import type { Reducer } from '../ledger/replay.ts';
import type { NodeState } from './node-state.ts';

export interface Job {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What a running work appended: applied to the state, committed with the rest of its turn. */
export interface WorkContext {
  head: ChainHead;
  readonly records: EncodedRecord[];
  /** An append the reducer refused: the work fails as if it had thrown this. */
  failed: { readonly error: unknown } | null;
}

export type WorkOutcome =
  | { readonly ok: true; readonly value: unknown; readonly context: WorkContext }
  | { readonly ok: false; readonly error: unknown; readonly context: WorkContext };

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs one job's work with `enter(context)` in force for its appends (and `enter(null)` after). */
export function runWork(
  job: Job,
  head: ChainHead,
  enter: (context: WorkContext | null) => void,
): WorkOutcome {
  const context: WorkContext = { head, records: [], failed: null };
  enter(context);
  try {
    const value = job.work();
    if (isThenable(value)) {
      const error = new TypeError('transact: work must be synchronous (it returned a promise)');
      return { ok: false, error, context };
    }
    if (context.failed !== null) return { ok: false, error: context.failed.error, context };
    return { ok: true, value, context };
  } catch (error) {
    return { ok: false, error, context };
  } finally {
    enter(null);
  }
}

/** An append inside a work: the record after the work's last one, applied to the state now. */
export function appendInWork<S>(
  node: NodeState<S>,
  reducer: Reducer<S>,
  context: WorkContext,
  entry: { readonly type: string; readonly data: object; readonly at: number },
): LedgerRecord {
  const encoded = encodeRecord(context.head, entry.at, entry.type, entry.data);
  node.state = reducer.apply(node.state, encoded.record);
  context.head = encoded.record;
  context.records.push(encoded);
  return encoded.record;
}
