// Benchmark section: activations over real HTTP with the PostgreSQL ledger (one node, and three
// nodes of one appliance with the load spread over them in turn) beside the file ledger (one node),
// in the same run. Each configuration is `airlock serve` processes (--http on 127.0.0.1, a rate
// limit too high to matter, an operator token), and every request a new machine's challenge, so
// every answer is a new activation and a ledger append. PostgreSQL is a throwaway cluster with
// durable commits (test/helpers/postgres.ts), as the file ledger fdatasyncs its own.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinApplianceDir } from '../../src/appliance/node-join.ts';
import { openApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { findPgBinaries, type PgCluster, startPgCluster } from '../../test/helpers/postgres.ts';
import {
  type BenchApplianceDir,
  clock,
  createBenchApplianceDir,
  machineChallenges,
  random,
} from './appliance-fixture.ts';
import { checkAnswer } from './http.ts';
import { keepAliveAgent, loadFor, type LoadResult, type LoadTarget } from './http-load.ts';
import type { MeasureOptions } from './measure.ts';
import type { Report, Row } from './report.ts';
import { type ServeProcess, startServe } from './serve-process.ts';

const CLIENTS = 64;
const ROUNDS = 3;
const PATH = '/api/v1/offline/respond';
/** Seconds per timed round at least, whatever --seconds says (processes need time to settle). */
const MIN_SECONDS = 2;
const WARMUP_SECONDS = 1;
/** Challenges are made before each run, for at most this many requests. */
const MAX_CHALLENGES_PER_RUN = 30_000;
/** Bodies are made for at least this rate (a cold warm-up underestimates; the rest carry over). */
const LEAST_RATE_PROVIDED = 10_000;
/** No run sends more than this, however fast the servers. */
const MAX_REQUESTS_PER_RUN = 50_000;
const TITLE = `Activations over HTTP by ledger: file vs PostgreSQL (1 and 3 nodes), ${CLIENTS} keep-alive clients`;
/** The server's settings that make the comparison fair, read back from it for the notes. */
const DURABILITY = ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method'];

type Name = 'file' | 'pg1' | 'pg3';
const LABELS: Readonly<Record<Name, string>> = {
  file: 'file ledger, 1 node',
  pg1: 'PostgreSQL, 1 node',
  pg3: 'PostgreSQL, 3 nodes',
};

interface Configuration {
  readonly label: string;
  /** The nodes' data directories, the first one made by init and the others joined to it. */
  readonly dirs: readonly string[];
  /** The PostgreSQL database's name; undefined: the file ledger. */
  readonly database: string | undefined;
  readonly fixture: BenchApplianceDir;
  readonly nodes: readonly ServeProcess[];
  readonly targets: readonly LoadTarget[];
  /** Request bodies, each taken once: a new machine each time. */
  readonly bodies: string[];
  used: number;
  /** The fastest run so far, warm-up included: how many bodies the next one may need. */
  fastest: number;
  best?: LoadResult;
  acknowledged: number;
}

/** A standalone appliance with its license added, on the file ledger or on a database. */
async function applianceDir(dir: string, ledger?: string): Promise<BenchApplianceDir> {
  const fixture = await createBenchApplianceDir(dir);
  if (ledger !== undefined) await writeFile(join(dir, 'airlock.toml'), `ledger = "${ledger}"\n`);
  const open = await openAppliance(dir, { clock, random, purpose: 'benchmark set-up', ledger });
  try {
    await open.appliance.addLicense(fixture.licenseKey);
  } finally {
    await open.close();
  }
  return fixture;
}

/**
 * Makes sure `c` has bodies for half as much again as `perSecond` over `seconds` (rounds vary);
 * outside the timed part, as challenges are slow to make.
 */
function provide(c: Configuration, perSecond: number, seconds: number): void {
  const want = Math.min(MAX_CHALLENGES_PER_RUN, Math.ceil(perSecond * seconds * 1.5) + CLIENTS);
  const missing = want - (c.bodies.length - c.used);
  if (missing <= 0) return;
  const made = machineChallenges(c.fixture.licenseKey, c.fixture.trust, c.bodies.length, missing);
  for (const challenge of made) c.bodies.push(JSON.stringify({ challenge }));
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);

function rows(c: Readonly<Record<Name, Configuration>>): Row[] {
  const file = c.file.best!;
  const pg1 = c.pg1.best!;
  const row = (ledger: string, nodes: number, r: LoadResult, vsOne: string): Row => ({
    ledger,
    nodes: String(nodes),
    'activations/s': r.perSecond,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'rate / file': ratio(r.perSecond, file.perSecond),
    'p99 / file': ratio(r.p99, file.p99),
    'rate / PG 1 node': vsOne,
  });
  return [
    row('file (baseline)', 1, file, ''),
    row('PostgreSQL', 1, pg1, '1.00'),
    row('PostgreSQL', 3, c.pg3.best!, ratio(c.pg3.best!.perSecond, pg1.perSecond)),
  ];
}

/** "PostgreSQL 15.8: fsync=on, …", as the running server reports them. */
async function serverSettings(cluster: PgCluster): Promise<string> {
  const { rows } = await cluster.query(
    `SELECT current_setting('server_version') AS version, ` +
      DURABILITY.map((name) => `current_setting('${name}') AS ${name}`).join(', '),
  );
  const row = rows[0] as Record<string, string>;
  return `PostgreSQL ${row['version']}: ${DURABILITY.map((name) => `${name}=${row[name]}`).join(', ')}`;
}

/** "PostgreSQL, 3 nodes: reading the state again x12, …", or "none". */
function noticesText(c: Readonly<Record<Name, Configuration>>): string {
  const parts = Object.values(c).flatMap((configuration) => {
    const total = new Map<string, number>();
    for (const node of configuration.nodes) {
      for (const [what, n] of node.ledgerNotices()) total.set(what, (total.get(what) ?? 0) + n);
    }
    const said = [...total].map(([what, n]) => `${what} x${n}`).join(', ');
    return said === '' ? [] : [`${configuration.label}: ${said}`];
  });
  return parts.length === 0 ? 'none' : parts.join('; ');
}

export async function postgresSection(report: Report, options: MeasureOptions): Promise<void> {
  try {
    findPgBinaries();
  } catch {
    report.section(TITLE, [
      {
        result: 'SKIPPED',
        reason:
          'PostgreSQL is not installed (no initdb and postgres): `apt-get install -y postgresql`',
      },
    ]);
    return;
  }
  const loadAverage = loadavg()[0]!;
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-pg-'));
  const servers: ServeProcess[] = [];
  /** Agents made for a run and destroyed after it: an idle socket must not outlive the server's
   * keep-alive time-out (5 s) while the other configurations run, or its reuse hangs up. */
  const agents = new Set<Agent>();
  const withAgent = async <T>(use: (agent: Agent) => Promise<T>): Promise<T> => {
    const agent = keepAliveAgent(CLIENTS);
    agents.add(agent);
    try {
      return await use(agent);
    } finally {
      agent.destroy();
      agents.delete(agent);
    }
  };
  let cluster: PgCluster | undefined;
  try {
    cluster = await startPgCluster({ durable: true });
    const pg1Url = await cluster.createDatabase();
    const pg3Url = await cluster.createDatabase();
    const dirs = {
      file: [join(root, 'file')],
      pg1: [join(root, 'pg1')],
      pg3: [join(root, 'pg3-a'), join(root, 'pg3-b'), join(root, 'pg3-c')],
    };
    const fixtures = {
      file: await applianceDir(dirs.file[0]!),
      pg1: await applianceDir(dirs.pg1[0]!, pg1Url),
      pg3: await applianceDir(dirs.pg3[0]!, pg3Url),
    };
    for (const dir of dirs.pg3.slice(1)) {
      await joinApplianceDir(dir, { from: dirs.pg3[0]!, now: clock() });
    }
    const databases = { file: undefined, pg1: pg1Url, pg3: pg3Url };
    const configurations = {} as Record<Name, Configuration>;
    for (const name of ['file', 'pg1', 'pg3'] as const) {
      // Every start settled before going on, so that a failed one leaves none unstopped.
      const started = await Promise.allSettled(dirs[name].map((dir) => startServe(dir, root)));
      const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      servers.push(...nodes);
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      const database = databases[name];
      configurations[name] = {
        label: LABELS[name],
        dirs: dirs[name],
        database: database === undefined ? undefined : new URL(database).pathname.slice(1),
        fixture: fixtures[name],
        nodes,
        targets: nodes.map((node) => ({
          url: node.url,
          path: PATH,
          headers: { Authorization: `Bearer ${fixtures[name].token}` },
        })),
        bodies: [],
        used: 0,
        fastest: 0,
        acknowledged: 0,
      };
    }

    // Each node must answer with a response that verifies under its own key.
    let failure: string | undefined;
    for (const c of Object.values(configurations)) {
      provide(c, 0, 0);
      for (const [i, target] of c.targets.entries()) {
        const { signer } = await openApplianceDir(c.dirs[i]!);
        const body = c.bodies[c.used++]!;
        const wrong = await withAgent((agent) =>
          checkAnswer(agent, target, body, signer.publicKey),
        );
        failure ??= wrong === undefined ? undefined : `${c.label}: ${wrong}`;
      }
    }

    const seconds = Math.max(MIN_SECONDS, options.seconds);
    const run = async (c: Configuration, forSeconds: number) => {
      provide(c, Math.max(c.fastest, LEAST_RATE_PROVIDED), forSeconds);
      const result = await withAgent((agent) =>
        loadFor(
          agent,
          c.targets,
          () => (c.used < c.bodies.length ? c.bodies[c.used++] : undefined),
          { clients: CLIENTS, seconds: forSeconds, maxRequests: MAX_REQUESTS_PER_RUN },
        ),
      );
      c.acknowledged += result.ok;
      c.fastest = Math.max(c.fastest, result.perSecond);
      return result.failure === undefined
        ? result
        : { ...result, failure: `${c.label}: ${result.failure}` };
    };
    const exhausted = new Set<string>();
    for (const c of Object.values(configurations)) {
      if (failure === undefined) failure = (await run(c, WARMUP_SECONDS)).failure;
    }
    // Interleaved rounds, best of each, so drift in the machine's speed favours none.
    for (let round = 0; round < ROUNDS && failure === undefined; round++) {
      for (const c of Object.values(configurations)) {
        const result = await run(c, seconds);
        failure ??= result.failure;
        if (result.exhausted) exhausted.add(c.label);
        if (c.best === undefined || result.perSecond > c.best.perSecond) c.best = result;
      }
    }

    if (failure !== undefined) {
      process.exitCode = 1;
      report.section(
        TITLE,
        [{ result: 'FAIL', reason: failure }],
        servers.map((s) => `serve ${s.url}: ${s.output().slice(-600)}`),
      );
      return;
    }
    const count = (n: number) => n.toLocaleString('en-US');
    const records = async (c: Configuration) => {
      const sql = 'SELECT count(*) AS n FROM airlock.ledger_records';
      const result = await cluster!.query(sql, c.database);
      return count(Number((result.rows[0] as { n: string }).n));
    };
    const { file, pg1, pg3 } = configurations;
    report.section(TITLE, rows(configurations), [
      'no target: the issue asks for the figures side by side, not for a ratio to meet',
      'each configuration is airlock serve processes (bin/airlock.js, --http, no effective rate limit),',
      `  POST ${PATH} with an operator token, each request a new machine (a new activation);`,
      '  3 nodes: one appliance (appliance init --join), one database, requests sent to them in turn',
      'file ledger: fdatasync per group commit; a throwaway cluster on the same disk, durable:',
      `  ${await serverSettings(cluster)}; each node's default pool (4 connections)`,
      `best of ${ROUNDS} interleaved rounds of ${seconds} s after ${WARMUP_SECONDS} s warm-up each; challenges made before each round`,
      `machine: ${cpus().length} cores shared by the serve processes, PostgreSQL and the load generator (node:http in the`,
      '  benchmark process); a figure here is what the ensemble on one box manages, not one node alone;',
      `  load average when the section began: ${loadAverage.toFixed(2)} (other work on the machine skews every figure)`,
      `acknowledged activations: file ${count(file.acknowledged)}, PG 1 node ${count(pg1.acknowledged)} ` +
        `(${await records(pg1)} records), PG 3 nodes ${count(pg3.acknowledged)} ` +
        `(${await records(pg3)} records)` +
        (exhausted.size > 0
          ? `; ran out of challenges in a round (its rate stands): ${[...exhausted].join(', ')}`
          : ''),
      `ledger notices from the serve processes: ${noticesText(configurations)}`,
    ]);
  } finally {
    for (const agent of agents) agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    await cluster?.destroy();
    await rm(root, { recursive: true, force: true });
  }
}
