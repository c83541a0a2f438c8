// The state's fingerprint index: built as activations come and go, rebuilt from a snapshot, and
// complete, so that deciding a seat by the index finds exactly what a scan of every active
// activation finds.

import test from 'ava';
import fc from 'fast-check';
import { toHex } from '../../src/core/bytes.ts';
import { matchFingerprint } from '../../src/core/fingerprint.ts';
import {
  activeCandidates,
  type ApplianceState,
  emptyApplianceState,
  reduce,
} from '../../src/appliance/state.ts';
import { deserialiseState, serialiseState } from '../../src/appliance/state-snapshot.ts';

const LICENSE = '0102030405060708';
const T0 = 1_800_000_000;

/** Fingerprints from few tag values, so that components collide often. */
const fingerprint = fc
  .array(fc.constantFrom(0, 1, 2, 3), { minLength: 4, maxLength: 4 })
  .map((tags) => tags.map((t) => t.toString(16).padStart(4, '0')).join(''));

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), fingerprint }),
  fc.record({ kind: fc.constant('renew' as const), pick: fc.nat(), fingerprint }),
  fc.record({ kind: fc.constant('end' as const), pick: fc.nat() }),
);

type Step =
  | { kind: 'grant'; fingerprint: string }
  | { kind: 'renew'; pick: number; fingerprint: string }
  | { kind: 'end'; pick: number };

function build(steps: readonly Step[]): ApplianceState {
  const state = reduce(emptyApplianceState(), {
    type: 'license.added',
    data: {
      licenseId: LICENSE,
      key: 'K…',
      product: 'cad',
      seats: 0,
      floating: false,
      expiresAt: null,
      at: T0,
    },
  });
  // Built now, so that every step below maintains it (a restored state builds it afresh).
  activeCandidates(state, state.licenses.get(LICENSE)!, '0'.repeat(16));
  let next = 1;
  for (const s of steps) {
    const active = [...state.licenses.get(LICENSE)!.active];
    const grant = (activationId: number, fp: string) =>
      reduce(state, {
        type: 'activation.granted',
        data: {
          activationId,
          licenseId: LICENSE,
          fingerprint: fp,
          challenge: '',
          commitment: '00'.repeat(16),
          clientTime: T0,
          leaseEndsAt: null,
          at: T0,
          renewal: false,
          channel: 'offline',
        },
      });
    if (s.kind === 'grant') grant(next++, s.fingerprint);
    else if (active.length > 0) {
      const id = active[s.pick % active.length]!;
      if (s.kind === 'renew') grant(id, s.fingerprint);
      else {
        reduce(state, {
          type: 'activation.ended',
          data: { activationId: id, at: T0, how: 'deactivated', reason: 'retired' },
        });
      }
    }
  }
  return state;
}

/** Every active activation that matches, by a scan of all of them. */
function scan(state: ApplianceState, fp: string): number[] {
  const probe = Uint8Array.from(Buffer.from(fp, 'hex'));
  return [...state.licenses.get(LICENSE)!.active]
    .filter((id) => {
      const a = state.activations.get(id)!;
      return matchFingerprint(Uint8Array.from(Buffer.from(a.fingerprint, 'hex')), probe).matches;
    })
    .sort((a, b) => a - b);
}

function viaIndex(state: ApplianceState, fp: string): number[] {
  const probe = Uint8Array.from(Buffer.from(fp, 'hex'));
  const license = state.licenses.get(LICENSE)!;
  return activeCandidates(state, license, toHex(probe)).filter((id) => {
    const a = state.activations.get(id)!;
    return matchFingerprint(Uint8Array.from(Buffer.from(a.fingerprint, 'hex')), probe).matches;
  });
}

test('the index finds every matching active activation, before and after a snapshot', (t) => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fingerprint, (steps, probe) => {
      const state = build(steps);
      const restored = deserialiseState(JSON.parse(JSON.stringify(serialiseState(state))));
      const expected = scan(state, probe);
      return (
        JSON.stringify(viaIndex(state, probe)) === JSON.stringify(expected) &&
        JSON.stringify(viaIndex(restored, probe)) === JSON.stringify(expected) &&
        JSON.stringify(serialiseState(restored)) === JSON.stringify(serialiseState(state))
      );
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('after many removals the index is swept and rebuilt, and still finds every match', (t) => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 200, maxLength: 400 }), fingerprint, (steps, probe) => {
      const state = build(steps);
      return JSON.stringify(viaIndex(state, probe)) === JSON.stringify(scan(state, probe));
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test('a snapshot of an earlier layout is refused, so the ledger replays the journal instead', (t) => {
  t.throws(() => deserialiseState({ licenses: [], activations: [] }), { instanceOf: TypeError });
});
