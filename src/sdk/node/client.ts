// The client SDK for Node.js applications: the portable core plus this machine's fingerprint, an
// encrypted activation store on disk, node:crypto signatures and the real clock and randomness;
// with the online option, activation, revalidation and deactivation through the appliance's API,
// falling back to the offline challenge when it cannot be reached (docs/SDK.md "Online mode").

import { randomBytes } from 'node:crypto';
import { nodeSuite } from '../../node/ed25519.ts';
import { AirlockError } from '../../core/errors.ts';
import type { DeactivationReason } from '../../core/formats/deactivation.ts';
import { formatId } from '../../core/ids.ts';
import { openActivation, type OpenedActivation } from '../activation.ts';
import { applyResponse, type ApplyResult } from '../apply-response.ts';
import type { ClientContext } from '../context.ts';
import { createChallenge, type ChallengeResult } from '../create-challenge.ts';
import { deactivate, type DeactivateResult } from '../deactivate.ts';
import { computeFingerprint, type MachineComponents } from '../../core/fingerprint.ts';
import { importRevocations, type ImportResult } from '../import-revocations.ts';
import {
  type ApplianceClient,
  type ApplianceConnection,
  createApplianceClient,
  type OnlineActivationAnswer,
  type ValidationAnswer,
} from '../online.ts';
import { recordVerdict } from '../record-verdict.ts';
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
  /** How long before the lease ends `status().renewal.due` turns true (default: docs/SDK.md). */
  readonly renewWithinSeconds?: number;
  /** The appliance's HTTP API, for activate, revalidate and deactivate without typing codes. */
  readonly online?: OnlineOptions;
}

export interface OnlineOptions extends ApplianceConnection {
  /** Sent with activations so the appliance's ledger names the machine (e.g. its host name). */
  readonly clientId?: string;
}

/** Why the appliance was not used: the message of the APPLIANCE_UNREACHABLE error. */
type Unreachable = { readonly unreachable: string };

export type OnlineActivateResult =
  | {
      readonly mode: 'online';
      /** Exactly what `apply` would have kept. */
      readonly activation: OpenedActivation;
      readonly renewal: boolean;
      readonly seats: number;
      readonly seatsUsed: number;
    }
  /** The challenge is stored as pending: show `text` (and its QR code), then call `apply`. */
  | ({ readonly mode: 'offline' } & Omit<ChallengeResult, 'state'> & Unreachable);

export type RevalidateResult =
  | { readonly checked: true; readonly status: Status; readonly appliance: ValidationAnswer }
  /** The local status only: no activation to ask about, or (with `unreachable`) no answer. */
  | { readonly checked: false; readonly status: Status; readonly unreachable?: string };

export type DeactivateOutcome = Omit<DeactivateResult, 'state'> &
  (
    | { readonly mode: 'online'; readonly outcome: 'freed' | 'already' }
    /** Without the online option, or unreachable: the operator enters `code` by hand. */
    | ({ readonly mode: 'offline' } & Partial<Unreachable>)
  );

export interface NodeClient {
  challenge(licenseKey: string): Promise<Omit<ChallengeResult, 'state'>>;
  apply(response: string): Promise<Omit<ApplyResult, 'state'>>;
  status(): Promise<Status>;
  deactivate(reason?: DeactivationReason): Promise<DeactivateOutcome>;
  importRevocations(bundle: Uint8Array): Promise<Omit<ImportResult, 'state'>>;
  /** Online: the challenge goes to the appliance and its response is applied (needs `online`). */
  activate(licenseKey: string): Promise<OnlineActivateResult>;
  /** Online: asks the appliance whether the activation still stands (needs `online`). */
  revalidate(): Promise<RevalidateResult>;
  readonly components: MachineComponents;
  fingerprint(product: string): Uint8Array;
}

export function createNodeClient(options: NodeClientOptions): NodeClient {
  const { renewWithinSeconds } = options;
  if (
    renewWithinSeconds !== undefined &&
    !(
      Number.isInteger(renewWithinSeconds) &&
      renewWithinSeconds >= 0 &&
      renewWithinSeconds <= 0xffffffff
    )
  ) {
    throw new TypeError('options.renewWithinSeconds must be whole seconds, 0 or more');
  }
  const components = readMachineComponents(options.env ?? process.env);
  const store: ClientStore = openFileStore(options.storeDir, components);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const fingerprintFor = (product: string) => computeFingerprint(product, components);
  const online: ApplianceClient | undefined =
    options.online === undefined ? undefined : createApplianceClient(options.online);
  const clientId = options.online?.clientId;
  const leeway =
    options.leewaySeconds === undefined ? {} : { leewaySeconds: options.leewaySeconds };
  const renewWithin = renewWithinSeconds === undefined ? {} : { renewWithinSeconds };
  const context = (): ClientContext => ({
    trust: options.trust,
    now: clock(),
    fingerprintFor,
    verifier: nodeSuite,
    ...leeway,
    ...renewWithin,
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

  const challenge = (licenseKey: string) =>
    step((s) =>
      createChallenge(s, licenseKey, {
        ...context(),
        random: (n) => new Uint8Array(randomBytes(n)),
      }),
    );
  const status = async () => (await step((s) => getStatus(s, context()))).status;

  function needsOnline(method: string): ApplianceClient {
    if (online === undefined) {
      throw new TypeError(`${method}() needs the online option: createNodeClient({ online })`);
    }
    return online;
  }

  return {
    components,
    fingerprint: fingerprintFor,
    challenge,
    apply: (response) => step((s) => applyResponse(s, response, context())),
    status,
    importRevocations: (bundle) => step((s) => importRevocations(s, bundle, context())),

    async activate(licenseKey) {
      const appliance = needsOnline('activate');
      // The same challenge as offline, stored as pending: the fallback needs nothing more.
      const made = await challenge(licenseKey);
      let answer: OnlineActivationAnswer;
      try {
        answer = await appliance.activate(made.text, clientId);
      } catch (error) {
        // Only "no usable answer" falls back; a refusal (no seats, revoked…) is the answer.
        if (isUnreachable(error)) return { mode: 'offline', ...made, unreachable: error.message };
        throw error;
      }
      const { activation } = await step((s) => {
        const applied = applyResponse(s, answer.qr, context());
        assertSameGrant(applied.activation, answer);
        return applied;
      });
      return {
        mode: 'online',
        activation,
        renewal: answer.renewal,
        seats: answer.seats,
        seatsUsed: answer.seatsUsed,
      };
    },

    async revalidate() {
      const appliance = needsOnline('revalidate');
      const stored = asClientState(await store.load()).activation;
      if (stored === undefined) return { checked: false, status: await status() };
      const a = openActivation(stored);
      const licenseId = formatId('license', a.license.licenseId);
      let answer: ValidationAnswer;
      try {
        answer = await appliance.validate(licenseId, a.activationId, a.applianceId);
      } catch (error) {
        if (isUnreachable(error)) {
          return { checked: false, status: await status(), unreachable: error.message };
        }
        throw error;
      }
      const checked = await step((s) => {
        const recorded = recordVerdict(s, answer, { now: clock(), ...leeway });
        return getStatus(recorded.state, context());
      });
      return { checked: true, status: checked.status, appliance: answer };
    },

    async deactivate(reason) {
      const result = await step((s) =>
        deactivate(s, { now: clock(), ...(reason ? { reason } : {}), ...leeway }),
      );
      if (online === undefined) return { ...result, mode: 'offline' };
      try {
        const { outcome } = await online.deactivate(result.code);
        return { ...result, mode: 'online', outcome };
      } catch (error) {
        if (isUnreachable(error)) return { ...result, mode: 'offline', unreachable: error.message };
        if (!(error instanceof AirlockError)) throw error;
        // The activation is gone here either way; the code stays shown by deactivate() again.
        throw new AirlockError(
          error.code,
          `${error.message} This machine's activation was removed all the same; its deactivation code is kept (deactivate() shows it again) for the appliance's operator.`,
          { ...error.details, deactivationCode: result.code },
        );
      }
    },
  };
}

/**
 * The response's feature mask is read against the key this machine challenged with, but the
 * appliance computed it from the key it holds (docs/SDK.md "Which key a response describes"). When
 * the features it says it granted are not the ones the mask grants here, it holds another key of
 * the license (older, or renewed): nothing is kept. The answer is unsigned: this may only refuse.
 */
function assertSameGrant(activation: OpenedActivation, answer: OnlineActivationAnswer): void {
  const mine = activation.features;
  const theirs = answer.features;
  if (mine.length === theirs.length && mine.every((f, i) => f === theirs[i])) return;
  const id = formatId('license', activation.license.licenseId);
  const names = (list: readonly string[]) => (list.length === 0 ? 'none' : list.join(', '));
  throw new AirlockError(
    'LICENSE_EXISTS',
    `The appliance answered from another key of license ${id}: it granted ${names(theirs)}, but read against the key given its response grants ${names(mine)}. Add the renewed key to the appliance (airlock license add), or activate with the key it holds.`,
    { licenseId: id, reason: 'appliance-key' },
  );
}

function isUnreachable(error: unknown): error is AirlockError {
  return error instanceof AirlockError && error.code === 'APPLIANCE_UNREACHABLE';
}
