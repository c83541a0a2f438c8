// Deactivation with proof (DESIGN flow 5): the client forgets its activation and produces the code
// that reveals the secret its challenge committed to. The code is kept so it can be shown again.

import { fromHex } from '../core/bytes.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type DeactivationReason,
  deactivationText,
  encodeDeactivation,
} from '../core/formats/deactivation.ts';
import { formatId } from '../core/ids.ts';
import { openActivation } from './activation.ts';
import { assertState, type ClientState, observeTime } from './state.ts';
import { DEFAULT_LEEWAY_SECONDS } from './verify-license.ts';

export interface DeactivateResult {
  readonly state: ClientState;
  /** The typed deactivation code to take to the appliance. */
  readonly code: string;
  readonly licenseId: string;
  readonly activationId: string;
  /** true when this call removed the activation; false when it repeats an earlier deactivation. */
  readonly removed: boolean;
}

export function deactivate(
  state: ClientState,
  options: {
    readonly now: number;
    readonly reason?: DeactivationReason;
    readonly leewaySeconds?: number;
  },
): DeactivateResult {
  assertState(state);
  if (typeof options !== 'object' || options === null || !Number.isInteger(options.now)) {
    throw new TypeError('deactivate needs options with now (Unix seconds)');
  }
  const observed = observeTime(state, options.now, options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS);
  const stored = observed.activation;
  if (stored === undefined) {
    const last = observed.lastDeactivation;
    if (last)
      return {
        state: observed,
        code: last.code,
        licenseId: last.licenseId,
        activationId: last.activationId,
        removed: false,
      };
    throw new AirlockError('NOT_ACTIVATED', 'This machine has no activation to deactivate.');
  }
  const a = openActivation(stored);
  const code = deactivationText(
    encodeDeactivation({
      applianceId: a.certificate.applianceId,
      activationId: a.response.activationId,
      secret: fromHex(stored.secret)!,
      clientTime: options.now,
      reason: options.reason ?? 'unspecified',
    }),
  );
  const licenseId = formatId('license', a.license.licenseId);
  const { activation: _removed, ...rest } = observed;
  return {
    state: {
      ...rest,
      lastDeactivation: { code, licenseId, activationId: a.activationId, at: options.now },
    },
    code,
    licenseId,
    activationId: a.activationId,
    removed: true,
  };
}
