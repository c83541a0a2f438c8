// The appliance's seat and deactivation decisions on a state built from journal events.

import test from 'ava';
import { toHex } from '../../src/core/bytes.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { commitmentOf, encodeChallenge } from '../../src/core/formats/challenge.ts';
import { encodeDeactivation } from '../../src/core/formats/deactivation.ts';
import { computeFingerprint, explicitComponents } from '../../src/core/fingerprint.ts';
import { decideDeactivation, decideSeat, licenseFor } from '../../src/appliance/decide.ts';
import type { ApplianceEvent } from '../../src/appliance/events.ts';
import { emptyApplianceState, reduce, seatsInUse } from '../../src/appliance/state.ts';
import { deserialiseState, serialiseState } from '../../src/appliance/state-snapshot.ts';

const T0 = 1_800_000_000;
const LICENSE = '0102030405060708';
const APPLIANCE = new Uint8Array([0, 0, 0, 5]);
const secret = (n: number) => new Uint8Array(16).fill(n);

function challenge(machine: string, n: number) {
  return encodeChallenge({
    licenseId: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    fingerprint: computeFingerprint('cad', explicitComponents(machine)),
    nonce: new Uint8Array(8).fill(n),
    clientTime: T0,
    commitment: commitmentOf(secret(n)),
  });
}

function stateWith(seats: number, floating = false) {
  return reduce(emptyApplianceState(), {
    type: 'license.added',
    data: {
      licenseId: LICENSE,
      key: 'K…',
      product: 'cad',
      seats,
      floating,
      expiresAt: null,
      at: T0,
    },
  });
}

function grant(
  state: ReturnType<typeof stateWith>,
  machine: string,
  n: number,
  leaseEndsAt: number | null = null,
) {
  const c = challenge(machine, n);
  const decision = decideSeat(state, licenseFor(state, LICENSE), c, T0);
  const activationId =
    decision.kind === 'new' ? decision.activationId : decision.activation.activationId;
  const event: ApplianceEvent<'activation.granted'> = {
    type: 'activation.granted',
    data: {
      activationId,
      licenseId: LICENSE,
      fingerprint: toHex(c.fingerprint),
      challenge: toHex(c.bytes),
      commitment: toHex(c.commitment),
      clientTime: c.clientTime,
      leaseEndsAt,
      at: T0,
      renewal: decision.kind === 'renewal',
      channel: 'offline',
    },
  };
  reduce(state, event);
  return { decision, activationId };
}

function code(activationId: number, n: number) {
  return encodeDeactivation({
    applianceId: APPLIANCE,
    activationId,
    secret: secret(n),
    clientTime: T0,
    reason: 'retired',
  });
}

test('new machines take seats until none is free, then SEATS_EXHAUSTED', (t) => {
  const state = stateWith(2);
  t.is(grant(state, 'a', 1).decision.kind, 'new');
  t.is(grant(state, 'b', 2).decision.kind, 'new');
  const error = t.throws(() => grant(state, 'c', 3), { instanceOf: AirlockError });
  t.is(error?.code, 'SEATS_EXHAUSTED');
  t.is(error?.details['used'], 2);
  t.regex(error!.message, /^All 2 seats of license lic_0102030405060708 are in use\. Deactivate/);
});

test('a license of one seat says its only seat is in use', (t) => {
  const state = stateWith(1);
  grant(state, 'a', 1);
  const error = t.throws(() => grant(state, 'b', 2), { instanceOf: AirlockError });
  t.is(error?.code, 'SEATS_EXHAUSTED');
  t.regex(error!.message, /^The only seat of license lic_0102030405060708 is in use\. Deactivate/);
});

test('the same machine asking again gets its activation back and consumes nothing', (t) => {
  const state = stateWith(1);
  const first = grant(state, 'a', 1);
  const again = grant(state, 'a', 2);
  t.is(again.decision.kind, 'renewal');
  t.is(again.activationId, first.activationId);
  t.is(seatsInUse(state, state.licenses.get(LICENSE)!, T0), 1);
  t.is(state.activations.get(first.activationId)!.renewals, 1);
});

test('a lapsed floating lease returns its seat to the pool', (t) => {
  const state = stateWith(1, true);
  grant(state, 'a', 1, T0 - 1);
  t.is(seatsInUse(state, state.licenses.get(LICENSE)!, T0), 0);
  t.is(grant(state, 'b', 2, T0 + 3600).decision.kind, 'new');
  const error = t.throws(() => grant(state, 'a', 3), { instanceOf: AirlockError });
  t.is(error?.code, 'SEATS_EXHAUSTED');
});

test('a deactivation code with the right secret frees the seat; a second time is an outcome', (t) => {
  const state = stateWith(1);
  const { activationId } = grant(state, 'a', 1);
  const decision = decideDeactivation(state, code(activationId, 1), APPLIANCE, T0);
  t.is(decision.kind, 'free');
  reduce(state, {
    type: 'activation.ended',
    data: { activationId, at: T0, how: 'deactivated', reason: 'retired' },
  });
  t.is(seatsInUse(state, state.licenses.get(LICENSE)!, T0), 0);
  t.is(decideDeactivation(state, code(activationId, 1), APPLIANCE, T0).kind, 'already');
  t.is(grant(state, 'b', 2).decision.kind, 'new');
});

test('a deactivation code from an older challenge, another appliance or an unknown activation is refused', (t) => {
  const state = stateWith(1);
  const { activationId } = grant(state, 'a', 1);
  grant(state, 'a', 2); // renewal: the commitment is now challenge 2's
  const codeOf = (f: () => unknown) =>
    (t.throws(f, { instanceOf: AirlockError }) as AirlockError).code;
  t.is(
    codeOf(() => decideDeactivation(state, code(activationId, 1), APPLIANCE, T0)),
    'DEACTIVATION_INVALID',
  );
  t.is(
    codeOf(() =>
      decideDeactivation(state, code(activationId, 2), new Uint8Array([9, 9, 9, 9]), T0),
    ),
    'ACTIVATION_UNKNOWN',
  );
  t.is(
    codeOf(() => decideDeactivation(state, code(activationId + 7, 2), APPLIANCE, T0)),
    'ACTIVATION_UNKNOWN',
  );
});

test('deactivate-and-reactivate cycles are limited per license in the policy window', (t) => {
  const state = stateWith(1);
  const policy = { maxPerWindow: () => 2 };
  for (let n = 1; n <= 3; n++) {
    const { activationId } = grant(state, `m${n}`, n);
    const attempt = () => decideDeactivation(state, code(activationId, n), APPLIANCE, T0, policy);
    if (n === 3) {
      t.is(
        (t.throws(attempt, { instanceOf: AirlockError }) as AirlockError).code,
        'DEACTIVATION_LIMIT',
      );
    } else {
      attempt();
      reduce(state, {
        type: 'activation.ended',
        data: { activationId, at: T0, how: 'deactivated', reason: '' },
      });
    }
  }
});

test('a revoked or unknown license is refused', (t) => {
  const state = stateWith(3);
  t.is(
    (
      t.throws(() => licenseFor(state, 'ffffffffffffffff'), {
        instanceOf: AirlockError,
      }) as AirlockError
    ).code,
    'LICENSE_UNKNOWN',
  );
  reduce(state, {
    type: 'license.revoked',
    data: { licenseId: LICENSE, at: T0, reason: 'non-payment' },
  });
  t.is(
    (t.throws(() => licenseFor(state, LICENSE), { instanceOf: AirlockError }) as AirlockError).code,
    'REVOKED',
  );
});

test('a snapshot restores exactly the same state', (t) => {
  const state = stateWith(2);
  grant(state, 'a', 1);
  grant(state, 'b', 2);
  const restored = deserialiseState(JSON.parse(JSON.stringify(serialiseState(state))));
  t.deepEqual(serialiseState(restored), serialiseState(state));
  t.is(grant(restored, 'a', 3).decision.kind, 'renewal');
});
