// Serving and shutting down: close() stops taking connections but lets requests in flight finish
// (their ledger writes become durable and are answered), and cuts them only after its timeout.

import test from 'ava';
import type { ApplianceLedger } from '../../src/appliance/appliance.ts';
import { createMemoryLedger, withTransact } from '../../src/appliance/memory-ledger.ts';
import { startServer } from '../../src/http/server.ts';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { setup } from './helpers.ts';

/** A ledger whose writes, once `hold()` is called, wait until `release()`. */
function slowLedger() {
  const inner = createMemoryLedger();
  let gate: Promise<void> | undefined;
  let open = () => {};
  let appended = () => {};
  const writing = new Promise<void>((resolve) => (appended = resolve));
  const ledger = withTransact<Omit<ApplianceLedger, 'transact' | 'refresh'>>({
    get state() {
      return inner.state;
    },
    get head() {
      return inner.head;
    },
    append(type, data, atMs) {
      const durable = inner.append(type, data, atMs);
      if (gate === undefined) return durable;
      appended();
      return gate.then(() => durable);
    },
  });
  return {
    ledger,
    writing,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open(),
  };
}

test('closing the server lets a request in flight finish, then refuses new connections', async (t) => {
  const slow = slowLedger();
  const s = await setup(t, { ledger: slow.ledger });
  const server = await startServer(s.app, { host: '127.0.0.1', port: 0 });
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const challenge = createChallenge(emptyState(), s.key, s.machine('late')).text;
  slow.hold();
  const pending = fetch(`${server.url}/api/v1/activate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.tokens.operator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ challenge }),
  });
  await slow.writing;
  let closed = false;
  const closing = server.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(closed, 'close waits for the request in flight');
  slow.release();
  const res = await pending;
  t.is(res.status, 200);
  t.regex(((await res.json()) as { activationId: string }).activationId, /^act_/);
  await closing;
  await t.throwsAsync(fetch(`${server.url}/api/v1/health`));
  t.is(server.close(), server.close());
});

test('a request still running after the close timeout is cut, and close resolves', async (t) => {
  const slow = slowLedger();
  const s = await setup(t, { ledger: slow.ledger });
  const server = await startServer(s.app, { host: '127.0.0.1', port: 0, closeTimeoutMs: 100 });
  const challenge = createChallenge(emptyState(), s.key, s.machine('stuck')).text;
  slow.hold();
  const pending = fetch(`${server.url}/api/v1/activate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.tokens.operator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ challenge }),
  });
  await slow.writing;
  const started = Date.now();
  await server.close();
  t.true(Date.now() - started < 2000);
  await t.throwsAsync(pending);
  slow.release();
});

test('a port already in use is reported by startServer', async (t) => {
  const s = await setup(t);
  const first = await startServer(s.app, { host: '127.0.0.1', port: 0 });
  t.teardown(() => first.close());
  const port = Number(new URL(first.url).port);
  await t.throwsAsync(startServer(s.app, { host: '127.0.0.1', port }), { message: /EADDRINUSE/ });
});
