// `airlock serve` as its own process for the benchmarks: plain HTTP on 127.0.0.1 (a free port),
// a rate limit too high to matter, started from bin/airlock.js as a user would, and stopped by its
// PID (SIGTERM, then SIGKILL if it does not end in time).

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'airlock.js');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** The highest `--rate-limit` accepts (7 digits): per minute and burst, per client address. */
const NO_RATE_LIMIT = '9999999/9999999';
/** Output kept for a failure's report. */
const KEPT_OUTPUT = 4000;

export interface ServeProcess {
  readonly pid: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The end of what it printed (stdout and stderr), for reporting a failure. */
  output(): string;
  /** How many times it said each of the ledger's notices, by their first words ("reading the state again"). */
  ledgerNotices(): ReadonlyMap<string, number>;
  /** SIGTERM (a clean stop: requests in flight answered, the ledger closed), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Every serve process started and not yet stopped: killed if the benchmark exits without. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The environment without the AIRLOCK_ variables of the shell running the benchmark. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        !entry[0].startsWith('AIRLOCK_') && entry[1] !== undefined,
    ),
  );
}

/** Starts `airlock serve --data DIR` and resolves once it says where it listens. */
export async function startServe(dir: string, cwd: string): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data', dir, '--port', '0', '--http', '--json', '--rate-limit', NO_RATE_LIMIT],
    { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const keep = (s: string) => (output = (output + s).slice(-KEPT_OUTPUT));
  const notices = new Map<string, number>();
  let partial = '';
  /** stderr, line by line: the ledger's notices counted ("airlock: ledger: what (why)"). */
  const noticed = (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const what = /^airlock: ledger: ([^(:]+)/.exec(line)?.[1]?.trim();
      if (what !== undefined) notices.set(what, (notices.get(what) ?? 0) + 1);
    }
  };
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      running.delete(child);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`airlock serve did not start within 60 s:\n${output}`)),
        START_TIMEOUT_MS,
      );
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        keep(s);
        const match = /"listening":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        keep(s);
        noticed(s);
      });
      void closed.then(() => {
        clearTimeout(timer);
        reject(new Error(`airlock serve ended:\n${output}`));
      });
    });
    return { pid: child.pid!, url, output: () => output, ledgerNotices: () => notices, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
