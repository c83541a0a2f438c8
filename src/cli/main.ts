// The composition root of the `airlock` command: the only place besides bin/airlock.js that reads
// process.env, stdin and stdout. It picks the command, runs it, renders the outcome or the error,
// and returns the exit code (never calling process.exit).

import { randomBytes } from 'node:crypto';
import { AirlockError } from '../core/errors.ts';
import { parseCommandArgs } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
import { activationCommands } from './commands/activations.ts';
import { applianceCommands } from './commands/appliance.ts';
import { clientCommands } from './commands/client.ts';
import { deactivateCommands, respondCommands } from './commands/desk.ts';
import { healthCommands } from './commands/health.ts';
import { ledgerCommands } from './commands/ledger.ts';
import { backupCommands } from './commands/backup.ts';
import { restoreCommands } from './commands/restore.ts';
import { upgradeCommands } from './commands/upgrade.ts';
import { doctorCommands } from './commands/doctor.ts';
import { licenseCommands } from './commands/license.ts';
import { scanCommands } from './commands/scan.ts';
import { revokeCommands } from './commands/revoke.ts';
import { serveCommands } from './commands/serve.ts';
import { syncCommands } from './commands/sync.ts';
import { tokenCommands } from './commands/token.ts';
import { userCommands } from './commands/user.ts';
import { auditCommands } from './commands/audit.ts';
import { vendorCommands } from './commands/vendor.ts';
import type { CliContext, Env } from './context.ts';
import { guardDataFormat } from './data-format-guard.ts';
import { commandHelp, groupHelp, overview } from './help.ts';
import { asAirlockError, exitCodeFor, type Outcome, renderError, renderOutcome } from './output.ts';
import { passphraseFrom } from './passphrase.ts';
import { progressBar, silentProgress } from './progress.ts';
import { ansi, plain, wantsColour } from './terminal.ts';
import { parseNow } from './time.ts';
import { versionOutcome } from './version.ts';

export const GROUPS: readonly CommandGroup[] = [
  vendorCommands,
  licenseCommands,
  applianceCommands,
  serveCommands,
  healthCommands,
  respondCommands,
  deactivateCommands,
  activationCommands,
  revokeCommands,
  syncCommands,
  tokenCommands,
  userCommands,
  auditCommands,
  ledgerCommands,
  backupCommands,
  restoreCommands,
  upgradeCommands,
  doctorCommands,
  scanCommands,
  clientCommands,
];

/** What the process offers; tests may pass their own. */
export interface CliIo {
  readonly env: Env;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stdin: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Resolves with the signal's name when the process is asked to stop (default: signals). */
  readonly untilStopped?: () => Promise<string>;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function processIo(): CliIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

function usage(message: string): AirlockError {
  return new AirlockError('USAGE', `${message} Run \`airlock --help\` for the list of commands.`);
}

/** --json anywhere before a "--" decides how even a usage error is printed. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h' || arg === 'help';
}

function helpOutcome(text: string): Outcome {
  return { data: { usage: text }, text };
}

function findGroup(name: string): CommandGroup {
  const group = GROUPS.find((g) => g.name === name);
  if (group === undefined) throw usage(`"${name.slice(0, 40)}" is not an airlock command.`);
  return group;
}

function findCommand(group: CommandGroup, name: string | undefined): Command {
  const command = group.commands.find((c) => c.name === name);
  if (command === undefined) {
    const names = group.commands.map((c) => c.name).join(', ');
    throw new AirlockError(
      'USAGE',
      name === undefined || name.startsWith('-')
        ? `\`airlock ${group.name}\` needs a command: ${names}. See \`airlock ${group.name} --help\`.`
        : `\`airlock ${group.name}\` has no command "${name.slice(0, 40)}"; it has ${names}.`,
    );
  }
  return command;
}

/** `airlock help [GROUP [COMMAND]]`. */
function help(words: readonly string[]): Outcome {
  const [groupName, commandName] = words.filter((w) => !w.startsWith('-'));
  if (groupName === undefined) return helpOutcome(overview(GROUPS));
  const group = findGroup(groupName);
  const direct = group.commands.find((c) => c.name === '');
  if (direct) return helpOutcome(commandHelp(direct));
  if (commandName === undefined) return helpOutcome(groupHelp(group));
  return helpOutcome(commandHelp(findCommand(group, commandName)));
}

async function readBounded(
  stdin: CliIo['stdin'],
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    length += bytes.length;
    if (length > maxBytes) {
      throw new AirlockError(
        'CODE_TOO_LONG',
        `The ${what} on standard input is longer than ${maxBytes} bytes.`,
      );
    }
    chunks.push(bytes);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function contextOf(io: CliIo, json: boolean, passphrase: string | undefined): CliContext {
  const fixed = io.env['AIRLOCK_NOW'];
  const interactive = !json && io.stdout.isTTY === true;
  // The bar goes to stderr, so it needs a terminal there too; a piped stdout keeps it quiet.
  const showProgress = interactive && io.stderr.isTTY === true;
  const paint = wantsColour(io.stdout.isTTY, json, io.env) ? ansi : plain;
  return {
    env: io.env,
    now: () => {
      const real = Math.floor(Date.now() / 1000);
      return fixed !== undefined && fixed !== '' ? parseNow(fixed, real) : real;
    },
    random: (n) => new Uint8Array(randomBytes(n)),
    passphrase,
    interactive,
    paint,
    progress: (label, units) =>
      showProgress
        ? progressBar(label, {
            write: (text) => io.stderr.write(text),
            paint,
            clock: () => performance.now(),
            ...(units === undefined ? {} : { units }),
          })
        : silentProgress,
    readStdin: (maxBytes, what) => readBounded(io.stdin, maxBytes, what),
    say: (line) => io.stdout.write(`${line}\n`),
    warn: (line) => io.stderr.write(`airlock: ${line}\n`),
    untilStopped: io.untilStopped ?? untilSignal,
  };
}

async function dispatch(argv: readonly string[], io: CliIo, json: boolean): Promise<Outcome> {
  const [first, second] = argv;
  if (first === undefined || first === '--json' || isHelp(first)) {
    return help(first === 'help' ? argv.slice(1) : []);
  }
  if (first === '--version' || first === '-V' || first === 'version') return versionOutcome();
  const group = findGroup(first);
  // A command named '' is its group's only word: `airlock scan IMAGE`.
  const direct = group.commands.find((c) => c.name === '');
  const noCommand = second === undefined || second.startsWith('-');
  if (!direct && (second === 'help' || (noCommand && argv.slice(1).some(isHelp)))) {
    return helpOutcome(groupHelp(group));
  }
  const command = direct ?? findCommand(group, second);
  const args = parseCommandArgs(argv.slice(direct ? 1 : 2), {
    command: `airlock ${group.name} ${command.name}`.trimEnd(),
    options: command.options,
    ...(command.required ? { required: command.required } : {}),
    ...(command.positionals ? { positionals: command.positionals } : {}),
  });
  if (args.help) return helpOutcome(commandHelp(command));
  await guardDataFormat(group.name, args);
  // The passphrase (perhaps a file to read and check) once the command is known to be run.
  return command.run(args, contextOf(io, json, await passphraseFrom(io.env)));
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const json = wantsJson(argv);
  try {
    const result = await dispatch(argv, io, json);
    io.stdout.write(renderOutcome(result, json));
    return result.exitCode ?? 0;
  } catch (thrown) {
    const error = asAirlockError(thrown);
    const { stdout, stderr } = renderError(error, json);
    if (stdout !== '') io.stdout.write(stdout);
    if (stderr !== '') io.stderr.write(stderr);
    return exitCodeFor(error);
  }
}
