// Benchmark section: the appliance on a data directory whose journal holds 1,000,000 real events
// (one license of unlimited seats, then activations), with a snapshot at a realistic lag, against
// the same at 1,000: start-up (openAppliance, and `serve` until /health answers), memory, and
// answers per second through appliance.respond. Run directly with `--child MODE …` it is the child
// process that measures one of these, so that nothing of the benchmark's own process counts.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Appliance } from '../../src/appliance/appliance.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { runAppliance } from '../../src/http/run.ts';
import { clock, machineChallenges, random } from './appliance-fixture.ts';
import { buildApplianceDir } from './appliance-journal.ts';
import type { MeasureOptions } from './measure.ts';
import type { Report } from './report.ts';

const SMALL = 1_000;
const LARGE = 1_000_000;
/** The snapshot is this far behind the journal's end: half the default interval (50 000). */
const SNAPSHOT_LAG = 25_000;
/** Start-up of the 1M-record appliance, to its API answering, should stay under this. */
const TARGET_STARTUP_MS = 2_000;
/** Answers per second at 1M records should keep this share of those at 1k. */
const TARGET_RATIO = 0.8;
const RESPONDERS = 64;
const ROUNDS = 3;
const MAX_CHALLENGES_PER_RUN = 20_000;

interface Answers {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

/**
 * `RESPONDERS` loops answering new machines' challenges for `seconds`, each waiting for its
 * record to be durable before the next. The clock is checked before each call, so a call that
 * blocks for long (the decision is synchronous) cannot make the run much longer than asked.
 */
async function respondFor(
  appliance: Appliance,
  next: () => string | undefined,
  seconds: number,
): Promise<Answers> {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: RESPONDERS }, async () => {
      for (;;) {
        if (performance.now() >= deadline) return;
        const challenge = next();
        if (challenge === undefined) return;
        const began = performance.now();
        await appliance.respond(challenge, { channel: 'offline' });
        latencies.push(performance.now() - began);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    perSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    count: latencies.length,
  };
}

/**
 * Answers per second on both appliances, in interleaved rounds, best of each. When one answer on
 * the large one takes longer than a whole run, more rounds would only repeat that answer.
 */
async function compareRespond(
  large: Appliance,
  smallDir: string,
  seconds: number,
): Promise<Record<string, number>> {
  const appliances = { small: (await openAppliance(smallDir, openOptions)).appliance, large };
  // `rate` guesses answers per second until a run has measured it; the large one starts low, as
  // making a challenge costs more than the large appliance may use in a run.
  const pool = (appliance: Appliance, rate: number) => ({
    key: appliance.licenses()[0]!.key,
    trust: appliance.identity.trust,
    challenges: [] as string[],
    used: 0,
    rate,
  });
  const pools = { small: pool(appliances.small, 1000), large: pool(large, 1) };
  const run = async (name: 'small' | 'large', forSeconds: number) => {
    const p = pools[name];
    // New machines' challenges for this run; making them is slow, so only what it may use.
    const want = Math.min(MAX_CHALLENGES_PER_RUN, Math.ceil(p.rate * forSeconds * 1.25) + 64);
    const missing = want - (p.challenges.length - p.used);
    if (missing > 0) {
      p.challenges.push(...machineChallenges(p.key, p.trust, p.challenges.length, missing));
    }
    const next = () => (p.used < p.challenges.length ? p.challenges[p.used++] : undefined);
    const result = await respondFor(appliances[name], next, forSeconds);
    p.rate = Math.max(1, result.perSecond);
    return result;
  };
  await run('small', 0.3); // warm-up: the same code answers both
  // The first answer for a license builds its fingerprint index: a one-time cost, timed apart.
  const warm = pools.large;
  warm.challenges.push(...machineChallenges(warm.key, warm.trust, 0, 1));
  const firstAt = performance.now();
  await large.respond(warm.challenges[warm.used++]!, { channel: 'offline' });
  const largeFirstMs = performance.now() - firstAt;
  const best: Partial<Record<'small' | 'large', Answers>> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ['small', 'large'] as const) {
      const result = await run(name, seconds);
      if (best[name] === undefined || result.perSecond > best[name].perSecond) best[name] = result;
    }
    if (best.large!.p50 > seconds * 1000) break;
  }
  return {
    smallPerSecond: best.small!.perSecond,
    smallP50: best.small!.p50,
    smallP99: best.small!.p99,
    largePerSecond: best.large!.perSecond,
    largeP50: best.large!.p50,
    largeP99: best.large!.p99,
    largeCount: best.large!.count,
    largeFirstMs,
    smallActivations: appliances.small.state.activations.size,
  };
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const openOptions = { clock, random, purpose: 'benchmark', snapshotEvery: 10 * LARGE };

/**
 * This process's peak resident memory: Linux's VmHWM where there is one, since getrusage's
 * maxRSS of a spawned child also counts what its parent held when it forked.
 */
function peakMB(): number {
  try {
    const kb = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // not Linux
  }
  return mb(process.resourceUsage().maxRSS * 1024);
}

/** Memory after a full collection, when --expose-gc gave us one. */
function memory(): Record<string, number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const used = process.memoryUsage();
  return { rssMB: mb(used.rss), heapMB: mb(used.heapUsed), peakMB: peakMB(), gc: gc ? 1 : 0 };
}

function healthStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${url}/api/v1/health`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

/**
 * Runs this file as a child process doing one thing; returns what it printed (JSON). The build
 * runs in a child too, so a million records' state never weighs on the benchmark's process.
 */
function child(args: readonly string[]): Promise<Record<string, number>> {
  const file = fileURLToPath(import.meta.url);
  // The build allocates a million short-lived records: a larger young generation suits it.
  const flags = args[0] === 'build' ? ['--max-semi-space-size=64'] : ['--expose-gc'];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...flags, '--import=tsx', file, '--child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench child ${args[0]} failed`)),
    );
  });
}

/**
 * The children leave without closing the appliance: closing writes a snapshot at the journal's
 * end (seconds at 1M records) and would change what the next start-up measures. The ledger lock
 * they leave behind names a process that is gone, so the next opener takes it over.
 */
async function runChild(mode: string, args: readonly string[]): Promise<void> {
  const baselineMB = mb(process.memoryUsage().rss);
  if (mode === 'build') {
    const built = await buildApplianceDir(args[0]!, Number(args[1]), Number(args[2]));
    console.log(JSON.stringify(built));
  } else if (mode === 'startup') {
    // DIR, or DIR SMALL_DIR SECONDS: then answers per second too, on both.
    const start = performance.now();
    const open = await openAppliance(args[0]!, openOptions);
    const ms = performance.now() - start;
    const measured = { ms, replayed: open.ledger.opened.replayed, baselineMB, ...memory() };
    const answers =
      args[1] === undefined ? {} : await compareRespond(open.appliance, args[1], Number(args[2]));
    console.log(JSON.stringify({ ...measured, ...answers }));
  } else if (mode === 'serve') {
    const start = performance.now();
    const running = await runAppliance({
      dir: args[0]!,
      host: '127.0.0.1',
      port: 0,
      clock,
      random,
      log: () => undefined,
    });
    const status = await healthStatus(running.url);
    if (status !== 200) throw new Error(`/api/v1/health answered ${status}`);
    console.log(JSON.stringify({ ms: performance.now() - start }));
  } else throw new Error(`unknown child mode ${mode}`);
  process.exit(0);
}

const verdict = (pass: boolean, target: string) =>
  `target ${target}: ${pass ? 'PASS' : 'BELOW TARGET'}`;
const records = (n: number) => n.toLocaleString('en-US');

export async function applianceLedgerSection(
  report: Report,
  options: MeasureOptions,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-appliance-'));
  try {
    const small = join(root, 'small');
    const large = join(root, 'large');
    await child(['build', small, String(SMALL), String(SNAPSHOT_LAG)]);
    const built = await child(['build', large, String(LARGE), String(SNAPSHOT_LAG)]);

    const seconds = Math.max(0.5, options.seconds);
    const startup = {
      small: await child(['startup', small]),
      large: await child(['startup', large, small, String(seconds)]),
    };
    const serve = { small: await child(['serve', small]), large: await child(['serve', large]) };
    const [s, l] = [startup.small, startup.large];

    const respondRatio = l['largePerSecond']! / l['smallPerSecond']!;
    const memoryNote = (m: Record<string, number>) =>
      `heap used ${m['heapMB']!.toFixed(0)} MB${m['gc'] ? ' after gc' : ''}, peak ${m['peakMB']!.toFixed(0)} MB, bare process ${m['baselineMB']!.toFixed(0)} MB`;
    report.section(
      `Appliance with ${records(LARGE)} journal records (1 license, then one activation each)`,
      [
        {
          measure: `openAppliance ms at 1M (snapshot + ${records(l['replayed']!)} replayed)`,
          value: l['ms']!,
          note: verdict(l['ms']! < TARGET_STARTUP_MS, `< ${TARGET_STARTUP_MS}`),
        },
        {
          measure: `openAppliance ms at 1k (${records(s['replayed']!)} replayed, no snapshot)`,
          value: s['ms']!,
          note: '',
        },
        { measure: 'openAppliance at 1M / at 1k', value: l['ms']! / s['ms']!, note: '' },
        {
          measure: 'runAppliance until /api/v1/health answers, ms at 1M',
          value: serve.large['ms']!,
          note: verdict(serve.large['ms']! < TARGET_STARTUP_MS, `< ${TARGET_STARTUP_MS}`),
        },
        {
          measure: 'runAppliance until /api/v1/health answers, ms at 1k',
          value: serve.small['ms']!,
          note: '',
        },
        { measure: 'resident memory MB after open at 1M', value: l['rssMB']!, note: memoryNote(l) },
        { measure: 'resident memory MB after open at 1k', value: s['rssMB']!, note: memoryNote(s) },
        {
          measure: 'appliance.respond answers/s at 1M',
          value: l['largePerSecond']!,
          note: `p50 ${l['largeP50']!.toFixed(0)} ms, p99 ${l['largeP99']!.toFixed(0)} ms (${l['largeCount']} in the best run)`,
        },
        {
          measure: 'first answer after start-up at 1M, ms',
          value: l['largeFirstMs']!,
          note: 'once per license: builds its fingerprint index (not in the rate above)',
        },
        {
          measure: 'appliance.respond answers/s at 1k',
          value: l['smallPerSecond']!,
          note: `p50 ${l['smallP50']!.toFixed(1)} ms, p99 ${l['smallP99']!.toFixed(1)} ms`,
        },
        {
          measure: 'answers/s at 1M / at 1k',
          value: respondRatio,
          note:
            verdict(respondRatio >= TARGET_RATIO, `>= ${TARGET_RATIO.toFixed(2)}`) +
            (respondRatio < 0.01 ? ` (${respondRatio.toPrecision(2)})` : ''),
        },
        {
          measure: 'building the 1M-record data directory, s',
          value: built['seconds']!,
          note: 'journal written directly, snapshot by applianceReducer (in no figure above)',
        },
      ],
      [
        `each start-up in a fresh process; the 1M snapshot is ${records(SNAPSHOT_LAG)} records behind the end`,
        `respond: ${RESPONDERS} concurrent answers to new machines, each durable (fdatasync, group`,
        `  commit); best of up to ${ROUNDS} interleaved runs of ${seconds} s; the 1k appliance ends with ${records(l['smallActivations']!)} activations`,
      ],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child') {
  await runChild(process.argv[3]!, process.argv.slice(4));
}
