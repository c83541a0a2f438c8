// Usage texts: the overview (`airlock --help`), a group's commands, and one command's options.

import type { Command, CommandGroup } from './command.ts';

const ENVIRONMENT = [
  'Environment:',
  '  AIRLOCK_PASSPHRASE  encrypts the vendor root key (vendor init) and unlocks it (other vendor',
  '                      and license commands) and the appliance key (appliance and site',
  '                      commands)',
  '  AIRLOCK_PASSPHRASE_FILE',
  '                      the same passphrase, read from a file that belongs to the user running',
  '                      airlock and that nobody else can read (mode 0600); set one or the other',
  "  AIRLOCK_MACHINE_ID  sets this machine's identity, replacing its hardware components:",
  '                      containers, tests, several simulated machines on one host',
  '  AIRLOCK_NOW         overrides the clock for every command (Unix seconds, an ISO 8601 date,',
  '                      or +30d from now): for testing and demos only, e.g. to show a lease',
  '                      expiring or a clock set back',
  '  AIRLOCK_TOKEN       the API token for `client activate --online` (instead of --token)',
];

const CONVENTIONS = [
  'Every command takes --json: it then prints exactly one JSON object on stdout (times are Unix',
  'seconds); on failure {"error":{"code":…,"message":…}} and a non-zero exit code. KEY, CHALLENGE',
  'and RESPONSE arguments may be - to read standard input, or @FILE to read a file.',
  'Exit codes: 0 ok, 1 internal error, 2 usage, 3 malformed or mistyped code, 4 signature or key,',
  '5 license refused, 6 activation refused, 7 local files, 8 ledger, 9 appliance unreachable.',
  'docs/ERRORS.md lists every code. `serve --json` prints one line when it listens, one when stopped.',
];

export function commandLine(command: Command): string {
  return ['airlock', command.group, command.name, command.usage].filter((w) => w !== '').join(' ');
}

export function overview(groups: readonly CommandGroup[]): string {
  const lines = [
    'airlock: offline software-license activation (challenge, response, revocations by USB).',
    '',
    'Usage: airlock GROUP COMMAND [ARGUMENTS] [--json]',
  ];
  for (const group of groups) {
    lines.push('', `${group.title}:`);
    const width = Math.max(...group.commands.map((c) => c.name.length));
    for (const c of group.commands)
      lines.push(`  airlock ${group.name} ${c.name.padEnd(width)}  ${c.summary}`);
  }
  lines.push('', ...CONVENTIONS, '', ...ENVIRONMENT, '');
  lines.push("Run `airlock GROUP COMMAND --help` for a command's arguments.");
  lines.push('`airlock --version` prints the version and the commit it was built from.');
  return `${lines.join('\n')}\n`;
}

export function groupHelp(group: CommandGroup): string {
  const lines = [`${group.title}:`, ''];
  for (const c of group.commands) lines.push(`  ${commandLine(c)}`, `      ${c.summary}`);
  lines.push('', `Run \`airlock ${group.name} COMMAND --help\` for details.`);
  return `${lines.join('\n')}\n`;
}

export function commandHelp(command: Command): string {
  const options = Object.entries(command.options).map(
    ([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ''}`, o.help] as const,
  );
  options.push(['--json', 'print exactly one JSON object (also on failure)']);
  options.push(['--help', 'show this help']);
  const width = Math.max(...options.map(([flag]) => flag.length));
  return [
    `Usage: ${commandLine(command)} [--json]`,
    '',
    command.help,
    '',
    'Options:',
    ...options.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
    '',
    ...ENVIRONMENT,
    '',
  ].join('\n');
}
