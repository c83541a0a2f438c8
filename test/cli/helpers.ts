// Runs the real `airlock` command (bin/airlock.js) as a user would, each scenario in a fresh
// temporary directory, and reads what it printed.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecutionContext } from 'ava';
import { main } from '../../src/cli/main.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/airlock.js');
export const DAY = 86400;
/** A fixed "now" for scenarios that move the clock: 2027-01-15T00:00:00Z. */
export const T0 = 1_799_971_200;

export interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment without any AIRLOCK_ variable of the machine running the tests. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('AIRLOCK_')) env[name] = value;
  }
  return env;
}

export function run(
  args: readonly string[],
  options: { cwd: string; env?: Env; input?: string; command?: readonly string[] },
): Promise<Run> {
  const env = cleanEnv();
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const [file, ...prefix] = options.command ?? [process.execPath, BIN];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file!, [...prefix, ...args], { cwd: options.cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ exitCode: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The one JSON object a --json command printed; fails the test if there is anything else. */
export function onlyJson(t: ExecutionContext, result: Run): Record<string, any> {
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  t.is(lines.length, 1, `expected exactly one line of JSON, got:\n${result.stdout}`);
  const value: unknown = JSON.parse(lines[0]!);
  t.true(typeof value === 'object' && value !== null && !Array.isArray(value));
  t.is(result.stderr, '', 'nothing on stderr with --json');
  return value as Record<string, any>;
}

/**
 * A fresh directory where a user runs `airlock`; removed when the test ends. `ok` and `refused`
 * spawn the real command; `given` runs the same main() in this process, for the steps a scenario
 * takes for granted (a spawn costs most of a second), so it needs absolute paths.
 */
export class Workspace {
  readonly dir: string;
  readonly env: Env;

  private constructor(dir: string, env: Env) {
    this.dir = dir;
    this.env = env;
  }

  static async create(t: ExecutionContext, env: Env = {}): Promise<Workspace> {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-cli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return new Workspace(dir, { AIRLOCK_MACHINE_ID: 'machine-a', ...env });
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** The vendor directory and the client store most scenarios use. */
  get vendor(): string {
    return this.path('vendor');
  }

  get store(): string {
    return this.path('store');
  }

  /** A step taken for granted: runs in this process with --json, expects success. */
  async given(
    t: ExecutionContext,
    args: readonly string[],
    env: Env = {},
  ): Promise<Record<string, any>> {
    let stdout = '';
    let stderr = '';
    const merged = { ...this.env, ...env };
    const exitCode = await main([...args, '--json'], {
      env: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: [],
    });
    const value = onlyJson(t, { exitCode, stdout, stderr });
    t.is(exitCode, 0, `given airlock ${args.join(' ')} failed: ${stdout}`);
    return value;
  }

  /** Runs airlock here, with this workspace's environment plus `env`. */
  run(args: readonly string[], env: Env = {}, input?: string): Promise<Run> {
    return run(args, {
      cwd: this.dir,
      env: { ...this.env, ...env },
      ...(input === undefined ? {} : { input }),
    });
  }

  /** Runs with --json, expects success, and returns the one JSON object. */
  async ok(
    t: ExecutionContext,
    args: readonly string[],
    env: Env = {},
  ): Promise<Record<string, any>> {
    const result = await this.run([...args, '--json'], env);
    const value = onlyJson(t, result);
    t.is(result.exitCode, 0, `airlock ${args.join(' ')} failed: ${result.stdout}`);
    return value;
  }

  /** Runs with --json, expects the refusal `code`, and returns the error object. */
  async refused(
    t: ExecutionContext,
    args: readonly string[],
    code: string,
    env: Env = {},
  ): Promise<{ error: Record<string, any>; exitCode: number; json: Record<string, any> }> {
    const result = await this.run([...args, '--json'], env);
    const json = onlyJson(t, result);
    t.like(json, { error: { code } });
    t.true(typeof json['error']?.message === 'string' && json['error'].message.length > 0);
    t.not(result.exitCode, 0);
    return { error: json['error'] as Record<string, any>, exitCode: result.exitCode, json };
  }

  /** Every file under dir (relative path → bytes), to prove that nothing changed. */
  async snapshot(dir: string): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    for (const entry of await readdir(this.path(dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) {
        const full = join(entry.parentPath, entry.name);
        files.set(full, (await readFile(full)).toString('base64'));
      }
    }
    return files;
  }
}

/** A vendor with a root key and one license for "acme-cad": the usual starting point. */
export async function vendorWithLicense(
  t: ExecutionContext,
  issueArgs: readonly string[] = [],
  env: Env = {},
): Promise<{ ws: Workspace; key: string; licenseId: string }> {
  const ws = await Workspace.create(t, env);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const issued = await ws.given(t, [
    'license',
    'issue',
    '--vendor',
    ws.vendor,
    '--product',
    'acme-cad',
    ...issueArgs,
  ]);
  return { ws, key: issued['key'] as string, licenseId: issued['licenseId'] as string };
}

/** Given an activation: challenge → vendor respond → apply (the combined QR form). */
export async function givenActivation(
  t: ExecutionContext,
  ws: Workspace,
  key: string,
  env: Env = {},
  store = ws.store,
): Promise<{ challenge: string; response: string; qr: string; activationId: string }> {
  const trust = ['--store', store, '--trust', ws.vendor];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust], env);
  const answer = await ws.given(
    t,
    ['vendor', 'respond', challenge, '--vendor', ws.vendor, '--license', key],
    env,
  );
  await ws.given(t, ['client', 'apply', answer['qr'], ...trust], env);
  return {
    challenge,
    response: answer['response'],
    qr: answer['qr'],
    activationId: answer['activationId'],
  };
}
