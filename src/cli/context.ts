// What a command gets from the composition root (main.ts): the environment, the clock (which
// AIRLOCK_NOW may override), randomness, the passphrase and how to read standard input.

import type { RandomBytes } from '../sdk/context.ts';

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
  /** Reads standard input, refusing more than maxBytes. */
  readonly readStdin: (maxBytes: number, what: string) => Promise<Uint8Array>;
  /** For long-running commands (serve): a line for the operator now, on stdout. */
  readonly say: (line: string) => void;
  /** A line for the log, on stderr. */
  readonly warn: (line: string) => void;
  /** Resolves with the signal's name when the process is asked to stop (SIGTERM, SIGINT). */
  readonly untilStopped: () => Promise<string>;
}
