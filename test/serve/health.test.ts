// `airlock health` against a real `airlock serve` on 127.0.0.1, found from the data directory's
// settings as a container's HEALTHCHECK finds it: over HTTPS with the self-signed certificate
// pinned, over plain HTTP, by --url, and the refusals: not ready, nothing listening, a replaced
// certificate, a server that never answers.

import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import test, { type ExecutionContext } from 'ava';
import { onlyJson, Workspace } from '../cli/helpers.ts';
import { cleanEnv } from './helpers.ts';

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin/airlock.js');

/** A port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((done, failed) => {
    const server = createServer();
    server.on('error', failed);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** `airlock serve --data DIR` with nothing but its settings file and `env`; resolves once it listens. */
async function serveFromSettings(
  t: ExecutionContext,
  dir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir], {
    cwd: tmpdir(),
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  await new Promise<void>((done, failed) => {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      output += s;
      if (output.includes('Stop with Ctrl-C')) done();
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.on('close', () => failed(new Error(`airlock serve ended:\n${output}`)));
  });
  return child;
}

/** A standalone data directory whose airlock.toml sets a free port (and `extra` settings). */
async function dataDir(
  t: ExecutionContext,
  extra = '',
): Promise<{ ws: Workspace; data: string; port: number }> {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data]);
  const port = await freePort();
  await writeFile(join(data, 'airlock.toml'), `port = ${port}\n${extra}`);
  return { ws, data, port };
}

test('over HTTPS: healthy with the data directory’s own certificate pinned, found from its settings', async (t) => {
  const { ws, data, port } = await dataDir(t);
  await serveFromSettings(t, data);
  const healthy = await ws.ok(t, ['health', '--data', data]);
  t.like(healthy, { status: 'ready', origin: `https://127.0.0.1:${port}` });
  t.true(healthy['certificateExpiresAt'] > Date.now() / 1000);

  const text = await ws.run(['health', '--data', data]);
  t.is(text.exitCode, 0, text.stderr);
  t.regex(
    text.stdout,
    /^https:\/\/127\.0\.0\.1:\d+ is healthy and ready; its appliance certificate is valid until \d{4}-/,
  );

  // By address: trusted through the certificate given as the CA, for the name it was made for.
  const byUrl = await ws.ok(t, [
    'health',
    '--url',
    `https://localhost:${port}`,
    '--cacert',
    join(data, 'tls', 'cert.pem'),
  ]);
  t.is(byUrl['status'], 'ready');
  // Without it, the self-signed certificate is not trusted.
  const untrusted = await ws.refused(
    t,
    ['health', '--url', `https://127.0.0.1:${port}`],
    'APPLIANCE_UNREACHABLE',
  );
  t.is(untrusted.exitCode, 9);
  t.regex(untrusted.error['message'], /not trusted .*--cacert/);
});

test('over plain HTTP (tls = false): healthy; the environment sets the port as it does for serve', async (t) => {
  const { ws, data } = await dataDir(t, 'tls = false\n');
  const port = await freePort();
  await serveFromSettings(t, data, { AIRLOCK_PORT: String(port) });
  const healthy = await ws.ok(t, ['health', '--data', data], { AIRLOCK_PORT: String(port) });
  t.like(healthy, { status: 'ready', origin: `http://127.0.0.1:${port}` });
  t.like(await ws.ok(t, ['health', '--url', `http://127.0.0.1:${port}/`]), { status: 'ready' });
});

test('a delegated appliance still waiting for its certificate answers but is not ready', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const port = await freePort();
  await writeFile(join(data, 'airlock.toml'), `port = ${port}\n`);
  await serveFromSettings(t, data);
  const refused = await ws.refused(t, ['health', '--data', data], 'APPLIANCE_NOT_READY');
  t.is(refused.exitCode, 9);
  t.is(refused.error['details']?.reason, 'CERTIFICATE_UNKNOWN');
  t.regex(refused.error['message'], /is not ready: This appliance has no certificate yet/);
});

test('nothing listening: APPLIANCE_UNREACHABLE says so', async (t) => {
  const { ws, data } = await dataDir(t);
  const refused = await ws.refused(t, ['health', '--data', data], 'APPLIANCE_UNREACHABLE');
  t.is(refused.exitCode, 9);
  t.regex(refused.error['message'], /Nothing listens on https:\/\/127\.0\.0\.1:\d+/);
});

test('a certificate replaced after the server started is not the one it presents', async (t) => {
  const { ws, data } = await dataDir(t);
  await serveFromSettings(t, data);
  await ws.given(t, ['appliance', 'tls', '--data', data, '--renew']);
  const refused = await ws.refused(t, ['health', '--data', data], 'APPLIANCE_UNREACHABLE');
  t.regex(refused.error['message'], /presents a certificate other than .*not restarted/);
});

test('a server that accepts but never answers is given up on at the time-out', async (t) => {
  const ws = await Workspace.create(t);
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const started = Date.now();
  const result = await ws.run([
    'health',
    '--url',
    `http://127.0.0.1:${port}`,
    '--timeout',
    '300ms',
    '--json',
  ]);
  const json = onlyJson(t, result);
  t.is(result.exitCode, 9);
  t.is(json['error'].code, 'APPLIANCE_UNREACHABLE');
  t.regex(json['error'].message, /did not answer \/api\/v1\/health within 0\.3 s/);
  t.true(Date.now() - started < 10_000);
});

test('usage: --data or --url, not both; a time-out within bounds; port 0 cannot be probed', async (t) => {
  const { ws, data } = await dataDir(t);
  await ws.refused(t, ['health'], 'USAGE');
  await ws.refused(t, ['health', '--data', data, '--url', 'https://127.0.0.1:1'], 'USAGE');
  await ws.refused(t, ['health', '--url', 'ftp://127.0.0.1'], 'USAGE');
  await ws.refused(t, ['health', '--data', data, '--timeout', '5m'], 'USAGE');
  const zero = await ws.refused(t, ['health', '--data', data], 'CONFIG_INVALID', {
    AIRLOCK_PORT: '0',
  });
  t.regex(zero.error['message'], /port is 0 \(from AIRLOCK_PORT\).*--url/);
});
