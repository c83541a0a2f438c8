// A data directory that cannot be written (full disk, read-only file system), under the real HTTP
// API and file ledger: activations are refused with a clear 503, readiness says why, no seat is
// taken by a refused request, and once writes work again the appliance carries on.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { createToken, openTokenBook } from '../../src/appliance/tokens.ts';
import { openUserBook } from '../../src/appliance/users.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { startServer } from '../../src/http/server.ts';
import {
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
} from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import { failingOps } from '../ledger/helpers.ts';
import { NO_LIMIT } from './helpers.ts';

const NOW = 1_800_000_000;
const random = (n: number) => new Uint8Array(randomBytes(n));

for (const fault of ['ENOSPC', 'EROFS'] as const) {
  test(`${fault}: activations are refused with LEDGER_UNAVAILABLE, nothing is half-written, and service resumes`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-full-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await initApplianceDir(dir, { now: NOW });
    const ops = failingOps();
    const open = await openAppliance(dir, {
      clock: () => NOW,
      random,
      purpose: 'test',
      fileOps: ops,
    });
    const vendor = await openVendor(join(dir, 'vendor'));
    const key = licenseKeyText(
      issueLicense(
        {
          licenseId: random(8),
          type: 'perpetual',
          issuedAt: NOW - 10,
          expiresAt: null,
          seats: 2,
          leaseSeconds: 0,
          graceSeconds: 0,
          product: 'cad',
          features: [],
        },
        vendor.signer,
      ),
    );
    await open.appliance.addLicense(key);
    const { token } = await createToken(dir, { role: 'operator', label: 't', now: NOW });
    const app = createHttpApp({
      appliance: open.appliance,
      tokens: await openTokenBook(dir),
      users: await openUserBook(dir),
      clock: () => NOW,
      ledger: open.ledger,
      rateLimit: NO_LIMIT,
      log: () => undefined,
    });
    const server = await startServer(app, { host: '127.0.0.1', port: 0 });
    t.teardown(() => server.close().then(() => open.close()));
    const api = `${server.url}/api/v1`;
    const challenge = (machine: string) =>
      createChallenge(emptyState(), key, {
        trust: open.identity.trust,
        now: NOW,
        fingerprintFor: (p) => computeFingerprint(p, explicitComponents(machine)),
        random,
      }).text;
    const activate = async (machine: string) => {
      const res = await fetch(`${api}/activate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ challenge: challenge(machine) }),
      });
      return { status: res.status, json: (await res.json()) as any };
    };

    t.is((await activate('a')).status, 200);
    ops.failWith = fault;
    ops.partialBytes = 40; // a torn piece reaches the file before the failure
    const refused = await activate('b');
    t.is(refused.status, 503);
    t.is(refused.json.error.code, 'LEDGER_UNAVAILABLE');
    t.notRegex(refused.json.error.message, /\/tmp|airlock-full/);
    await open.ledger.settle();
    const ready = await fetch(`${api}/ready`);
    t.is(ready.status, 503);
    t.like(await ready.json(), { code: 'LEDGER_UNAVAILABLE' });
    t.is(open.appliance.licenses()[0]!.seatsUsed, 1, 'the refused activation took no seat');

    ops.failWith = null;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the ledger probes once a second
    t.is((await activate('c')).status, 503); // refused still, but it starts a probe write
    await open.ledger.settle();
    const resumed = await activate('d');
    t.is(resumed.status, 200, JSON.stringify(resumed.json));
    t.is((await fetch(`${api}/ready`)).status, 200);
    t.is(open.appliance.licenses()[0]!.seatsUsed, 2);
    const verified = await open.ledger.verify();
    t.true(verified.ok, JSON.stringify(verified.firstBad));
    t.is(verified.records, 3); // the license, a, d
  });
}
