// The benchmarks' HTTP load generator: a fixed number of concurrent keep-alive clients posting JSON
// bodies for a bounded time and count, counting 200s and their latencies, stopping at the first
// other status. It runs in the benchmark's own process, so it uses node:http directly: against the
// same bare Koa server here, `fetch` (undici) managed under half the requests per second, at
// about 2.5 times the CPU per request, and that CPU is the servers' too.

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadTarget {
  readonly url: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Requests answered 200 within the time. */
  readonly ok: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** The first answer that was not 200 (status and the start of its body); the load stopped there. */
  readonly failure?: string;
  /** True when `next` ran out of bodies before the time was up (not for `maxRequests`). */
  readonly exhausted: boolean;
}

export interface Posted {
  readonly status: number;
  readonly body: string;
}

export function keepAliveAgent(clients: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: clients });
}

export function post(agent: Agent, target: LoadTarget, json: string): Promise<Posted> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: target.path,
        method: 'POST',
        agent,
        headers: {
          ...target.headers,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(json),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(json);
  });
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/**
 * `clients` loops, each posting the next body and waiting for its answer, until `seconds` have
 * passed, `maxRequests` were sent, or `next` returns undefined. Requests still in flight at the deadline are waited for
 * and counted: the time measured ends with the last answer. Given several targets (nodes of one
 * service), the requests go to them in turn, as a round-robin load balancer sends them.
 */
export async function loadFor(
  agent: Agent,
  targets: LoadTarget | readonly LoadTarget[],
  next: () => string | undefined,
  options: { readonly clients: number; readonly seconds: number; readonly maxRequests: number },
): Promise<LoadResult> {
  const turns: readonly LoadTarget[] = Array.isArray(targets) ? targets : [targets];
  if (turns.length === 0) throw new TypeError('loadFor needs at least one target');
  const latencies: number[] = [];
  let failure: string | undefined;
  let exhausted = false;
  let sent = 0;
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (failure === undefined && performance.now() < deadline) {
        if (sent++ >= options.maxRequests) return;
        const json = next();
        if (json === undefined) {
          exhausted = true;
          return;
        }
        const target = turns[sent % turns.length]!;
        const began = performance.now();
        let answer: Posted;
        try {
          answer = await post(agent, target, json);
        } catch (error) {
          failure ??= `request failed: ${error instanceof Error ? error.message : String(error)}`;
          return;
        }
        if (answer.status !== 200) {
          failure ??= `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
          return;
        }
        latencies.push(performance.now() - began);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ...(failure === undefined ? {} : { failure }),
    exhausted,
  };
}
