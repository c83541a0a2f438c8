// Readiness of `airlock serve` on a PostgreSQL ledger, on a throwaway cluster stopped and started:
// ready names the ledger and its database; with the database gone, ready is 503 LEDGER_UNAVAILABLE
// naming host:port/database (never the password) while health still answers; ready again once
// the database is back. A file ledger's ready says so.

import test from 'ava';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { databaseOf } from '../helpers/postgres.ts';
import { serve, site } from './helpers.ts';

const cluster = clusterForFile();

const PASSWORD = 'pa55-word-never-shown';

async function get(url: string): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), text };
}

/** Asks until `done` holds (or ten seconds pass); returns the last answer. */
async function until(
  url: string,
  done: (answer: { status: number }) => boolean,
): Promise<{ status: number; json: any; text: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await get(url);
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test.serial(
  'ready reports the ledger database, 503 LEDGER_UNAVAILABLE while it is down, ready again after',
  async (t) => {
    // Trust authentication takes any password: the URL carries one, which nothing may show.
    const plain = await cluster().createDatabase();
    const url = plain.replace('postgres@', `postgres:${PASSWORD}@`);
    const database = `127.0.0.1:${cluster().port}/${databaseOf(plain)}`;
    const s = await site(t, 1, { ledger: url });
    const node = await serve(t, s.dir);

    const ready = await get(`${node.url}/ready`);
    t.is(ready.status, 200, ready.text);
    t.like(ready.json, { status: 'ready', ledger: { kind: 'postgres', database } });

    await cluster().stop('fast');
    try {
      const down = await until(`${node.url}/ready`, (a) => a.status === 503);
      t.is(down.status, 503, down.text);
      t.like(down.json, { status: 'not_ready', code: 'LEDGER_UNAVAILABLE' });
      t.true(
        down.json.message.includes(`The ledger database at ${database} cannot be reached`),
        down.json.message,
      );
      t.log(down.json.message);
      t.false(down.text.includes(PASSWORD));
      t.false(node.output.stdout.includes(PASSWORD) || node.output.stderr.includes(PASSWORD));
      // The process answers all the same.
      const health = await get(`${node.url}/health`);
      t.is(health.status, 200);
      t.deepEqual(health.json, { status: 'ok' });
    } finally {
      await cluster().start();
    }
    const back = await until(`${node.url}/ready`, (a) => a.status === 200);
    t.is(back.status, 200, back.text);
    t.like(back.json, { status: 'ready', ledger: { kind: 'postgres', database } });
  },
);

test.serial('a file ledger’s ready says so, without a database', async (t) => {
  const s = await site(t, 1);
  const node = await serve(t, s.dir);
  const ready = await get(`${node.url}/ready`);
  t.is(ready.status, 200);
  t.deepEqual(ready.json.ledger, { kind: 'file' });
});
