// Wrong-type inputs fed to every public SDK function: each throws TypeError (misuse) or an
// AirlockError with a code (bad data), never anything else.

import test from 'ava';
import { toHex } from '../../src/core/bytes.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { keyIdOf } from '../../src/core/ids.ts';
import {
  AirlockError,
  applyResponse,
  computeFingerprint,
  createChallenge,
  deactivate,
  emptyState,
  explicitComponents,
  getStatus,
  importRevocations,
  matchFingerprint,
  parseTrust,
  verifyLicenseKey,
} from '../../src/sdk/index.ts';

const vendor = nobleSuite.signer(new Uint8Array(32).fill(3));
const trust = parseTrust({
  format: 'airlock-trust/v1',
  roots: [{ keyId: `key_${toHex(keyIdOf(vendor.publicKey))}`, publicKey: toHex(vendor.publicKey) }],
});
const ctx = {
  trust,
  now: 1_800_000_000,
  fingerprintFor: (p: string) => computeFingerprint(p, explicitComponents('m')),
};
const random = (n: number) => new Uint8Array(n);

const WRONG: readonly unknown[] = [
  undefined,
  null,
  42,
  -1,
  1.5,
  NaN,
  true,
  {},
  [],
  () => 1,
  Symbol('x'),
  10n,
  new Uint8Array(45),
  'x'.repeat(100_000),
  '',
];

const CALLS: Record<string, (input: unknown) => unknown> = {
  'verifyLicenseKey(key)': (v) => verifyLicenseKey(v, { trust, now: ctx.now }),
  'verifyLicenseKey(options)': (v) => verifyLicenseKey('K', v as never),
  'createChallenge(state)': (v) => createChallenge(v as never, 'K', { ...ctx, random }),
  'createChallenge(key)': (v) => createChallenge(emptyState(), v as never, { ...ctx, random }),
  'createChallenge(ctx)': (v) => createChallenge(emptyState(), 'K', v as never),
  'applyResponse(state)': (v) => applyResponse(v as never, 'R', ctx),
  'applyResponse(response)': (v) => applyResponse(emptyState(), v, ctx),
  'applyResponse(ctx)': (v) => applyResponse(emptyState(), 'R', v as never),
  'getStatus(state)': (v) => getStatus(v as never, ctx),
  'getStatus(ctx)': (v) => getStatus(emptyState(), v as never),
  'deactivate(state)': (v) => deactivate(v as never, { now: ctx.now }),
  'deactivate(options)': (v) => deactivate(emptyState(), v as never),
  'importRevocations(bundle)': (v) => importRevocations(emptyState(), v as never, ctx),
  'importRevocations(ctx)': (v) => importRevocations(emptyState(), new Uint8Array(10), v as never),
  'parseTrust(json)': (v) => parseTrust(v),
  'computeFingerprint(components)': (v) => computeFingerprint('p', v as never),
  'matchFingerprint(reference)': (v) => matchFingerprint(v as never, new Uint8Array(8)),
};

for (const [name, call] of Object.entries(CALLS)) {
  test(`${name} refuses wrong types with TypeError or a coded error`, (t) => {
    for (const input of WRONG) {
      try {
        call(input);
      } catch (error) {
        const ok =
          error instanceof TypeError ||
          (error instanceof AirlockError && typeof error.code === 'string');
        t.true(ok, `${name} with ${typeof input}: ${String(error)}`);
        continue;
      }
      // A few inputs are legitimately accepted (e.g. {} as "no components"); they must not crash.
      t.pass();
    }
  });
}
