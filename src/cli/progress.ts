// A progress bar for long work (ledger verify, a big bundle import, a backup), drawn on stderr in
// place, only when a person watches a terminal: never with --json, never into a pipe or a file.

import type { Paint } from './terminal.ts';

export interface Progress {
  /** `done` of `total` units (bytes, records, steps); drawn at most every `intervalMs`. */
  update(done: number, total: number): void;
  /** Clears the bar, leaving the terminal as it was. */
  finish(): void;
}

export const silentProgress: Progress = { update() {}, finish() {} };

const WIDTH = 30;

export interface BarOptions {
  readonly write: (text: string) => void;
  readonly paint: Paint;
  /** Milliseconds, for throttling redraws. */
  readonly clock: () => number;
  readonly intervalMs?: number;
  /** How a count of units reads: "1.2 MiB", "12,000 records". */
  readonly units?: (n: number) => string;
}

/** "verifying  [██████░░░░]  60%  6,000/10,000" redrawn on one line. */
export function progressBar(label: string, options: BarOptions): Progress {
  const interval = options.intervalMs ?? 100;
  const units = options.units ?? ((n: number) => n.toLocaleString('en-US'));
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total) {
      const now = options.clock();
      if (total <= 0 || (now - last < interval && done < total)) return;
      last = now;
      const share = Math.min(1, Math.max(0, done / total));
      const filled = Math.round(share * WIDTH);
      const bar = options.paint('cyan', '█'.repeat(filled)) + '░'.repeat(WIDTH - filled);
      const percent = `${Math.floor(share * 100)}%`.padStart(4);
      options.write(`\r\u001b[2K${label}  ${bar} ${percent}  ${units(done)}/${units(total)}`);
      drawn = true;
    },
    finish() {
      if (drawn) options.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
