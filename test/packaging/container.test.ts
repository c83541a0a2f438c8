// The container's contract, read from the Dockerfile and compose.yaml (no Docker engine runs
// here): built by `npm run build:binary`, run as an unprivileged user with the data on a volume,
// HTTPS on the exposed port, a health check and an entry point that are real airlock commands
// with flags they take, and a compose example that agrees with all of it; and dockerfilelint.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import test from 'ava';
import { parseCommandArgs } from '../../src/cli/args.ts';
import type { CommandGroup } from '../../src/cli/command.ts';
import { healthCommands } from '../../src/cli/commands/health.ts';
import { serveCommands } from '../../src/cli/commands/serve.ts';
import { INSTALL_PORT, STANDARD_LAYOUT } from '../../src/install/layout.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (name: string) => readFile(join(ROOT, name), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions by stage: continuation lines joined, comments left out. */
function stagesOf(dockerfile: string): Instruction[][] {
  const logical = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword!.toUpperCase(), args: args!.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)!.push(instruction);
  }
  return stages;
}

const all = (stage: readonly Instruction[], keyword: string) =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args);
const one = (stage: readonly Instruction[], keyword: string) => {
  const found = all(stage, keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  return found[0]!;
};
/** An exec-form argument list: ["a", "b"]. */
const execForm = (args: string): string[] => JSON.parse(args) as string[];

/** Checks that argv is a command line the CLI takes: the command exists and knows each flag. */
function parses(group: CommandGroup, argv: readonly string[]) {
  const command = group.commands.find((c) => c.name === '')!;
  return parseCommandArgs(argv, {
    command: `airlock ${group.name}`,
    options: command.options,
    ...(command.required ? { required: command.required } : {}),
  });
}

const dockerfile = stagesOf(await read('Dockerfile'));
const [build, final] = dockerfile as [Instruction[], Instruction[]];
const volume = STANDARD_LAYOUT.dataDir;

test('two stages: node:20-bookworm builds with npm ci and npm run build:binary', async (t) => {
  t.is(dockerfile.length, 2);
  t.is(one(build, 'FROM'), 'node:20-bookworm AS build');
  const runs = all(build, 'RUN');
  t.deepEqual(runs, ['npm ci', 'npm run build:binary']);
  const scripts = (JSON.parse(await read('package.json')) as { scripts: Record<string, string> })
    .scripts;
  t.truthy(scripts['build:binary'], 'package.json has the build:binary script');
});

test('the final stage is a small glibc image holding the binary alone', (t) => {
  t.regex(
    one(final, 'FROM'),
    /^(debian:bookworm-slim|gcr\.io\/distroless\/cc-debian12(:nonroot)?)$/,
  );
  t.deepEqual(all(final, 'COPY'), [`--from=build /src/dist/airlock ${STANDARD_LAYOUT.binary}`]);
  t.deepEqual(all(final, 'ADD'), []);
});

test('it runs as an unprivileged user that owns the data volume', (t) => {
  const user = one(final, 'USER');
  t.notRegex(user, /^(root|0)(:|$)/);
  const setup = all(final, 'RUN').join(' && ');
  t.regex(setup, new RegExp(`groupadd --system --gid 10001 ${user}\\b`));
  t.regex(
    setup,
    new RegExp(`useradd --system --uid 10001 --gid ${user} --home-dir ${volume} .*${user}\\b`),
  );
  t.regex(setup, new RegExp(`install -d -m 0700 -o ${user} -g ${user} ${volume}`));
  t.deepEqual(execForm(one(final, 'VOLUME')), [volume]);
});

test('HTTPS on every interface, on the port it exposes (the installed port too)', (t) => {
  const env: Record<string, string> = Object.fromEntries(
    all(final, 'ENV')
      .flatMap((args) => args.split(' '))
      .map((pair) => pair.split('=') as [string, string]),
  );
  t.is(env['AIRLOCK_HOST'], '0.0.0.0');
  t.false('AIRLOCK_TLS' in env, 'TLS stays on (the default)');
  t.is(env['AIRLOCK_PORT'], String(INSTALL_PORT));
  t.is(one(final, 'EXPOSE'), String(INSTALL_PORT));
});

test('the entry point serves the volume, initialising it on the first start', (t) => {
  const entry = execForm(one(final, 'ENTRYPOINT'));
  t.deepEqual(entry, [STANDARD_LAYOUT.binary]);
  const [group, ...argv] = execForm(one(final, 'CMD'));
  t.is(group, 'serve');
  const args = parses(serveCommands, argv);
  t.is(args.string('data'), volume);
  t.true(args.flag('init'));
  t.false(args.flag('http'));
});

test('the health check is `airlock health --data` on the volume, in exec form', (t) => {
  const check = one(final, 'HEALTHCHECK');
  const [, options, command] = /^(.*?)CMD (\[.*\])$/.exec(check) ?? [];
  t.regex(options ?? '', /--interval=\d+s --timeout=\d+s --retries=\d+/);
  const [binary, group, ...argv] = execForm(command!);
  t.is(binary, STANDARD_LAYOUT.binary);
  t.is(group, 'health');
  t.is(parses(healthCommands, argv).string('data'), volume);
});

test('compose.yaml: the same port, volume and health check; the passphrase as a secret', async (t) => {
  const compose = await read('compose.yaml');
  const port = one(final, 'EXPOSE');
  t.regex(compose, new RegExp(`^ {6}- '${port}:${port}'$`, 'm'));
  t.regex(compose, new RegExp(`^ {6}- airlock-data:${volume}$`, 'm'));
  t.regex(compose, /^ {2}airlock-data:$/m);
  t.regex(compose, /^ {4}restart: unless-stopped$/m);
  t.regex(compose, /^ {4}build: \.$/m);
  const test_ = /^ {6}test: (\[.*\])$/m.exec(compose)?.[1];
  const check = /CMD (\[.*\])$/.exec(one(final, 'HEALTHCHECK'))![1]!;
  t.deepEqual(JSON.parse(test_!.replace(/'/g, '"')), ['CMD', ...execForm(check)]);
  // The passphrase file is a secret, which the environment names.
  const secret = /AIRLOCK_PASSPHRASE_FILE: \/run\/secrets\/(\S+)$/m.exec(compose)?.[1];
  t.truthy(secret);
  t.regex(compose, new RegExp(`^ {6}- ${secret}$`, 'm'));
  t.regex(
    compose,
    new RegExp(`^ {2}${secret}:\\n(?: {4}#.*\\n)* {4}file: \\./secrets/passphrase$`, 'm'),
  );
  t.regex(compose, /uid 10001/, 'compose.yaml says whose the passphrase file must be');
});

test('.dockerignore keeps dependencies, builds, data and secrets out of the context, but not .git', async (t) => {
  const ignored = (await read('.dockerignore'))
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const entry of ['node_modules', 'dist', 'data', 'secrets'])
    t.true(ignored.includes(entry), entry);
  t.false(
    ignored.some((entry) => entry.startsWith('.git')),
    'the build records its git commit',
  );
});

test('dockerfilelint finds nothing to say about the Dockerfile', async (t) => {
  const lint = join(ROOT, 'node_modules', '.bin', 'dockerfilelint');
  const result = await new Promise<{ code: number; output: string }>((done) =>
    execFile(lint, ['--json', join(ROOT, 'Dockerfile')], { encoding: 'utf8' }, (error, stdout) =>
      done({ code: error === null ? 0 : Number(error.code), output: stdout }),
    ),
  );
  const report = JSON.parse(result.output) as { totalIssues: number };
  t.is(report.totalIssues, 0, result.output);
  t.is(result.code, 0);
});
