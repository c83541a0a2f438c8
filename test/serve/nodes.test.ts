// Three `airlock serve` nodes of one appliance on one PostgreSQL ledger (issue: several nodes,
// one database): 300 concurrent activations spread across them against a 25-seat license give
// exactly 25; the same machine through two nodes gets one activation; killing a node mid-load
// loses nothing acknowledged; a database restart mid-load is survived. Serial: they share one
// cluster, and one of them restarts it.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { joinApplianceDir } from '../../src/appliance/node-join.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { activate, challengeOf, serve, type Served, type Site, site } from './helpers.ts';

const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

const cluster = clusterForFile();

/** A site whose ledger is a new database, and `count` serving nodes of its appliance. */
async function nodes(
  t: ExecutionContext,
  seats: number,
  count: number,
): Promise<{ s: Site; url: string; served: Served[] }> {
  const url = await cluster().createDatabase();
  const s = await site(t, seats, { ledger: url });
  const dirs = [s.dir];
  for (let i = 1; i < count; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-node-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await rm(dir, { recursive: true });
    await joinApplianceDir(dir, { from: s.dir, now: now() });
    dirs.push(dir);
  }
  const served = await Promise.all(dirs.map((dir) => serve(t, dir)));
  return { s, url, served };
}

/** The appliance's state as a fresh reader of the database sees it. */
async function reopen(s: Site, url: string) {
  const open = await openAppliance(s.dir, {
    clock: now,
    random,
    purpose: 'test check',
    ledger: url,
  });
  try {
    return {
      active: open.appliance.activations().filter((a) => a.status === 'active'),
      verified: await open.ledger.verify(),
    };
  } finally {
    await open.close();
  }
}

test.serial(
  '300 concurrent activations across three nodes take exactly the 25 seats there are',
  async (t) => {
    const { s, url, served } = await nodes(t, 25, 3);
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        activate(served[i % 3]!.url, s.token, challengeOf(s, `machine-${i}`)),
      ),
    );
    const granted = answers.filter((a) => a.status === 200);
    t.is(granted.length, 25);
    t.true(
      answers
        .filter((a) => a.status !== 200)
        .every((a) => a.json.error?.code === 'SEATS_EXHAUSTED'),
      JSON.stringify(
        answers.find((a) => a.status !== 200 && a.json.error?.code !== 'SEATS_EXHAUSTED'),
      ),
    );
    t.is(new Set(granted.map((a) => a.json.activationId)).size, 25, 'no activation ID twice');
    // Every node tells the same count.
    for (const node of served) {
      const res = await fetch(`${node.url}/licenses/${s.licenseId}`, {
        headers: { authorization: `Bearer ${s.token}` },
      });
      t.like(await res.json(), { seatsUsed: 25 });
    }
    // A machine that holds a seat asks again through two other nodes at once: one activation.
    const holder = answers.findIndex((a) => a.status === 200);
    const again = challengeOf(s, `machine-${holder}`);
    const [a, b] = await Promise.all([
      activate(served[(holder + 1) % 3]!.url, s.token, again),
      activate(served[(holder + 2) % 3]!.url, s.token, again),
    ]);
    t.is(a.status, 200, JSON.stringify(a.json));
    t.is(b.status, 200, JSON.stringify(b.json));
    t.is(a.json.activationId, answers[holder]!.json.activationId);
    t.is(b.json.activationId, answers[holder]!.json.activationId);
    t.true(a.json.renewal && b.json.renewal);
    const after = await reopen(s, url);
    t.is(after.active.length, 25);
    t.true(after.verified.ok);
  },
);

test.serial(
  'killing one node mid-load loses no activation it acknowledged; the others go on',
  async (t) => {
    const { s, url, served } = await nodes(t, 0, 3);
    const acknowledged: string[] = [];
    let killed = false;
    const worker = async (w: number) => {
      const node = served[w % 3]!;
      for (let i = 0; i < 40; i++) {
        if (node === served[0] && killed) return;
        try {
          const r = await activate(node.url, s.token, challengeOf(s, `load-${w}-${i}`));
          if (r.status === 200) acknowledged.push(r.json.activationId);
          if (acknowledged.length >= 60 && !killed) {
            killed = true;
            served[0]!.child.kill('SIGKILL');
          }
        } catch {
          if (node === served[0]) return; // the connection died with the node
          throw new Error('a surviving node failed');
        }
      }
    };
    await Promise.all(Array.from({ length: 9 }, (_, w) => worker(w)));
    t.is((await served[0]!.exited).signal, 'SIGKILL');
    const after = await reopen(s, url);
    t.true(after.verified.ok);
    const held = new Set(after.active.map((a) => a.activationId));
    t.deepEqual(
      acknowledged.filter((id) => !held.has(id)),
      [],
    );
    t.true(acknowledged.length > 150, `the surviving nodes went on (${acknowledged.length})`);
  },
);

test.serial(
  'a database restart mid-load: refusals while it is down, then activations resume',
  async (t) => {
    const { s, url, served } = await nodes(t, 0, 2);
    const acknowledged: string[] = [];
    const refused = new Map<string, number>();
    let restarted = false;
    const worker = async (w: number) => {
      const node = served[w % 2]!;
      const deadline = Date.now() + 60_000;
      for (let i = 0; i < 60 && Date.now() < deadline; i++) {
        const r = await activate(node.url, s.token, challengeOf(s, `db-${w}-${i}`));
        if (r.status === 200) acknowledged.push(r.json.activationId);
        else refused.set(r.json.error?.code, (refused.get(r.json.error?.code) ?? 0) + 1);
        if (r.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, (_, w) => worker(w)));
    while (acknowledged.length < 40) await new Promise((resolve) => setTimeout(resolve, 20));
    await cluster().stop('fast');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const duringOutage = acknowledged.length;
    await cluster().start();
    restarted = true;
    await load;
    t.true(restarted);
    t.deepEqual(
      [...refused.keys()].filter((code) => code !== 'LEDGER_UNAVAILABLE'),
      [],
      'only LEDGER_UNAVAILABLE while the database is down',
    );
    t.true(acknowledged.length > duringOutage, 'activations resumed after the restart');
    const after = await reopen(s, url);
    t.true(after.verified.ok);
    const held = new Set(after.active.map((a) => a.activationId));
    t.deepEqual(
      acknowledged.filter((id) => !held.has(id)),
      [],
    );
  },
);
