// A serving appliance: its data directory opened (the ledger locked for this process), the HTTP
// API listening (HTTPS when given a certificate), and one close that stops in order: no new
// connections, requests in flight answered (their records durable), then the ledger closed and
// its lock released.

import type { LedgerNotice } from '../ledger/index.ts';
import { openAppliance, type OpenAppliance } from '../appliance/service.ts';
import { openTokenBook } from '../appliance/tokens.ts';
import { openUserBook } from '../appliance/users.ts';
import { createHttpApp } from './app.ts';
import { builtInConsole } from './console.ts';
import type { RateLimitOptions } from './rate-limit.ts';
import { type ServerLimits, startServer } from './server.ts';

export interface RunOptions {
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly passphrase?: string | undefined;
  /** Unix seconds. */
  readonly clock: () => number;
  readonly random: (n: number) => Uint8Array;
  readonly rateLimit?: RateLimitOptions;
  readonly proxy?: boolean;
  /** Serve HTTPS with this certificate and key (PEM); without it, plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly limits?: ServerLimits;
  /** How long a close waits for requests in flight (default 10 000 ms). */
  readonly closeTimeoutMs?: number;
  readonly log: (line: string) => void;
  /** The ledger's PostgreSQL URL; undefined: the data directory's journal. */
  readonly ledger?: string | undefined;
}

export interface RunningAppliance extends Pick<OpenAppliance, 'identity' | 'appliance' | 'ledger'> {
  readonly url: string;
  close(): Promise<void>;
}

function noticeText(notice: LedgerNotice): string {
  switch (notice.kind) {
    case 'tail-cut':
      return `ledger: cut an unfinished record at the end of ${notice.file} (${notice.cutBytes} bytes); nothing acknowledged was in it`;
    case 'snapshot-ignored':
      return `ledger: snapshot not used (${notice.reason}); the state was rebuilt from the journal`;
    case 'snapshot-failed':
      return `ledger: could not write a snapshot (${notice.reason}); start-up will replay more`;
    case 'unavailable':
      return `ledger: a write failed (${notice.reason}); activations are refused until it can write again`;
    case 'available':
      return 'ledger: writing again';
    case 'reloading':
      return `ledger: reading the state again (${notice.reason})`;
  }
}

export async function runAppliance(options: RunOptions): Promise<RunningAppliance> {
  const open = await openAppliance(options.dir, {
    passphrase: options.passphrase,
    clock: options.clock,
    random: options.random,
    purpose: 'appliance server (airlock serve)',
    ledger: options.ledger,
    onNotice: (notice) => options.log(noticeText(notice)),
  });
  let server;
  try {
    const app = createHttpApp({
      appliance: open.appliance,
      tokens: await openTokenBook(options.dir),
      users: await openUserBook(options.dir),
      console: { assets: await builtInConsole() },
      clock: options.clock,
      ledger: open.ledger,
      log: (message, error) =>
        options.log(
          `${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        ),
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
      ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
    });
    server = await startServer(app, {
      host: options.host,
      port: options.port,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.closeTimeoutMs === undefined ? {} : { closeTimeoutMs: options.closeTimeoutMs }),
    });
  } catch (error) {
    await open.close();
    throw error;
  }
  const running = server;
  let closed: Promise<void> | undefined;
  return {
    url: running.url,
    identity: open.identity,
    appliance: open.appliance,
    ledger: open.ledger,
    close() {
      closed ??= running.close().then(() => open.close());
      return closed;
    },
  };
}
