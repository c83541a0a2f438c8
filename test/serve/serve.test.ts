// `airlock serve` as a process: the first start of `npm start`, seats decided atomically on the
// file ledger under 200 concurrent requests, SIGTERM that answers what is in flight, SIGKILL that
// loses nothing acknowledged, a torn journal tail cut on the next start, and the writer's lock.

import { spawn } from 'node:child_process';
import { appendFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { openAppliance } from '../../src/appliance/service.ts';
import { activate, challengeOf, serve, site } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

/** The data directory's state as a fresh process sees it, and whether its ledger verifies. */
async function reopen(dir: string) {
  const open = await openAppliance(dir, { clock: now, random, purpose: 'test check' });
  try {
    const verified = await open.ledger.verify();
    return {
      activations: open.appliance.activations(),
      licenses: open.appliance.licenses(),
      /** Records of the audit trail (the refusals), beside the licenses' and activations'. */
      audited: open.appliance.state.auditEvents,
      verified,
    };
  } finally {
    await open.close();
  }
}

test('first start (npm start): a demo appliance, its TLS certificate and an admin token are made and printed; SIGTERM stops it cleanly', async (t) => {
  const s = await site(t, 1); // only for a temporary directory
  const dir = join(s.dir, 'fresh');
  const first = await serve(t, dir, ['--init', '--http']);
  const token = /Admin API token \(shown once, keep it\): (alt_\S+)/.exec(first.output.stdout)?.[1];
  t.truthy(token, first.output.stdout);
  t.regex(first.output.stdout, /serving http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
  // Served over plain HTTP on loopback, but the certificate for HTTPS is made and shown already.
  t.regex(first.output.stdout, /\/tls\/cert\.pem, for localhost, 127\.0\.0\.1, ::1, valid until /);
  t.regex(first.output.stdout, /SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
  const health = await fetch(`${first.url}/health`);
  t.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${first.url}/ready`);
  t.is(ready.status, 200);
  const licenses = await fetch(`${first.url}/licenses`, {
    headers: { authorization: `Bearer ${token}` },
  });
  t.deepEqual(await licenses.json(), { licenses: [] });
  first.child.kill('SIGTERM');
  t.deepEqual(await first.exited, { code: 0, signal: null });
  t.regex(first.output.stdout, /Stopped \(SIGTERM\)/);

  // The second start keeps the data directory and prints no new token.
  const second = await serve(t, dir, ['--init', '--http']);
  t.notRegex(second.output.stdout, /Admin API token/);
  second.child.kill('SIGINT');
  t.is((await second.exited).code, 0);
});

test('200 concurrent activations against a 10-seat license on the file ledger give exactly 10', async (t) => {
  const s = await site(t, 10);
  const server = await serve(t, s.dir);
  const challenges = Array.from({ length: 200 }, (_, i) => challengeOf(s, `race-${i}`));
  const results = await Promise.all(challenges.map((c) => activate(server.url, s.token, c)));
  const granted = results.filter((r) => r.status === 200);
  t.is(granted.length, 10);
  t.true(results.every((r) => r.status === 200 || r.json.error.code === 'SEATS_EXHAUSTED'));
  t.is(new Set(granted.map((r) => r.json.activationId)).size, 10);

  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
  const after = await reopen(s.dir);
  t.is(after.activations.filter((a) => a.status === 'active').length, 10);
  t.is(after.licenses[0]!.seatsUsed, 10);
  t.true(after.verified.ok);
  // The license, then 10 activations; and the 190 refusals in the audit trail (60 a minute one by
  // one, the rest counted) with the alert so many refusals raise.
  t.is(after.verified.records - after.audited, 11);
  t.true(after.audited >= 60);
});

test('SIGKILL in the middle of a load loses no acknowledged activation, and the ledger verifies after restart', async (t) => {
  const s = await site(t, 0);
  const server = await serve(t, s.dir);
  const acknowledged: string[] = [];
  let killed = false;
  const worker = async (w: number) => {
    for (let i = 0; i < 100 && !killed; i++) {
      try {
        const r = await activate(server.url, s.token, challengeOf(s, `load-${w}-${i}`));
        if (r.status === 200) acknowledged.push(r.json.activationId);
        if (acknowledged.length >= 150 && !killed) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      } catch {
        return; // the connection died with the server
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  t.is((await server.exited).signal, 'SIGKILL');
  t.true(acknowledged.length >= 150);

  const after = await reopen(s.dir);
  t.true(after.verified.ok, JSON.stringify(after.verified.firstBad));
  const held = new Set(
    after.activations.filter((a) => a.status === 'active').map((a) => a.activationId),
  );
  t.deepEqual(
    acknowledged.filter((id) => !held.has(id)),
    [],
    'every acknowledged activation is in the ledger',
  );

  // The appliance starts again on it and keeps answering.
  const again = await serve(t, s.dir);
  t.is((await activate(again.url, s.token, challengeOf(s, 'after'))).status, 200);
  again.child.kill('SIGTERM');
  t.is((await again.exited).code, 0);
});

test('SIGTERM while requests are in flight: each answered one is durable, none gets a 500', async (t) => {
  const s = await site(t, 0);
  const server = await serve(t, s.dir);
  await activate(server.url, s.token, challengeOf(s, 'warm-up'));
  const inFlight = Array.from({ length: 40 }, (_, i) =>
    activate(server.url, s.token, challengeOf(s, `flight-${i}`)).catch(() => null),
  );
  server.child.kill('SIGTERM');
  const results = await Promise.all(inFlight);
  t.is((await server.exited).code, 0);
  t.false(results.some((r) => r !== null && r.status >= 500));
  const answered = results.filter((r) => r?.status === 200).map((r) => r!.json.activationId);
  const after = await reopen(s.dir);
  const held = new Set(after.activations.map((a) => a.activationId));
  t.deepEqual(
    answered.filter((id) => !held.has(id)),
    [],
  );
  t.true(after.verified.ok);
});

test('a torn record at the end of the journal is cut on the next start, said in the log, and the ledger verifies', async (t) => {
  const s = await site(t, 5);
  const journal = join(s.dir, 'ledger', 'journal');
  const [segment] = (await readdir(journal)).sort().reverse();
  await appendFile(join(journal, segment!), '{"seq":2,"prev":"ab12');
  const server = await serve(t, s.dir);
  const r = await activate(server.url, s.token, challengeOf(s, 'after-crash'));
  t.is(r.status, 200);
  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
  t.regex(server.output.stderr, /cut an unfinished record/);
  const after = await reopen(s.dir);
  t.true(after.verified.ok);
  t.is(after.verified.records, 2);
});

test('while the server runs, a command that writes the ledger is refused with LEDGER_LOCKED naming it', async (t) => {
  const s = await site(t, 5);
  const server = await serve(t, s.dir);
  const result = await new Promise<{ code: number | null; stdout: string }>((done) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/airlock.js'), 'license', 'add', s.key, '--data', s.dir, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (x: string) => (stdout += x));
    child.on('close', (code) => done({ code, stdout }));
  });
  t.is(result.code, 8);
  const { error } = JSON.parse(result.stdout);
  t.is(error.code, 'LEDGER_LOCKED');
  t.regex(error.message, /airlock serve/);
  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
});
