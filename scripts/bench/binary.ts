// Benchmark section: the single binary. Builds it (`npm run build:binary`), then times, from a
// cold process each run, `airlock --version` and the time from starting `airlock serve` (HTTPS,
// a fresh data directory) until its health check answers — for dist/airlock against `node
// dist/airlock.cjs`, the same bundle run by this machine's node. Also the binary's size beside
// the node binary it was made from. Target: the binary answers its first request within 1 s.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { MeasureOptions } from './measure.ts';
import type { Report } from './report.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CEILING_FIRST_ANSWER_MS = 1000;
/** Cold starts per form and measure; the forms take turns so load falls on both alike. */
const RUNS = 9;
const SERVE_TIME_LIMIT_MS = 15_000;

const run = promisify(execFile);
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** How a form of the build is started: [file, ...arguments before airlock's own]. */
type Form = readonly [string, ...string[]];

async function versionMs(form: Form): Promise<number> {
  const start = performance.now();
  await run(form[0], [...form.slice(1), '--version']);
  return performance.now() - start;
}

function healthAnswers(url: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    request(`${url}/api/v1/health`, { ca }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode === 200));
    })
      .on('error', () => resolve(false))
      .end();
  });
}

/** From spawning `serve` until GET /api/v1/health answers 200; then the server is stopped. */
async function firstAnswerMs(form: Form, data: string, ca: Buffer): Promise<number> {
  const start = performance.now();
  const child = spawn(
    form[0],
    [...form.slice(1), 'serve', '--data', data, '--port', '0', '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('serve did not start')), SERVE_TIME_LIMIT_MS);
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        const match = /"listening":"(https:\/\/[^"]+)"/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('close', () => reject(new Error(`serve ended: ${out}`)));
    });
    if (!(await healthAnswers(url, ca))) throw new Error('the health check did not answer 200');
    return performance.now() - start;
  } finally {
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    await closed;
  }
}

export async function binarySection(report: Report, _options: MeasureOptions): Promise<void> {
  await run(process.execPath, ['--import=tsx', 'scripts/build-binary.ts'], {
    cwd: ROOT,
    maxBuffer: 16 * 2 ** 20,
  });
  const binary = join(ROOT, 'dist', 'airlock');
  const forms: Record<'binary' | 'node', Form> = {
    binary: [binary],
    node: [process.execPath, join(ROOT, 'dist', 'airlock.cjs')],
  };
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-binary-'));
  try {
    const data = join(root, 'data');
    await run(binary, ['appliance', 'init', '--data', data]);
    const ca = await readFile(join(data, 'tls', 'cert.pem'));
    const version = { binary: [] as number[], node: [] as number[] };
    const answer = { binary: [] as number[], node: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const name of ['binary', 'node'] as const) {
        version[name].push(await versionMs(forms[name]));
        answer[name].push(await firstAnswerMs(forms[name], data, ca));
      }
    }
    const size = (await stat(binary)).size;
    const nodeSize = (await stat(process.execPath)).size;
    const bundleSize = (await stat(forms.node[1]!)).size;
    const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
    const first = median(answer.binary);
    report.section(`Single binary: cold starts, median of ${RUNS} runs each`, [
      {
        measure: '`airlock --version` ms',
        binary: median(version.binary),
        'node dist/airlock.cjs': median(version.node),
        'binary/node': (median(version.binary) / median(version.node)).toFixed(2),
        note: '',
      },
      {
        measure: 'start `serve` to first answered health check ms',
        binary: first,
        'node dist/airlock.cjs': median(answer.node),
        'binary/node': (first / median(answer.node)).toFixed(2),
        note: `target < ${CEILING_FIRST_ANSWER_MS} ms: ${(first / CEILING_FIRST_ANSWER_MS).toFixed(2)} of it, ${first < CEILING_FIRST_ANSWER_MS ? 'PASS' : 'BELOW TARGET'}`,
      },
      {
        measure: 'size MiB (binary; node binary + bundle)',
        binary: mib(size),
        'node dist/airlock.cjs': mib(nodeSize + bundleSize),
        'binary/node': (size / (nodeSize + bundleSize)).toFixed(2),
        note: `bundle ${mib(bundleSize)} MiB, console included`,
      },
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
