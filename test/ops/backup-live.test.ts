// `airlock backup` while `airlock serve` takes activations over HTTP, then `airlock restore` into a
// new directory: the restored appliance opens, verifies and answers, and its ledger is a prefix of
// the live one that holds every activation acknowledged before the backup began, followed by the
// restore's record; its next activation ID is past every one the live appliance gave. Real processes.

import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { openAppliance } from '../../src/appliance/service.ts';
import { allRecords } from '../../src/ledger/index.ts';
import { run } from '../cli/helpers.ts';
import { activate, challengeOf, serve, site } from '../serve/helpers.ts';

const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

async function records(dataDir: string) {
  const all = [];
  for await (const record of allRecords(join(dataDir, 'ledger'))) all.push(record);
  return all;
}

test('a backup taken while serve answers activations restores into an appliance that opens, verifies and answers, with every activation acknowledged before it', async (t) => {
  const s = await site(t, 0);
  const server = await serve(t, s.dir);
  const acknowledged: string[] = [];
  let ackedBeforeBackup: string[] | null = null;
  let backupDone = false;
  const deadline = Date.now() + 60_000;
  let sent = 0;
  // Eight workers, each at most 150 requests, all stopping 60 s in at the latest, or once the
  // backup has finished and 20 more activations came after it.
  let afterBackup = 0;
  const worker = async (w: number) => {
    for (let i = 0; i < 150 && Date.now() < deadline; i++) {
      if (backupDone && afterBackup >= 20) return;
      sent++;
      const r = await activate(server.url, s.token, challengeOf(s, `load-${w}-${i}`));
      t.is(r.status, 200, JSON.stringify(r.json));
      acknowledged.push(r.json.activationId);
      if (backupDone) afterBackup++;
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
  while (acknowledged.length < 40 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  ackedBeforeBackup = [...acknowledged];
  const out = join(s.dir, '..', `${s.dir.split('/').at(-1)}-backup.tar`);
  t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(out, { force: true })));
  const backup = await run(['backup', '--data', s.dir, '--out', out, '--json'], { cwd: s.dir });
  backupDone = true;
  t.is(backup.exitCode, 0, backup.stdout + backup.stderr);
  const backedUp = JSON.parse(backup.stdout);
  await load;
  t.true(sent <= 8 * 150);
  server.child.kill('SIGTERM');
  t.is((await server.exited).code, 0);
  t.true(afterBackup > 0, 'activations went on after the backup');

  t.is((await stat(out)).mode & 0o777, 0o600);
  const listed = await new Promise<string>((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile('tar', ['-tf', out], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
  });
  t.true(listed.split('\n').includes('airlock-backup.json'));
  t.true(listed.split('\n').includes('appliance.key'));
  t.true(listed.split('\n').includes('ledger/journal/0000000001.jsonl'));

  const target = join(s.dir, '..', `${s.dir.split('/').at(-1)}-restored`);
  t.teardown(() =>
    import('node:fs/promises').then((fs) => fs.rm(target, { recursive: true, force: true })),
  );
  const restored = await run(['restore', '--from', out, '--data', target, '--json'], {
    cwd: s.dir,
  });
  t.is(restored.exitCode, 0, restored.stdout + restored.stderr);
  t.is(JSON.parse(restored.stdout).ledger.seq, backedUp.ledger.seq);

  // A prefix of the live ledger (the live one goes on after it), then the restore's own record.
  const live = await records(s.dir);
  const copy = await records(target);
  t.true(backedUp.ledger.seq < live.length);
  t.is(copy.length, backedUp.ledger.seq + 1);
  t.deepEqual(copy.slice(0, -1), live.slice(0, backedUp.ledger.seq));
  t.is(copy.at(-1)!.type, 'appliance.restored');

  // Every activation acknowledged before the backup started is in the restored appliance.
  const open = await openAppliance(target, { clock: now, random, purpose: 'test check' });
  try {
    t.true((await open.ledger.verify()).ok);
    const held = new Set(open.appliance.activations().map((a) => a.activationId));
    t.deepEqual(
      ackedBeforeBackup.filter((id) => !held.has(id)),
      [],
    );
  } finally {
    await open.close();
  }
  // Private files stay private.
  for (const file of ['appliance.key', 'secret.key', 'tokens.json', 'vendor/root.key']) {
    t.is((await stat(join(target, file))).mode & 0o777, 0o600, file);
  }
  t.is(
    await readFile(join(target, 'appliance.key'), 'utf8'),
    await readFile(join(s.dir, 'appliance.key'), 'utf8'),
  );

  // The restored appliance serves and answers.
  const again = await serve(t, target);
  t.is((await fetch(`${again.url}/health`)).status, 200);
  const after = await activate(again.url, s.token, challengeOf(s, 'after-restore'));
  t.is(after.status, 200);
  // Its activation ID is none the live appliance gave after the backup.
  const id = (text: string) => Number.parseInt(text.slice(4), 16);
  t.true(acknowledged.every((issued) => id(after.json.activationId) > id(issued)));
  again.child.kill('SIGTERM');
  t.is((await again.exited).code, 0);
});
