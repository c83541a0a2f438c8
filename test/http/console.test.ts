// The console's files as the appliance serves them: from memory, under the console's CSP,
// revalidated by ETag, and never in the way of the API; a clear page when it was not built.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import Koa from 'koa';
import {
  CONSOLE_CSP,
  type ConsoleAssets,
  consoleMiddleware,
  loadConsoleAssets,
} from '../../src/http/console.ts';

async function built(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-console-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Airlock</title>');
  await writeFile(join(dir, 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'style.css'), 'body{}');
  await writeFile(join(dir, 'notes.txt'), 'not served');
  return dir;
}

/** The middleware in front of a stand-in for the API, on 127.0.0.1. */
async function serve(t: ExecutionContext, assets: ConsoleAssets | undefined): Promise<string> {
  const app = new Koa();
  app.use(consoleMiddleware(assets));
  app.use((ctx) => {
    ctx.body = { api: ctx.path };
  });
  const server = createServer(app.callback());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => new Promise<void>((done) => server.close(() => done())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('the console is served at / with its CSP, and each file with its type', async (t) => {
  const url = await serve(t, await loadConsoleAssets(await built(t)));
  const page = await fetch(`${url}/`);
  t.is(page.status, 200);
  t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  t.is(page.headers.get('content-security-policy'), CONSOLE_CSP);
  t.regex(CONSOLE_CSP, /script-src 'self'/);
  t.notRegex(CONSOLE_CSP, /unsafe-inline|unsafe-eval|\*/);
  t.regex(page.headers.get('permissions-policy') ?? '', /camera=\(self\)/);
  t.regex(await page.text(), /<title>Airlock/);
  t.is((await fetch(`${url}/index.html`)).status, 200);
  const script = await fetch(`${url}/app.js`);
  t.is(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  t.is(await script.text(), 'console.log(1)');
  const head = await fetch(`${url}/style.css`, { method: 'HEAD' });
  t.is(head.status, 200);
});

test('a file unchanged since the browser last loaded it is answered 304', async (t) => {
  const url = await serve(t, await loadConsoleAssets(await built(t)));
  const first = await fetch(`${url}/app.js`);
  const etag = first.headers.get('etag');
  t.truthy(etag);
  t.is(first.headers.get('cache-control'), 'no-cache');
  const again = await fetch(`${url}/app.js`, { headers: { 'if-none-match': etag! } });
  t.is(again.status, 304);
});

test('the API, other methods and unknown files pass through to the routes', async (t) => {
  const url = await serve(t, await loadConsoleAssets(await built(t)));
  t.deepEqual(await (await fetch(`${url}/api/v1/health`)).json(), { api: '/api/v1/health' });
  t.deepEqual(await (await fetch(`${url}/notes.txt`)).json(), { api: '/notes.txt' });
  t.deepEqual(await (await fetch(`${url}/../../etc/passwd`)).json(), { api: '/etc/passwd' });
  t.deepEqual(await (await fetch(`${url}/`, { method: 'POST' })).json(), { api: '/' });
});

test('a console that was not built says how to build it', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'airlock-console-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  t.is(await loadConsoleAssets(empty), undefined);
  t.is(await loadConsoleAssets(join(empty, 'missing')), undefined);
  const url = await serve(t, undefined);
  const page = await fetch(`${url}/`);
  t.is(page.status, 503);
  t.regex(await page.text(), /npm run build:web/);
  t.deepEqual(await (await fetch(`${url}/api/v1/health`)).json(), { api: '/api/v1/health' });
});
