// An appliance with a vendor license, API tokens and its HTTP API on 127.0.0.1:0, for tests that
// speak real HTTP with fetch; and the client side (the SDK) of machines that activate through it.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { type ApplianceLedger, createAppliance } from '../../src/appliance/appliance.ts';
import { initApplianceDir, openApplianceDir } from '../../src/appliance/data-dir.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { createToken, openTokenBook } from '../../src/appliance/tokens.ts';
import { type Role, ROLES } from '../../src/appliance/roles.ts';
import { openUserBook } from '../../src/appliance/users.ts';
import {
  issueLicense,
  type LicenseType,
  licenseKeyText,
} from '../../src/core/formats/license-key.ts';
import { createHttpApp, type HttpAppOptions } from '../../src/http/app.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { computeFingerprint, explicitComponents } from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

export const NOW = 1_800_000_000;
export const DAY = 86400;

export interface SetupOptions {
  readonly seats?: number;
  readonly type?: LicenseType;
  readonly rateLimit?: HttpAppOptions['rateLimit'];
  readonly ledger?: ApplianceLedger;
  /** Serve the appliance on the file ledger of its data directory, as `airlock serve` does. */
  readonly fileLedger?: boolean;
  /** The ledger the API's /ledger endpoints use (default: the file ledger, if any). */
  readonly adminLedger?: HttpAppOptions['ledger'];
  readonly log?: HttpAppOptions['log'];
  readonly tokenReloadMs?: number;
  /** Console users named after their roles (passwords in USER_PASSWORDS); scrypt makes them slow. */
  readonly users?: boolean;
  readonly sessionLimits?: HttpAppOptions['sessionLimits'];
  /** The console's files, served at / (default: no console). */
  readonly console?: HttpAppOptions['console'];
  /** Change the appliance before it is served (e.g. to make a use case fail). */
  readonly wrap?: (
    appliance: ReturnType<typeof createAppliance>,
  ) => ReturnType<typeof createAppliance>;
}

export type Setup = Awaited<ReturnType<typeof setup>>;

export const USER_PASSWORDS: Readonly<Record<Role, string>> = {
  admin: 'first pass phrase 1',
  operator: 'second pass phrase 2',
  auditor: 'third pass phrase 3',
};

/** A generous limit, so tests other than the rate-limit ones never meet it. */
export const NO_LIMIT = { perMinute: 1e6, burst: 1e6 } as const;

export async function setup(t: ExecutionContext, options: SetupOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-http-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: NOW });
  const identity = await openApplianceDir(dir);
  const vendor = await openVendor(join(dir, 'vendor'));
  let now = NOW;
  const clock = () => now;
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const open = options.fileLedger
    ? await openAppliance(dir, { clock, random, purpose: 'http test' })
    : undefined;
  // Registered before the server's teardown, so it runs after it (the last registered runs first).
  if (open !== undefined) t.teardown(() => open.close());
  const base =
    open?.appliance ??
    createAppliance({
      identity,
      ledger: options.ledger ?? createMemoryLedger(),
      clock,
      verifier: nodeSuite,
    });
  const adminLedger = options.adminLedger ?? open?.ledger;
  const appliance = options.wrap ? options.wrap(base) : base;
  const issue = (seats: number, type: LicenseType = 'subscription', product = 'cad') =>
    licenseKeyText(
      issueLicense(
        {
          licenseId: new Uint8Array(randomBytes(8)),
          type,
          issuedAt: NOW - 10,
          expiresAt: NOW + 365 * DAY,
          seats,
          leaseSeconds: 30 * DAY,
          graceSeconds: 0,
          product,
          features: ['pro'],
        },
        vendor.signer,
      ),
    );
  const key = issue(options.seats ?? 3, options.type);
  const added = await base.addLicense(key);

  const admin = (await createToken(dir, { role: 'admin', label: 'test admin', now: NOW })).token;
  const operator = (await createToken(dir, { role: 'operator', label: 'desk', now: NOW })).token;
  const auditor = (await createToken(dir, { role: 'auditor', label: 'books', now: NOW })).token;
  const userBook = await openUserBook(dir);
  if (options.users === true) {
    for (const role of ROLES) {
      await userBook.add({ name: role, role, password: USER_PASSWORDS[role], now: NOW });
    }
  }
  const expired = (
    await createToken(dir, { role: 'admin', label: 'old', now: NOW - 100, expiresAt: NOW - 1 })
  ).token;

  const app = createHttpApp({
    appliance,
    tokens: await openTokenBook(dir),
    users: userBook,
    ...(options.sessionLimits === undefined ? {} : { sessionLimits: options.sessionLimits }),
    clock,
    rateLimit: options.rateLimit ?? NO_LIMIT,
    log: options.log ?? (() => undefined),
    ...(options.tokenReloadMs === undefined ? {} : { tokenReloadMs: options.tokenReloadMs }),
    ...(adminLedger === undefined ? {} : { ledger: adminLedger }),
    ...(options.console === undefined ? {} : { console: options.console }),
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;

  const machine = (id: string) => ({
    trust: identity.trust,
    now: NOW,
    fingerprintFor: (p: string) => computeFingerprint(p, explicitComponents(id)),
    random,
  });

  /** A JSON request; `body` is sent as given when it is a string, as JSON otherwise. */
  async function call(
    method: string,
    path: string,
    init: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
    let body: string | Uint8Array | undefined;
    if (init.body !== undefined) {
      body =
        typeof init.body === 'string' || init.body instanceof Uint8Array
          ? init.body
          : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  return {
    dir,
    url,
    app,
    identity,
    appliance,
    /** The file ledger, with `fileLedger: true`. */
    ledger: open?.ledger,
    vendor,
    key,
    licenseId: added.license.licenseId,
    issue,
    machine,
    tokens: { admin, operator, auditor, expired },
    users: userBook,
    call,
    setNow(seconds: number) {
      now = seconds;
    },
  };
}

/**
 * Records of the ledger other than the audit trail's: what a refused request must not change (a
 * refusal itself is recorded, as an `audit` record).
 */
export function domainRecords(s: Setup): number {
  return s.ledger!.head.seq - s.appliance.state.auditEvents;
}

/** The hash of the file ledger's record `seq`. */
export async function hashOf(s: Setup, seq: number): Promise<string> {
  const { records } = await s.ledger!.recent({ limit: 1, before: seq + 1 });
  return records[0]!.hash;
}
