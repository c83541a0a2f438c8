// The client SDK for Node.js applications: the portable core plus this machine's fingerprint, an
// encrypted activation store on disk, node:crypto signatures and the real clock and randomness.

import { randomBytes } from 'node:crypto';
import { nodeSuite } from '../../node/ed25519.ts';
import type { DeactivationReason } from '../../core/formats/deactivation.ts';
import { applyResponse, type ApplyResult } from '../apply-response.ts';
import type { ClientContext } from '../context.ts';
import { createChallenge, type ChallengeResult } from '../create-challenge.ts';
import { deactivate, type DeactivateResult } from '../deactivate.ts';
import { computeFingerprint, type MachineComponents } from '../../core/fingerprint.ts';
import { importRevocations, type ImportResult } from '../import-revocations.ts';
import { asClientState, type ClientState } from '../state.ts';
import { getStatus, type Status } from '../status.ts';
import type { TrustAnchors } from '../trust.ts';
import { type ClientStore, openFileStore } from './store.ts';
import { readMachineComponents } from './machine.ts';

export interface NodeClientOptions {
  /** Directory of the encrypted activation store. */
  readonly storeDir: string;
  readonly trust: TrustAnchors;
  /** Defaults to process.env; AIRLOCK_MACHINE_ID there sets the machine identity. */
  readonly env?: NodeJS.ProcessEnv;
  /** Defaults to the system clock, in Unix seconds. */
  readonly clock?: () => number;
  readonly leewaySeconds?: number;
}

export interface NodeClient {
  challenge(licenseKey: string): Promise<Omit<ChallengeResult, 'state'>>;
  apply(response: string): Promise<Omit<ApplyResult, 'state'>>;
  status(): Promise<Status>;
  deactivate(reason?: DeactivationReason): Promise<Omit<DeactivateResult, 'state'>>;
  importRevocations(bundle: Uint8Array): Promise<Omit<ImportResult, 'state'>>;
  readonly components: MachineComponents;
  fingerprint(product: string): Uint8Array;
}

export function createNodeClient(options: NodeClientOptions): NodeClient {
  const components = readMachineComponents(options.env ?? process.env);
  const store: ClientStore = openFileStore(options.storeDir, components);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const fingerprintFor = (product: string) => computeFingerprint(product, components);
  const context = (): ClientContext => ({
    trust: options.trust,
    now: clock(),
    fingerprintFor,
    verifier: nodeSuite,
    ...(options.leewaySeconds === undefined ? {} : { leewaySeconds: options.leewaySeconds }),
  });

  /** Loads, runs one pure step, and saves only when the step succeeded and changed something. */
  async function step<R extends { state: ClientState }>(
    run: (state: ClientState) => R,
  ): Promise<Omit<R, 'state'>> {
    const before = asClientState(await store.load());
    const { state, ...result } = run(before);
    if (state !== before) await store.save(state);
    return result;
  }

  return {
    components,
    fingerprint: fingerprintFor,
    challenge: (licenseKey) =>
      step((s) =>
        createChallenge(s, licenseKey, {
          ...context(),
          random: (n) => new Uint8Array(randomBytes(n)),
        }),
      ),
    apply: (response) => step((s) => applyResponse(s, response, context())),
    status: async () => (await step((s) => getStatus(s, context()))).status,
    deactivate: (reason) =>
      step((s) =>
        deactivate(s, {
          now: clock(),
          ...(reason ? { reason } : {}),
          ...(options.leewaySeconds === undefined ? {} : { leewaySeconds: options.leewaySeconds }),
        }),
      ),
    importRevocations: (bundle) => step((s) => importRevocations(s, bundle, context())),
  };
}
