// Times one operation for the benchmarks: a short warm-up, then as many runs as fit in a time
// budget (or up to a count), checking the clock only between growing batches.

import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  /** Time budget of the timed part, in seconds. */
  readonly seconds: number;
  /** Upper bound on timed runs, so a very fast operation still ends quickly. */
  readonly maxOps: number;
  readonly warmupSeconds: number;
}

export const DEFAULT_MEASURE: MeasureOptions = {
  seconds: 1,
  maxOps: 5_000_000,
  warmupSeconds: 0.2,
};

export interface Measurement {
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
}

/** Keeps results reachable so the engine cannot drop the work that produced them. */
let sink: unknown;

function runFor(run: () => unknown, seconds: number, maxOps: number): Measurement {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let ops = 0;
  let batch = 1;
  let now = start;
  while (now < deadline && ops < maxOps) {
    const n = Math.min(batch, maxOps - ops);
    for (let i = 0; i < n; i++) sink = run();
    ops += n;
    now = performance.now();
    if (batch < 1024) batch *= 2;
  }
  const elapsed = (now - start) / 1000;
  return { ops, seconds: elapsed, opsPerSecond: elapsed > 0 ? ops / elapsed : 0 };
}

export function measure(
  run: () => unknown,
  options: MeasureOptions = DEFAULT_MEASURE,
): Measurement {
  runFor(run, options.warmupSeconds, Math.ceil(options.maxOps / 10));
  const result = runFor(run, options.seconds, options.maxOps);
  if (sink === Symbol.for('never')) console.log(sink);
  return result;
}

/**
 * Measures several ways of doing the same thing in interleaved rounds and keeps each one's best
 * round, so that drift in the machine's speed (other load, CPU boost) does not favour whichever
 * ran first. The time budget is shared out between the rounds.
 */
export function compare<K extends string>(
  contenders: Readonly<Record<K, () => unknown>>,
  options: MeasureOptions = DEFAULT_MEASURE,
  rounds = 3,
): Record<K, Measurement> {
  const names = Object.keys(contenders) as K[];
  const perRound = {
    ...options,
    seconds: options.seconds / rounds,
    maxOps: options.maxOps / rounds,
  };
  const best = {} as Record<K, Measurement>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const result = measure(
        contenders[name],
        round === 0 ? perRound : { ...perRound, warmupSeconds: 0 },
      );
      if (best[name] === undefined || result.opsPerSecond > best[name].opsPerSecond)
        best[name] = result;
    }
  }
  return best;
}
