// The single binary (`npm run build:binary`), copied alone into an empty directory outside the
// checkout, with no Node.js on PATH: it initialises an appliance, answers challenges offline,
// serves the console and the API over HTTPS, and activates a machine online.

import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { onlyJson, ROOT, run, type Run } from '../cli/helpers.ts';

const built = join(ROOT, 'dist', 'airlock');

test.before(async () => {
  await promisify(execFile)(process.execPath, ['--import=tsx', 'scripts/build-binary.ts'], {
    cwd: ROOT,
    maxBuffer: 16 * 2 ** 20,
  });
});

/** An empty directory with only the binary in it, and a way to run it there without Node.js. */
async function install(t: ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-binary-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const binary = join(dir, 'airlock');
  await copyFile(built, binary);
  const env = { PATH: join(dir, 'no-such-dir'), HOME: dir, NODE_OPTIONS: undefined };
  const exec = (args: readonly string[], extra: Record<string, string> = {}): Promise<Run> =>
    run(args, { cwd: dir, env: { ...env, ...extra }, command: [binary] });
  const ok = async (args: readonly string[], extra: Record<string, string> = {}) => {
    const result = await exec([...args, '--json'], extra);
    t.is(result.exitCode, 0, `airlock ${args.join(' ')}: ${result.stdout}${result.stderr}`);
    return onlyJson(t, result);
  };
  return { dir, binary, env, exec, ok };
}

/** GET or POST over HTTPS, trusting the appliance's own self-signed certificate. */
function https(
  url: string,
  ca: Buffer,
  options: { method?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(options.body ? JSON.stringify(options.body) : undefined);
  });
}

test('--version names the version, the commit and the single binary', async (t) => {
  const { exec } = await install(t);
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const text = await exec(['--version']);
  t.is(text.exitCode, 0);
  t.regex(
    text.stdout,
    new RegExp(`^airlock ${version.replaceAll('.', '\\.')} \\(commit [0-9a-f]{12}`),
  );
  t.regex(text.stdout, /single binary/);
  const json = onlyJson(t, await exec(['--version', '--json']));
  t.like(json, { version, form: 'binary' });
  t.regex(json['commit'], /^[0-9a-f]{12}(\+dirty)?$/);
  t.false(Number.isNaN(Date.parse(json['builtAt'])));
});

test('alone in an empty directory, the binary initialises an appliance and runs the whole loop', async (t) => {
  const { dir, binary, env, ok } = await install(t);
  const data = join(dir, 'data');
  const trust = ['--trust', join(data, 'trust.json')];

  // A standalone appliance carries its own vendor: issue a license and put it on the appliance.
  await ok(['appliance', 'init', '--data', data]);
  const issued = await ok([
    'license',
    'issue',
    '--vendor',
    join(data, 'vendor'),
    '--product',
    'acme-cad',
    '--seats',
    '3',
  ]);
  const key = issued['key'] as string;
  await ok(['license', 'add', key, '--data', data]);

  // Offline: the machine's challenge is answered at the desk and the response applied.
  const desk = ['--store', join(dir, 'machine-1'), ...trust];
  const { challenge } = await ok(['client', 'challenge', '--license', key, ...desk], {
    AIRLOCK_MACHINE_ID: 'machine-1',
  });
  const answer = await ok(['respond', challenge, '--data', data]);
  await ok(['client', 'apply', answer['qr'], ...desk], { AIRLOCK_MACHINE_ID: 'machine-1' });
  t.like(await ok(['client', 'status', ...desk], { AIRLOCK_MACHINE_ID: 'machine-1' }), {
    valid: true,
  });

  // Served over HTTPS with the certificate made at init.
  const { token } = await ok(['token', 'create', '--data', data, '--role', 'operator']);
  const child = spawn(binary, ['serve', '--data', data, '--port', '0', '--json'], {
    cwd: dir,
    env: { PATH: env.PATH, HOME: env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const match = /"listening":"(https:\/\/127\.0\.0\.1:\d+)"/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on('close', () => reject(new Error(`serve ended: ${stderr}${stdout}`)));
  });
  const ca = await readFile(join(data, 'tls', 'cert.pem'));

  const page = await https(`${url}/`, ca);
  t.is(page.status, 200);
  t.regex(page.text, /<title>[^<]*Airlock/);
  t.regex(String(page.headers['content-security-policy']), /default-src 'none'/);
  const script = await https(`${url}/app.js`, ca);
  t.is(script.status, 200);
  t.true(script.text.length > 1000, 'the console script is embedded in the binary');
  t.like(JSON.parse((await https(`${url}/api/v1/ready`, ca)).text), { status: 'ready' });

  // A second machine's challenge, answered by the API as the console does.
  const second = ['--store', join(dir, 'machine-2'), ...trust];
  const env2 = { AIRLOCK_MACHINE_ID: 'machine-2' };
  const typed = await ok(['client', 'challenge', '--license', key, ...second], env2);
  const answered = await https(`${url}/api/v1/activate`, ca, {
    method: 'POST',
    token,
    body: { challenge: typed['challenge'] },
  });
  t.is(answered.status, 200, answered.text);
  const { qr } = JSON.parse(answered.text) as { qr: string };
  await ok(['client', 'apply', qr, ...second], env2);
  t.like(await ok(['client', 'status', ...second], env2), { valid: true });

  // A third machine activates online in one command.
  const third = ['--store', join(dir, 'machine-3'), ...trust];
  const online = await ok(
    ['client', 'activate', '--license', key, '--online', url, '--token', token, ...third],
    { AIRLOCK_MACHINE_ID: 'machine-3', NODE_EXTRA_CA_CERTS: join(data, 'tls', 'cert.pem') },
  );
  t.like(online, { seatsUsed: 3 });

  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('close', resolve));
  t.like(await ok(['ledger', 'verify', '--data', data]), { ok: true });
});
