// The shape of one `airlock GROUP NAME` command: its arguments, its help, and what it does.

import type { OptionSpec, ParsedArgs } from './args.ts';
import type { CliContext } from './context.ts';
import type { Outcome } from './output.ts';

export interface Command {
  readonly group: string;
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Arguments after `airlock GROUP NAME`, e.g. "RESPONSE --store DIR --trust FILE|DIR". */
  readonly usage: string;
  /** Paragraphs shown by `--help`, after the usage line. */
  readonly help: string;
  readonly options: Readonly<Record<string, OptionSpec & { readonly help: string }>>;
  readonly required?: readonly string[];
  readonly positionals?: readonly string[];
  run(args: ParsedArgs, ctx: CliContext): Promise<Outcome>;
}

export interface CommandGroup {
  readonly name: string;
  /** Who uses the group, for the overview. */
  readonly title: string;
  readonly commands: readonly Command[];
}
