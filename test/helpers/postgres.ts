// A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, one postgres server
// on 127.0.0.1 and a free port (trust authentication, no Unix socket, fsync off unless durable),
// databases made per test, the server stopped and started mid-test, and everything removed when
// the file ends. The benchmarks start it durable, to compare with the file ledger's fdatasync.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export const INSTALL_HINT =
  'PostgreSQL is not installed: the PostgreSQL ledger tests start a throwaway cluster of their ' +
  'own with its initdb and postgres. Install them with `apt-get install -y postgresql` ' +
  '(.ci/run does so on a fresh machine).';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface PgBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** initdb and postgres from PATH, else from Debian's /usr/lib/postgresql/<newest>/bin. */
export function findPgBinaries(): PgBinaries {
  const onPath = (name: string) =>
    (process.env['PATH'] ?? '')
      .split(delimiter)
      .filter((dir) => dir.length > 0)
      .map((dir) => join(dir, name))
      .find((path) => existsSync(path));
  const initdb = onPath('initdb');
  const postgres = onPath('postgres');
  if (initdb !== undefined && postgres !== undefined) return { initdb, postgres };
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(INSTALL_HINT);
  const bin = join(root, versions[0]!, 'bin');
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

/** initdb and postgres refuse to run as root: then they run as `postgres` (Debian's), or nobody. */
function unprivilegedUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error(
    'running as root, and neither a postgres nor a nobody user exists to run PostgreSQL',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PgCluster {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:PORT/DATABASE (the superuser, trusted on loopback). */
  url(database?: string): string;
  /** A new empty database (UTF8) with a fresh name; resolves with its URL. */
  createDatabase(options?: { readonly encoding?: string }): Promise<string>;
  /** Runs SQL as the superuser on a database (default postgres). */
  query(sql: string, database?: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Stops the server: 'fast' (SIGINT: sessions ended, a clean shutdown) or 'immediate'
   * (SIGQUIT: like a crash, recovery on the next start). The data stays. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the server again on the same port and data. */
  start(): Promise<void>;
  readonly running: boolean;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface PgClusterOptions {
  /**
   * Commits reach the disk as PostgreSQL's defaults have it (fsync, synchronous_commit and
   * full_page_writes on, shared_buffers 128MB): for measuring. Default false: fsync and
   * full_page_writes off, for speed in tests.
   */
  readonly durable?: boolean;
}

/** The server settings (`-c` values) of a cluster started with these options. */
function pgServerSettings(options: PgClusterOptions = {}): Readonly<Record<string, string>> {
  const durability = options.durable
    ? { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: '128MB' }
    : { fsync: 'off', full_page_writes: 'off', shared_buffers: '16MB' };
  return {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    ...durability,
    max_connections: '60',
    log_min_messages: 'warning',
  };
}

let databases = 0;

/** The database a URL of createDatabase names, for `query`. */
export const databaseOf = (url: string): string => new URL(url).pathname.slice(1);

/**
 * Starts a cluster. Throws with INSTALL_HINT when PostgreSQL is not installed: these tests fail
 * rather than skip, so a machine without it is noticed.
 */
export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const bins = findPgBinaries();
  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-pg-'));
  const data = join(dir, 'data');
  if (user !== null) chownSync(dir, user.uid, user.gid);
  const asUser = user === null ? {} : { uid: user.uid, gid: user.gid };
  try {
    execFileSync(
      bins.initdb,
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...asUser, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${stderr || String(error)}`);
  }

  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  /** If this process ends without destroy (a crashed test), neither server nor files outlive it. */
  const killOnExit = () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', killOnExit);

  async function start(): Promise<void> {
    if (child !== null) throw new Error('the cluster is already running');
    log = '';
    const settings = Object.entries(pgServerSettings(options)).flatMap(([name, value]) => [
      '-c',
      `${name}=${value}`,
    ]);
    const server = spawn(bins.postgres, ['-D', data, '-p', String(port), ...settings], {
      ...asUser,
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = server;
    server.stderr!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-8000)));
    server.once('exit', () => {
      if (child === server) child = null;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child !== server) throw new Error(`postgres exited while starting:\n${log}`);
      const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        server.kill('SIGQUIT');
        throw new Error(`postgres did not accept connections within 30 s:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const server = child;
    if (server === null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  async function query(sql: string, database = 'postgres', values?: unknown[]) {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query(sql, values);
    } finally {
      await client.end();
    }
  }

  await start();
  return {
    port,
    url,
    query,
    async createDatabase(options = {}) {
      const name = `t${process.pid}_${++databases}`;
      const encoding = options.encoding ?? 'UTF8';
      if (!/^[A-Z0-9_]+$/.test(encoding)) throw new TypeError('an encoding name');
      await query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING '${encoding}'`);
      return url(name);
    },
    stop,
    start,
    get running() {
      return child !== null;
    },
    async destroy() {
      await stop('fast');
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
