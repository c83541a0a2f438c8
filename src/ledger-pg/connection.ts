// Connections to the ledger's database: the bounded pool (size, connect, statement, lock and idle
// transaction time-outs), the database named for people without its password, which failures
// mean "the database cannot be reached", and the refusal a node gives while it cannot.

import pg from 'pg';
import { AirlockError } from '../core/errors.ts';

export interface PgConnectionOptions {
  /** postgres://user[:password]@host[:port]/database[?…] */
  readonly url: string;
  /** Shown in pg_stat_activity as application_name ("airlock: appliance server"). */
  readonly purpose: string;
  /** Connections in the pool (default 4): one writer at a time, plus reads and snapshots. */
  readonly poolSize?: number;
  /** Giving up on connecting (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** The longest statement, and the longest wait for the writers' lock (default 10 s). */
  readonly statementTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 4;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** A node that stalls inside a transaction (holding the writers' lock) is cut off by the server. */
const IDLE_IN_TRANSACTION_MS = 30_000;

/** host:port/database of a postgres:// URL (never its user or password), or CONFIG_INVALID. */
export function databaseLabel(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AirlockError('CONFIG_INVALID', 'The ledger database URL is not a valid URL.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new AirlockError(
      'CONFIG_INVALID',
      `The ledger database URL must begin with postgres:// (not ${parsed.protocol}//).`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`;
}

/** An option that must be a positive integer when given (a TypeError otherwise: misuse). */
export function positive(value: number | undefined, fallback: number, name: string): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) {
    throw new TypeError(`${name} must be a positive integer`);
  }
  return chosen;
}

/** The settings of every connection, the pool's and the listener's. */
export function clientConfig(options: PgConnectionOptions): pg.ClientConfig {
  databaseLabel(options.url);
  const statementTimeout = positive(
    options.statementTimeoutMs,
    DEFAULT_STATEMENT_TIMEOUT_MS,
    'statementTimeoutMs',
  );
  return {
    connectionString: options.url,
    application_name: `airlock: ${options.purpose}`.slice(0, 63),
    connectionTimeoutMillis: positive(
      options.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
      'connectTimeoutMs',
    ),
    statement_timeout: statementTimeout,
    lock_timeout: statementTimeout,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    // A server that vanishes without closing the socket is noticed by the client too.
    query_timeout: statementTimeout + 5000,
    keepAlive: true,
  };
}

export function createPool(options: PgConnectionOptions): pg.Pool {
  return new pg.Pool({
    ...clientConfig(options),
    max: positive(options.poolSize, DEFAULT_POOL_SIZE, 'poolSize'),
    idleTimeoutMillis: 30_000,
  });
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * A client of the pool for a transaction. The pool listens for a checked-out client's 'error'
 * events no more; a connection that breaks mid-transaction also fails the query under way, which
 * is where the failure is handled, so the event itself is only kept from going unheard.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    client.on('error', () => undefined);
    guarded.add(client);
  }
  return client;
}

const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Shut down, crashed, starting, too many connections, or a read-only standby (after failover). */
const UNAVAILABLE_SQLSTATE = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
const CONNECTION_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|not queryable|Client has encountered a connection error/i;

/** True for failures that mean the database cannot be reached or written, not a refused query. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.has(code) || code.startsWith('08')) {
      return true;
    }
  }
  return CONNECTION_MESSAGE.test(error.message);
}

/** A short reason for a message: the server's or the socket's words, without a stack. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message.split('\n')[0]!.trim() || error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} [${code}]` : message;
}
