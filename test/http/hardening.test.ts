// The server's hardening over real HTTPS (startServer with a self-signed certificate): every class
// of answer carries the security headers and HSTS and never a stack or a path; requests Node's
// parser refuses get the same headers; a client too slow to send its headers, or to start TLS at
// all, is cut off.

import { connect as connectTcp } from 'node:net';
import { request } from 'node:https';
import { connect as connectTls } from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import type { ConsoleAssets } from '../../src/http/console.ts';
import { SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from '../../src/http/security-headers.ts';
import { type ServerLimits, startServer } from '../../src/http/server.ts';
import { createSelfSignedCertificate } from '../../src/node/tls-certificate.ts';
import { setup, type SetupOptions, USER_PASSWORDS } from './helpers.ts';

/** A stack frame, a source file or a path of the server's disk. */
const LEAK = /\bat [\w$.<>]+ \(|\bat (?:file:|\/)|\/(?:tmp|work|home|usr|var|srv|etc)\/|\.ts\b/;
const ETAG = '"console-etag"';
const ASSETS: ConsoleAssets = new Map([
  [
    '/',
    {
      type: 'text/html; charset=utf-8',
      body: Buffer.from('<!doctype html><title>Airlock</title><script src="/app.js"></script>'),
      etag: ETAG,
    },
  ],
]);
const certificate = createSelfSignedCertificate({
  hosts: [],
  now: Math.floor(Date.now() / 1000),
});

async function servedOverTls(t: ExecutionContext, options: SetupOptions, limits?: ServerLimits) {
  const s = await setup(t, options);
  const { cert, key } = await certificate;
  const server = await startServer(s.app, {
    host: '127.0.0.1',
    port: 0,
    tls: { cert, key },
    ...(limits === undefined ? {} : { limits }),
  });
  t.teardown(() => server.close());
  return { s, url: server.url, port: Number(new URL(server.url).port), ca: cert };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

function call(
  url: string,
  ca: string,
  method: string,
  init: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: init.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function checkHeaders(t: ExecutionContext, answer: Answer, what: string) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    const got = answer.headers[name.toLowerCase()];
    if (name === 'Content-Security-Policy') {
      t.regex(String(got), /frame-ancestors 'none'/, `${what}: ${name}`);
      t.notRegex(String(got), /unsafe-inline|unsafe-eval/, `${what}: ${name}`);
    } else if (name === 'Cache-Control') {
      t.truthy(got, `${what}: ${name}`);
    } else {
      t.is(got, value, `${what}: ${name}`);
    }
  }
  t.is(answer.headers['strict-transport-security'], STRICT_TRANSPORT_SECURITY, `${what}: HSTS`);
  t.notRegex(answer.text, LEAK, `${what}: no stack or path`);
}

test('every class of answer over HTTPS carries the security headers and HSTS, and no stack or path', async (t) => {
  const { s, url, ca } = await servedOverTls(t, {
    console: { assets: ASSETS },
    rateLimit: { perMinute: 1, burst: 1 },
    wrap: (a) => ({
      ...a,
      licenses: () => {
        throw new Error('ENOENT: no such file /srv/airlock/data/ledger/000001.seg');
      },
      respond: () =>
        Promise.reject(
          new AirlockError(
            'LEDGER_UNAVAILABLE',
            'Cannot write /srv/airlock/data/ledger (ENOSPC).',
            {
              path: '/srv/airlock/data/ledger',
            },
          ),
        ),
    }),
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const json = { 'content-type': 'application/json' };
  const rows: readonly {
    readonly what: string;
    readonly method: string;
    readonly path: string;
    readonly headers?: Record<string, string>;
    readonly body?: string;
    readonly status: number;
    readonly code?: string;
  }[] = [
    { what: '200 JSON', method: 'GET', path: '/api/v1/health', status: 200 },
    { what: '200 console file', method: 'GET', path: '/', status: 200 },
    {
      what: '304 console file',
      method: 'GET',
      path: '/',
      headers: { 'if-none-match': ETAG },
      status: 304,
    },
    {
      what: '400 bad license key',
      method: 'POST',
      path: '/api/v1/licenses',
      headers: { ...bearer(s.tokens.admin), ...json },
      body: '{"key":"not a key"}',
      status: 400,
    },
    {
      what: '401 no token',
      method: 'GET',
      path: '/api/v1/licenses',
      status: 401,
      code: 'UNAUTHORIZED',
    },
    {
      what: '403 operator on an admin endpoint',
      method: 'POST',
      path: '/api/v1/licenses',
      headers: { ...bearer(s.tokens.operator), ...json },
      body: '{}',
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      what: '404 no endpoint',
      method: 'GET',
      path: '/api/v1/nowhere',
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      what: '405 other method',
      method: 'DELETE',
      path: '/api/v1/health',
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
    {
      what: '413 body too large',
      method: 'POST',
      path: '/api/v1/licenses',
      headers: { ...bearer(s.tokens.admin), ...json },
      body: JSON.stringify({ key: 'K'.repeat(70 * 1024) }),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      what: '415 not JSON',
      method: 'POST',
      path: '/api/v1/licenses',
      headers: { ...bearer(s.tokens.admin), 'content-type': 'text/plain' },
      body: 'key',
      status: 415,
      code: 'MEDIA_TYPE_UNSUPPORTED',
    },
    {
      what: '500 unexpected exception',
      method: 'GET',
      path: '/api/v1/licenses',
      headers: bearer(s.tokens.operator),
      status: 500,
      code: 'INTERNAL',
    },
    {
      what: '503 ledger unavailable',
      method: 'POST',
      path: '/api/v1/activate',
      headers: { ...bearer(s.tokens.operator), ...json },
      body: '{"challenge":"C"}',
      status: 503,
      code: 'LEDGER_UNAVAILABLE',
    },
    // The rate limit allows one activation a minute: the row before took it.
    {
      what: '429 rate limited',
      method: 'POST',
      path: '/api/v1/activate',
      headers: { ...bearer(s.tokens.operator), ...json },
      body: '{"challenge":"C"}',
      status: 429,
      code: 'RATE_LIMITED',
    },
  ];
  for (const row of rows) {
    const answer = await call(`${url}${row.path}`, ca, row.method, {
      ...(row.headers === undefined ? {} : { headers: row.headers }),
      ...(row.body === undefined ? {} : { body: row.body }),
    });
    t.is(answer.status, row.status, row.what);
    checkHeaders(t, answer, row.what);
    if (row.code !== undefined) t.is(JSON.parse(answer.text).error.code, row.code, row.what);
  }
});

test('plain HTTP (loopback) carries the security headers but no HSTS', async (t) => {
  const s = await setup(t);
  const res = await s.call('GET', '/health');
  t.is(res.headers.get('x-frame-options'), 'DENY');
  t.is(res.headers.get('strict-transport-security'), null);
  const server = await startServer(s.app, { host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

/** Everything the server sends on a TLS connection until it closes it. */
function untilClosed(port: number, ca: string, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connectTls({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () =>
      socket.write(send),
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

test('a client that never finishes its headers is answered 408 and cut off', async (t) => {
  const { port, ca } = await servedOverTls(t, {}, { headersMs: 200, requestMs: 1000 });
  const answer = await untilClosed(port, ca, 'GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n');
  t.regex(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  t.regex(answer, /\r\nX-Frame-Options: DENY\r\n/);
  t.regex(answer, /\r\nStrict-Transport-Security: max-age=31536000\r\n/);
  t.regex(answer, /\r\nConnection: close\r\n\r\n$/);
});

test('a client that connects and never starts TLS is cut off', async (t) => {
  const { port } = await servedOverTls(t, {}, { headersMs: 200, requestMs: 1000 });
  const closed = await new Promise<boolean>((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.on('error', reject);
    socket.on('close', () => resolve(true));
  });
  t.true(closed);
});

test('a request Node cannot parse is answered 400 with the security headers, and nothing else', async (t) => {
  const { port, ca } = await servedOverTls(t, {});
  const answer = await untilClosed(port, ca, 'NOT HTTP AT ALL\r\n\r\n');
  t.regex(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.regex(answer, /\r\nX-Content-Type-Options: nosniff\r\n/);
  t.regex(answer, /\r\nContent-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n/);
  t.regex(answer, /\r\nContent-Length: 0\r\n/);
  t.notRegex(answer, LEAK);
  const huge = await untilClosed(
    port,
    ca,
    `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  );
  t.regex(huge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  t.regex(huge, /\r\nX-Frame-Options: DENY\r\n/);
});

test('over HTTPS the session cookie is also Secure', async (t) => {
  const { url, ca } = await servedOverTls(t, { users: true });
  const answer = await call(`${url}/api/v1/auth/sign-in`, ca, 'POST', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'operator', password: USER_PASSWORDS.operator }),
  });
  t.is(answer.status, 200, answer.text);
  const cookie = String(answer.headers['set-cookie']);
  t.regex(cookie, /^airlock_session=/);
  for (const attribute of [/; secure/i, /; httponly/i, /; samesite=strict/i]) {
    t.regex(cookie, attribute);
  }
});
