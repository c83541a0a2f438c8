// What a command gets from the composition root (main.ts): the environment, the clock (which
// AIRLOCK_NOW may override), randomness, the passphrase and how to read standard input.

import type { RandomBytes } from '../sdk/context.ts';
import type { Progress } from './progress.ts';
import type { Paint } from './terminal.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CliContext {
  /** Passed to the Node client, which reads AIRLOCK_MACHINE_ID from it. */
  readonly env: Env;
  /** Unix seconds: the system clock, or AIRLOCK_NOW. */
  readonly now: () => number;
  readonly random: RandomBytes;
  /** AIRLOCK_PASSPHRASE or the text of AIRLOCK_PASSPHRASE_FILE, for sealed key files. */
  readonly passphrase: string | undefined;
  /** True when a person is watching: stdout is a terminal and --json was not given. */
  readonly interactive: boolean;
  /** Colours for text on stdout: plain unless a person watches a terminal (see terminal.ts). */
  readonly paint: Paint;
  /** A progress bar on stderr for long work; silent with --json and in pipes. */
  readonly progress: (label: string, units?: (n: number) => string) => Progress;
  /** Reads standard input, refusing more than maxBytes. */
  readonly readStdin: (maxBytes: number, what: string) => Promise<Uint8Array>;
  /** For long-running commands (serve): a line for the operator now, on stdout. */
  readonly say: (line: string) => void;
  /** A line for the log, on stderr. */
  readonly warn: (line: string) => void;
  /** Resolves with the signal's name when the process is asked to stop (SIGTERM, SIGINT). */
  readonly untilStopped: () => Promise<string>;
}
