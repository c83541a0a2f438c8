// Online mode end to end: a real Node client (encrypted store in a temporary directory) talks real
// HTTP to an appliance on 127.0.0.1:0; when the appliance cannot be reached it falls back to the
// offline challenge, and refusals are thrown, never fallen back on.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { toHex } from '../../src/core/bytes.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { parseId } from '../../src/core/ids.ts';
import { createApplianceClient, MAX_ANSWER_BYTES } from '../../src/sdk/online.ts';
import { asClientState, explicitComponents } from '../../src/sdk/index.ts';
import { createNodeClient, type NodeClientOptions } from '../../src/sdk/node/client.ts';
import { openFileStore } from '../../src/sdk/node/store.ts';
import { recordVerdict } from '../../src/sdk/record-verdict.ts';
import { NOW, type Setup, setup } from '../http/helpers.ts';

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-online-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A machine with its own store, talking to `url` (the appliance's, unless a test says otherwise). */
async function machine(
  t: ExecutionContext,
  s: Setup,
  id: string,
  online: Partial<NonNullable<NodeClientOptions['online']>> = {},
) {
  return createNodeClient({
    storeDir: await tempDir(t),
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: id },
    clock: () => NOW,
    online: { url: s.url, token: s.tokens.operator, ...online },
  });
}

/** A port nothing listens on: bound, then closed. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A server that answers every request with `handler`, closed when the test ends. */
async function fakeAppliance(
  t: ExecutionContext,
  handler: Parameters<typeof createServer>[1],
): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const seatsUsed = (s: Setup) =>
  s.appliance.license(toHex(parseId('license', s.licenseId))).seatsUsed;

test('an online activation stores what the offline flow would, and status is valid', async (t) => {
  const ledger = createMemoryLedger();
  const s = await setup(t, { ledger });
  const storeDir = await tempDir(t);
  const client = createNodeClient({
    storeDir,
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: 'online-1' },
    clock: () => NOW,
    online: { url: s.url, token: s.tokens.operator, clientId: 'build-agent-7' },
  });
  const result = await client.activate(s.key);
  if (result.mode !== 'online') return t.fail(`fell back: ${result.unreachable}`);
  t.like(result, { renewal: false, seats: 3, seatsUsed: 1 });
  t.regex(result.activation.activationId, /^act_[0-9a-f]{8}$/);
  t.is(seatsUsed(s), 1);

  // The store holds the activation of the challenge the appliance answered, and nothing pending:
  // the state `challenge` then `apply` leave.
  const stored = asClientState(
    await openFileStore(storeDir, explicitComponents('online-1')).load(),
  );
  const granted = ledger.events.find((e) => e.type === 'activation.granted')!.data as {
    challenge: string;
    clientId?: string;
  };
  t.is(stored.pending, undefined);
  t.is(stored.activation?.challenge, granted.challenge);
  t.is(granted.clientId, 'build-agent-7');

  const status = await client.status();
  t.like(status, { valid: true, code: 'VALID', features: ['pro'] });
  t.is(status.activation?.id, result.activation.activationId);
  t.is(status.license?.id, s.licenseId);

  // Activating again renews the same activation and takes no second seat.
  const again = await client.activate(s.key);
  t.like(again, { mode: 'online', renewal: true, seatsUsed: 1 });
  t.is(seatsUsed(s), 1);
});

test('a seat refusal is thrown with its code, not fallen back on', async (t) => {
  const s = await setup(t, { seats: 1 });
  await (await machine(t, s, 'first')).activate(s.key);
  const second = await machine(t, s, 'second');
  const error = await t.throwsAsync(second.activate(s.key), { instanceOf: AirlockError });
  t.is(error.code, 'SEATS_EXHAUSTED');
  t.like(error.details, { seats: 1 });
  t.like(await second.status(), { valid: false, code: 'NOT_ACTIVATED' });
});

test('an unreachable appliance gives the offline challenge, which activates once answered', async (t) => {
  const s = await setup(t);
  const client = await machine(t, s, 'cut-off', { url: await closedPortUrl() });
  const result = await client.activate(s.key);
  if (result.mode !== 'offline') return t.fail('expected the offline fallback');
  t.regex(result.unreachable, /could not be reached \(ECONNREFUSED\)/);
  t.true(result.text.length <= 100);
  t.is(seatsUsed(s), 0);

  // The operator enters the challenge at the appliance's desk and types back the response.
  const answer = await s.appliance.respond(result.text, { channel: 'offline' });
  const applied = await client.apply(answer.qr);
  t.is(applied.activation.activationId, answer.activationId);
  t.like(await client.status(), { valid: true, code: 'VALID' });
});

test('an appliance that does not answer in time, or fails with a 5xx, is unreachable', async (t) => {
  const silent = await fakeAppliance(t, () => undefined);
  const s = await setup(t, {
    wrap: (a) => ({
      ...a,
      respond: () => Promise.reject(new AirlockError('LEDGER_UNAVAILABLE', 'disk full')),
    }),
  });
  const slow = await machine(t, s, 'slow', { url: silent, timeoutMs: 200 });
  const late = await slow.activate(s.key);
  t.like(late, { mode: 'offline' });
  t.regex((late as { unreachable: string }).unreachable, /did not answer within 0.2 s/);

  const failing = await machine(t, s, 'failing');
  const broken = await failing.activate(s.key);
  t.like(broken, { mode: 'offline' });
  t.regex(
    (broken as { unreachable: string }).unreachable,
    /could not complete the request \(LEDGER_UNAVAILABLE, HTTP status 503\)/,
  );
});

test('revalidate records what the appliance says: revoked, deactivated, license revoked', async (t) => {
  const ledger = createMemoryLedger();
  const s = await setup(t, { ledger });
  const end = async (id: string, how: 'revoked' | 'deactivated') =>
    ledger.append(
      'activation.ended',
      { activationId: parseInt(id.slice(4), 16), at: NOW, how, reason: 'test' },
      NOW * 1000,
    );

  const revoked = await machine(t, s, 'revoked');
  const a = await revoked.activate(s.key);
  if (a.mode !== 'online') return t.fail('expected an online activation');
  t.like(await revoked.revalidate(), { checked: true, status: { valid: true } });
  await end(a.activation.activationId, 'revoked');
  const after = await revoked.revalidate();
  t.like(after, {
    checked: true,
    status: { valid: false, code: 'REVOKED' },
    appliance: { valid: false, code: 'REVOKED', status: 'revoked' },
  });
  // Recorded in the store: status says so without asking again.
  t.like(await revoked.status(), { valid: false, code: 'REVOKED' });
  t.regex((await revoked.status()).message, /activation was revoked/);

  const restored = await machine(t, s, 'restored');
  const b = await restored.activate(s.key);
  if (b.mode !== 'online') return t.fail('expected an online activation');
  await end(b.activation.activationId, 'deactivated');
  t.like(await restored.revalidate(), {
    checked: true,
    status: { valid: false, code: 'NOT_ACTIVATED' },
    appliance: { code: 'NOT_ACTIVATED', status: 'deactivated' },
  });

  const licensed = await machine(t, s, 'licensed');
  await licensed.activate(s.key);
  await ledger.append(
    'license.revoked',
    { licenseId: toHex(parseId('license', s.licenseId)), at: NOW, reason: 'non-payment' },
    NOW * 1000,
  );
  t.like(await licensed.revalidate(), { checked: true, status: { valid: false, code: 'REVOKED' } });
  t.regex((await licensed.status()).message, /license was revoked/);
});

test('an answer about an activation the machine no longer holds changes nothing', async (t) => {
  const s = await setup(t);
  const storeDir = await tempDir(t);
  const client = createNodeClient({
    storeDir,
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: 'renewed' },
    clock: () => NOW,
    online: { url: s.url, token: s.tokens.operator },
  });
  const a = await client.activate(s.key);
  if (a.mode !== 'online') return t.fail('expected an online activation');
  const state = asClientState(await openFileStore(storeDir, explicitComponents('renewed')).load());
  const verdict = {
    licenseId: s.licenseId,
    activationId: 'act_7fffffff',
    status: 'revoked',
    licenseRevoked: true,
  } as const;
  const other = recordVerdict(state, verdict, { now: NOW });
  t.true(other.otherActivation);
  t.deepEqual(other.recorded, []);
  t.is(other.state, state);
  const same = recordVerdict(
    state,
    { ...verdict, activationId: a.activation.activationId },
    {
      now: NOW,
    },
  );
  t.deepEqual(same.recorded, ['license-revoked', 'activation-revoked']);
  // Recording twice keeps the first record.
  t.deepEqual(
    recordVerdict(
      same.state,
      { ...verdict, activationId: a.activation.activationId },
      {
        now: NOW + 60,
      },
    ).state.revocations,
    same.state.revocations,
  );
});

test('revalidate without an answer keeps the local status and says it was not checked', async (t) => {
  const s = await setup(t);
  const options = {
    storeDir: await tempDir(t),
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: 'roaming' },
    clock: () => NOW,
  };
  const cutOff = { url: await closedPortUrl(), token: s.tokens.operator };
  const away = createNodeClient({ ...options, online: cutOff });
  t.deepEqual(await away.revalidate(), { checked: false, status: await away.status() });

  await createNodeClient({ ...options, online: { url: s.url, token: s.tokens.operator } }).activate(
    s.key,
  );
  const result = await away.revalidate();
  t.like(result, { checked: false, status: { valid: true, code: 'VALID' } });
  t.regex((result as { unreachable: string }).unreachable, /ECONNREFUSED/);
});

test('deactivate online frees the seat; unreachable, it returns the code to enter by hand', async (t) => {
  const s = await setup(t);
  const client = await machine(t, s, 'leaving');
  await client.activate(s.key);
  t.is(seatsUsed(s), 1);
  const gone = await client.deactivate('retired');
  t.like(gone, { mode: 'online', outcome: 'freed', removed: true });
  t.is(seatsUsed(s), 0);
  t.like(await client.deactivate(), { mode: 'online', outcome: 'already', code: gone.code });

  const dir = await tempDir(t);
  const options = {
    storeDir: dir,
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: 'island' },
    clock: () => NOW,
  };
  await createNodeClient({ ...options, online: { url: s.url, token: s.tokens.operator } }).activate(
    s.key,
  );
  t.is(seatsUsed(s), 1);
  const cut = createNodeClient({
    ...options,
    online: { url: await closedPortUrl(), token: s.tokens.operator },
  });
  const byHand = await cut.deactivate();
  t.like(byHand, { mode: 'offline', removed: true });
  t.regex((byHand as { unreachable: string }).unreachable, /could not be reached/);
  t.is(seatsUsed(s), 1);
  t.like(await s.appliance.deactivate(byHand.code), { outcome: 'freed' });
  t.is(seatsUsed(s), 0);
});

test('a 429 is thrown as the appliance refusing, with its code and Retry-After', async (t) => {
  const s = await setup(t, { rateLimit: { perMinute: 1, burst: 1 } });
  const client = await machine(t, s, 'eager');
  t.like(await client.activate(s.key), { mode: 'online' });
  const error = await t.throwsAsync(client.revalidate(), { instanceOf: AirlockError });
  t.is(error.code, 'APPLIANCE_REFUSED');
  t.like(error.details, { applianceCode: 'RATE_LIMITED', status: 429, retryAfter: 60 });
  t.regex(error.message, /\(RATE_LIMITED\): Too many activation requests/);
});

test('a wrong token is a refusal, not a reason to fall back', async (t) => {
  const s = await setup(t);
  const client = await machine(t, s, 'typo', { token: 'not-a-token' });
  const error = await t.throwsAsync(client.activate(s.key), { instanceOf: AirlockError });
  t.is(error.code, 'APPLIANCE_REFUSED');
  t.like(error.details, { applianceCode: 'UNAUTHORIZED', status: 401 });
});

test('answers that are not an appliance’s are unreachable, never trusted', async (t) => {
  const cases: [string, Parameters<typeof createServer>[1], RegExp][] = [
    [
      'an HTML error page',
      (_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'),
      /HTTP status 404 and no Airlock error/,
    ],
    [
      'a 200 that is not JSON',
      (_req, res) => res.writeHead(200).end('hello'),
      /answered 200 with something not JSON/,
    ],
    [
      'a 200 without the response',
      (_req, res) => res.writeHead(200).end('{"qr":42}'),
      /without a valid "response"/,
    ],
    [
      'an endless answer',
      (_req, res) => {
        res.writeHead(200);
        res.end('{"response":"' + 'A'.repeat(MAX_ANSWER_BYTES) + '"}');
      },
      /more than 65536 bytes/,
    ],
    [
      'a declared length over the bound',
      (_req, res) => {
        res.writeHead(200, { 'content-length': String(MAX_ANSWER_BYTES + 1) });
        res.end('{}'.padEnd(MAX_ANSWER_BYTES + 1));
      },
      /more than 65536 bytes/,
    ],
  ];
  for (const [what, handler, message] of cases) {
    const url = await fakeAppliance(t, handler);
    const client = createApplianceClient({ url, token: 'tok' });
    const error = await t.throwsAsync(client.activate('CHALLENGE'), { instanceOf: AirlockError });
    t.is(error.code, 'APPLIANCE_UNREACHABLE', what);
    t.regex(error.message, message, what);
  }
});

test('validate refuses an answer about another activation', async (t) => {
  const url = await fakeAppliance(t, (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        valid: true,
        code: 'VALID',
        message: 'fine',
        licenseId: 'lic_0000000000000001',
        activationId: 'act_00000002',
        status: 'active',
        leaseEndsAt: null,
        license: { revoked: false, expired: false },
        checkedAt: NOW,
      }),
    ),
  );
  const client = createApplianceClient({ url, token: 'tok' });
  await t.throwsAsync(client.validate('lic_0000000000000001', 'act_00000001'), {
    code: 'APPLIANCE_UNREACHABLE',
    message: /without a valid "activationId"/,
  });
  const same = await client.validate('lic_0000000000000001', 'act_00000002');
  t.like(same, { valid: true, status: 'active', licenseRevoked: false });
});

test('connection options a programmer got wrong are TypeErrors', (t) => {
  const bad: unknown[] = [
    { url: 'ftp://airlock', token: 't' },
    { url: 'not a url', token: 't' },
    { url: 'https://user:pw@airlock', token: 't' },
    { url: 'https://airlock?x=1', token: 't' },
    { url: 'https://airlock', token: '' },
    { url: 'https://airlock', token: 'two words' },
    { url: 'https://airlock', token: 'a\r\nX-Evil: 1' },
    { url: 'https://airlock', token: 't', timeoutMs: 0 },
    { url: 'https://airlock', token: 't', timeoutMs: 1.5 },
    null,
    'https://airlock',
  ];
  for (const options of bad) {
    t.throws(() => createApplianceClient(options as never), { instanceOf: TypeError });
  }
  t.is(
    createApplianceClient({ url: 'https://a.example/', token: 't' }).url,
    'https://a.example/api/v1',
  );
  t.is(
    createApplianceClient({ url: 'https://a.example/airlock/api/v1/', token: 't' }).url,
    'https://a.example/airlock/api/v1',
  );
});

test('the online methods need the online option', async (t) => {
  const s = await setup(t);
  const client = createNodeClient({
    storeDir: await tempDir(t),
    trust: s.identity.trust,
    env: { AIRLOCK_MACHINE_ID: 'plain' },
    clock: () => NOW,
  });
  await t.throwsAsync(client.activate(s.key), { instanceOf: TypeError });
  await t.throwsAsync(client.revalidate(), { instanceOf: TypeError });
});

test('an answer from another appliance than the one that granted the activation is refused', async (t) => {
  const granted = await setup(t);
  const other = await setup(t);
  const elsewhere = await machine(t, other, 'elsewhere');
  t.is((await elsewhere.activate(other.key)).mode, 'online'); // act_00000001 there too
  const apl = (s: Setup) => `apl_${toHex(s.identity.applianceId)}`;
  const client = createApplianceClient({ url: other.url, token: other.tokens.operator });
  await t.throwsAsync(client.validate(other.licenseId, 'act_00000001', apl(granted)), {
    code: 'APPLIANCE_UNREACHABLE',
    message: /applianceId/,
  });
  const right = await client.validate(other.licenseId, 'act_00000001', apl(other));
  t.true(right.valid);
});
