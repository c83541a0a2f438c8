// `airlock serve` as its own process on 127.0.0.1 (a free port), on a temporary data directory
// with a license and an operator token; and machines that activate through it over real HTTP.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecutionContext } from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { createToken } from '../../src/appliance/tokens.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import {
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
} from '../../src/sdk/index.ts';
import type { TrustAnchors } from '../../src/sdk/trust.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/airlock.js');
const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

export interface Site {
  readonly dir: string;
  readonly key: string;
  readonly licenseId: string;
  readonly token: string;
  readonly trust: TrustAnchors;
}

/**
 * A standalone data directory holding one license of `seats` seats, and an operator token; with
 * `ledger`, its ledger is that PostgreSQL database (set in DATA/airlock.toml).
 */
export async function site(
  t: ExecutionContext,
  seats: number,
  options: { readonly ledger?: string } = {},
): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: now() });
  if (options.ledger !== undefined) {
    await writeFile(join(dir, 'airlock.toml'), `ledger = "${options.ledger}"\n`);
  }
  const vendor = await openVendor(join(dir, 'vendor'));
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId: random(8),
        type: 'perpetual',
        issuedAt: now() - 60,
        expiresAt: null,
        seats,
        leaseSeconds: 0,
        graceSeconds: 0,
        product: 'cad',
        features: [],
      },
      vendor.signer,
    ),
  );
  const open = await openAppliance(dir, {
    clock: now,
    random,
    purpose: 'test set-up',
    ledger: options.ledger,
  });
  const { license } = await open.appliance.addLicense(key);
  const trust = open.identity.trust;
  await open.close();
  const { token } = await createToken(dir, { role: 'operator', label: 'test', now: now() });
  return { dir, key, licenseId: license.licenseId, token, trust };
}

export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything printed so far. */
  readonly output: { stdout: string; stderr: string };
  /** Resolves when the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Plain HTTP on 127.0.0.1, as `npm start` serves, so that tests can use fetch. */
export const PLAIN = ['--http', '--json', '--rate-limit', '100000'] as const;

/** The environment without the AIRLOCK_ variables of the machine running the tests, plus `env`. */
export function cleanEnv(env: Readonly<Record<string, string>> = {}): Record<string, string> {
  const kept = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      !entry[0].startsWith('AIRLOCK_') && entry[1] !== undefined,
  );
  return { ...Object.fromEntries(kept), ...env };
}

/** Starts `airlock serve` and waits until it says where it listens. */
export async function serve(
  t: ExecutionContext,
  dir: string,
  extra: readonly string[] = PLAIN,
  env: Readonly<Record<string, string>> = {},
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', '0', ...extra], {
    cwd: tmpdir(),
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((found, failed) => {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      output.stdout += s;
      const match = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout);
      if (match) found(match[1]!);
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (output.stderr += s));
    void exited.then(() =>
      failed(new Error(`airlock serve ended:\n${output.stderr}${output.stdout}`)),
    );
  });
  return { child, url: `${url}/api/v1`, output, exited };
}

/** The challenge of a machine of this name for the site's license. */
export function challengeOf(s: Site, machine: string): string {
  return createChallenge(emptyState(), s.key, {
    trust: s.trust,
    now: now(),
    fingerprintFor: (product) => computeFingerprint(product, explicitComponents(machine)),
    random,
  }).text;
}

export async function activate(
  url: string,
  token: string,
  challenge: string,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/activate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ challenge }),
  });
  return { status: res.status, json: await res.json() };
}
