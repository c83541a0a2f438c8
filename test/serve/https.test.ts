// `airlock serve` over HTTPS, as a process: by default with the data directory's certificate (made
// on the first start of a directory that has none, its fingerprint printed), or with one the
// settings name; plain HTTP beyond loopback and bad settings refused before anything listens.

import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import test from 'ava';
import { createSelfSignedCertificate } from '../../src/node/tls-certificate.ts';
import { cleanEnv, serve, site } from './helpers.ts';

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin/airlock.js');

interface Fetched {
  readonly status: number;
  readonly hsts: string | undefined;
  readonly body: string;
  /** SHA-256 of the certificate the server presented, colon-separated. */
  readonly fingerprint: string;
}

/** GET over HTTPS, trusting only `ca`. */
function get(url: string, ca: string): Promise<Fetched> {
  return new Promise((done, failed) => {
    const req = request(url, { ca, agent: false }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerX509Certificate();
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        done({
          status: res.statusCode!,
          hsts: res.headers['strict-transport-security'],
          body,
          fingerprint: peer?.fingerprint256 ?? '',
        }),
      );
    });
    req.on('error', failed).end();
  });
}

/** As browsers show it (test/node/tls-certificate.test.ts checks it is the DER's SHA-256). */
const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256;

/** Runs `airlock serve` that must refuse to start: its exit code and what it printed. */
function refusedStart(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  return new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => done({ code, stderr }));
  });
}

test('HTTPS by default: the first start makes the certificate and prints its fingerprint; the next keeps it', async (t) => {
  const s = await site(t, 1); // made before HTTPS existed: no DATA/tls
  const first = await serve(t, s.dir, []);
  t.regex(first.url, /^https:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
  // The address may arrive before the rest of the greeting: wait for its last line.
  for (let i = 0; i < 500 && !first.output.stdout.includes('Stop with Ctrl-C'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.regex(first.output.stdout, /Made a self-signed TLS certificate for this appliance\./);
  const pem = await readFile(join(s.dir, 'tls', 'cert.pem'), 'utf8');
  const fingerprint = sha256(pem);
  t.true(
    first.output.stdout.includes(`  SHA-256 fingerprint ${fingerprint}\n`),
    first.output.stdout,
  );

  const health = await get(`${first.url}/health`, pem);
  t.deepEqual(
    { status: health.status, body: health.body, fingerprint: health.fingerprint },
    { status: 200, body: '{"status":"ok"}', fingerprint },
  );
  t.is(health.hsts, 'max-age=31536000');
  first.child.kill('SIGTERM');
  t.is((await first.exited).code, 0);

  const second = await serve(t, s.dir, ['--json']);
  const announced = JSON.parse(second.output.stdout.split('\n')[0]!);
  t.like(announced, { tls: { fingerprint, certFile: join(s.dir, 'tls', 'cert.pem') } });
  t.is((await get(`${second.url}/health`, pem)).fingerprint, fingerprint);
  second.child.kill('SIGTERM');
  t.is((await second.exited).code, 0);
});

test('a certificate named by the environment is served instead, with a warning before it expires and for a name it lacks', async (t) => {
  const s = await site(t, 1);
  const pair = await createSelfSignedCertificate({
    hosts: ['desk.plant.lan'],
    now: Math.floor(Date.now() / 1000),
  });
  await writeFile(join(s.dir, 'site.pem'), pair.cert);
  await writeFile(join(s.dir, 'site.key'), pair.key, { mode: 0o600 });
  const served = await serve(t, s.dir, [], {
    AIRLOCK_TLS_CERT: join(s.dir, 'site.pem'),
    AIRLOCK_TLS_KEY: join(s.dir, 'site.key'),
    AIRLOCK_TLS_HOSTS: 'desk.plant.lan,10.0.0.8',
    AIRLOCK_NOW: '+820d', // the certificate is valid 825 days from now
  });
  t.is((await get(`${served.url}/health`, pair.cert)).fingerprint, sha256(pair.cert));
  t.notRegex(served.output.stdout, /Made a self-signed/);
  t.regex(
    served.output.stderr,
    /airlock: the TLS certificate expires within 30 days: make a new one/,
  );
  t.regex(served.output.stderr, /the TLS certificate is not valid for 10\.0\.0\.8 \(tls_hosts\)/);
  served.child.kill('SIGTERM');
  t.is((await served.exited).code, 0);
});

test('plain HTTP beyond loopback, or a bad setting, stops the start with CONFIG_INVALID naming it', async (t) => {
  const s = await site(t, 1);
  const plain = await refusedStart(['--data', s.dir, '--http'], { AIRLOCK_HOST: '0.0.0.0' });
  t.is(plain.code, 7);
  t.regex(plain.stderr, /Plain HTTP \(tls off, from --http\) on 0\.0\.0\.0 \(from AIRLOCK_HOST\)/);
  t.regex(plain.stderr, /allow_plain_http \(--allow-plain-http, AIRLOCK_ALLOW_PLAIN_HTTP=true/);
  t.regex(plain.stderr, /\(CONFIG_INVALID\)\n$/);

  const port = await refusedStart(['--data', s.dir], { AIRLOCK_PORT: 'abc' });
  t.is(port.code, 7);
  t.is(
    port.stderr,
    'airlock: AIRLOCK_PORT=abc: port must be a whole number from 0 to 65535. (CONFIG_INVALID)\n',
  );

  await writeFile(join(s.dir, 'airlock.toml'), 'port = 0\nprot = 8443\n');
  const file = await refusedStart(['--data', s.dir]);
  t.is(file.code, 7);
  t.regex(file.stderr, /airlock\.toml: "prot" is not a setting of airlock serve/);

  const missing = await refusedStart(['--data', s.dir, '--config', join(s.dir, 'nope.toml')]);
  t.regex(missing.stderr, /--config names .*nope\.toml, which does not exist\. \(CONFIG_INVALID\)/);
});
