// Revocations by sneakernet, client side (DESIGN flow 6): a vendor or site bundle is verified in
// full (signature chain, issue time, sequence, delta base) before anything of it is kept.

import { nobleSuite } from '../core/ed25519-noble.ts';
import { assertContext, type ClientContext } from './context.ts';
import { applyBundle } from './revocation-streams.ts';
import { assertState, type ClientState, observeTime } from './state.ts';
import { DEFAULT_LEEWAY_SECONDS } from './verify-license.ts';

export interface ImportResult {
  readonly state: ClientState;
  readonly outcome: 'applied' | 'unchanged';
  readonly stream: string;
  readonly sequence: number;
  readonly scope: 'full' | 'delta';
  readonly counts: {
    readonly licenses: number;
    readonly activations: number;
    readonly certificates: number;
  };
  readonly nextUpdate: number;
}

export function importRevocations(
  state: ClientState,
  bundleBytes: Uint8Array,
  ctx: ClientContext,
): ImportResult {
  assertState(state);
  assertContext(ctx);
  const leeway = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const observed = observeTime(state, ctx.now, leeway);
  const applied = applyBundle(observed.revocations, bundleBytes, {
    trust: ctx.trust,
    verifier: ctx.verifier ?? nobleSuite,
    now: ctx.now,
    leewaySeconds: leeway,
  });
  const { bundle, stream, next, outcome, scope } = applied;
  return {
    stream,
    sequence: bundle.sequence,
    scope,
    counts: {
      licenses: bundle.licenses.length,
      activations: bundle.activations.length,
      certificates: bundle.certificates.length,
    },
    nextUpdate: bundle.nextUpdate,
    outcome,
    state:
      outcome === 'unchanged'
        ? observed
        : { ...observed, revocations: { ...observed.revocations, [stream]: next } },
  };
}
