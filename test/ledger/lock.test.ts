// One writer per data directory (src/ledger/lock.ts), checked with real second processes: a live
// holder is named in LEDGER_LOCKED, a dead or unreadable one is taken over.

import test from 'ava';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../../src/core/errors.ts';
import { acquireLock } from '../../src/ledger/lock.ts';
import { finished, scratch, spawnScript } from './helpers.ts';

/** The pid of a process that has exited (so is surely not running now). */
async function deadPid(): Promise<number> {
  const child = spawnScript('child-lock.ts', ['/nonexistent/directory']);
  const pid = child.pid!;
  await finished(child);
  return pid;
}

test('the lock file names its holder, and release removes it', async (t) => {
  const dir = await scratch();
  const since = new Date('2027-01-15T10:00:00Z');
  const lock = await acquireLock(dir, { purpose: 'appliance server', now: since });
  t.deepEqual(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')), {
    pid: process.pid,
    host: hostname(),
    purpose: 'appliance server',
    since: since.toISOString(),
  });
  t.deepEqual(lock.holder.pid, process.pid);
  await lock.release();
  await t.throwsAsync(stat(join(dir, 'LOCK')), { code: 'ENOENT' });
  const again = await acquireLock(dir, { purpose: 'again' });
  await again.release();
});

test('a second process gets LEDGER_LOCKED naming the holder, and the lock after release', async (t) => {
  const dir = await scratch();
  const lock = await acquireLock(dir, { purpose: 'appliance server' });
  const refused = await finished(spawnScript('child-lock.ts', [dir]));
  t.is(refused.code, 1, refused.stderr);
  const error = JSON.parse(refused.stdout);
  t.is(error.code, 'LEDGER_LOCKED');
  t.true(
    error.message.startsWith(
      `The ledger in ${dir} is in use by process ${process.pid} on ${hostname()} (appliance server, since `,
    ),
    error.message,
  );
  t.regex(error.message, /Stop it first/);
  t.like(error.details, { pid: process.pid, host: hostname(), purpose: 'appliance server' });

  await lock.release();
  const child = spawnScript('child-lock.ts', [dir]);
  const done = finished(child);
  // Wait for the child to say it holds the lock, then try to take it here.
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  const here = await t.throwsAsync(acquireLock(dir, { purpose: 'parent' }), {
    instanceOf: AirlockError,
  });
  t.is(here?.code, 'LEDGER_LOCKED');
  t.is(here?.details['pid'], child.pid);
  t.regex(here!.message, new RegExp(`process ${child.pid} .*lock test child`));
  child.stdin!.end();
  t.is((await done).code, 0);
  await (await acquireLock(dir, { purpose: 'parent' })).release();
});

test('the same process cannot take the lock twice', async (t) => {
  const dir = await scratch();
  const lock = await acquireLock(dir, { purpose: 'first' });
  await t.throwsAsync(acquireLock(dir, { purpose: 'second' }), { code: 'LEDGER_LOCKED' });
  await lock.release();
});

test('a lock left by a dead process is taken over', async (t) => {
  const dir = await scratch();
  const pid = await deadPid();
  const stale = {
    pid,
    host: hostname(),
    purpose: 'crashed server',
    since: '2027-01-01T00:00:00.000Z',
  };
  await writeFile(join(dir, 'LOCK'), JSON.stringify(stale));
  const lock = await acquireLock(dir, { purpose: 'restarted server' });
  t.is(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')).pid, process.pid);
  await lock.release();
});

test('an empty or damaged lock file (a crash while writing it) is taken over', async (t) => {
  for (const content of ['', '{"pid":', 'null', '{"pid":"12"}', 'x'.repeat(10_000)]) {
    const dir = await scratch();
    await writeFile(join(dir, 'LOCK'), content);
    const lock = await acquireLock(dir, { purpose: 'server' });
    t.is(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')).pid, process.pid);
    await lock.release();
  }
});

test('a holder on another host counts as alive', async (t) => {
  const dir = await scratch();
  const other = {
    pid: 1,
    host: `not-${hostname()}`,
    purpose: 'server',
    since: '2027-01-01T00:00:00.000Z',
  };
  await writeFile(join(dir, 'LOCK'), JSON.stringify(other));
  await t.throwsAsync(acquireLock(dir, { purpose: 'server' }), {
    code: 'LEDGER_LOCKED',
    message: new RegExp(`process 1 on not-${hostname()}`),
  });
});

test('release leaves a lock that is no longer ours alone', async (t) => {
  const dir = await scratch();
  const lock = await acquireLock(dir, { purpose: 'server' });
  const replaced = JSON.stringify({ pid: 1, host: 'elsewhere', purpose: 'x', since: 'y' });
  await writeFile(join(dir, 'LOCK'), replaced);
  await lock.release();
  t.is(await readFile(join(dir, 'LOCK'), 'utf8'), replaced);
});

test('a missing directory is FILE_NOT_FOUND, and misuse a TypeError', async (t) => {
  await t.throwsAsync(acquireLock('/nonexistent/airlock', { purpose: 'server' }), {
    code: 'FILE_NOT_FOUND',
  });
  await t.throwsAsync(acquireLock(await scratch(), { purpose: '' }), { instanceOf: TypeError });
});
