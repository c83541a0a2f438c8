// The backup's rules on real files: what is copied and left out, a torn journal tail left out and
// damage before it refused, files changing during the copy (copied again, or BACKUP_CHANGING),
// progress, and the ustar headers it writes.

import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { createToken } from '../../src/appliance/tokens.ts';
import { classifyEntry, createBackup } from '../../src/ops/backup.ts';
import { parseManifest } from '../../src/ops/backup-manifest.ts';
import { restoreBackup } from '../../src/ops/restore.ts';
import { decodeHeader, encodeHeader, isSafeName } from '../../src/ops/ustar.ts';

const NOW = 1_799_971_200;
const restoring = { now: NOW + 3600, airlockVersion: '0.2.0' };
const options = { now: NOW, airlockVersion: '0.1.0' };
const random = (n: number) => new Uint8Array(n).map(() => Math.floor(Math.random() * 256));

/** A data directory whose ledger holds `records` audit records, in a temporary directory. */
async function appliance(
  t: ExecutionContext,
  records = 3,
): Promise<{ root: string; data: string }> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-backup-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  await initApplianceDir(data, { now: NOW });
  const open = await openAppliance(data, { clock: () => NOW, random, purpose: 'test' });
  for (let i = 0; i < records; i++)
    await open.appliance.audit({ action: `test ${i}`, result: 'ok' });
  await open.close();
  return { root, data };
}

const segment = (data: string) => join(data, 'ledger', 'journal', '0000000001.jsonl');

test('locks, temp files of interrupted writes and stale locks are left out; the rest is copied', (t) => {
  t.is(classifyEntry('appliance.key'), 'file');
  t.is(classifyEntry('vendor/root.key'), 'file');
  t.is(classifyEntry('airlock.toml'), 'file');
  t.is(classifyEntry('ledger/LOCK'), 'leave');
  t.is(classifyEntry('vendor/LOCK'), 'leave');
  t.is(classifyEntry('ledger/LOCK.1a2b3c.stale'), 'leave');
  t.is(classifyEntry('.appliance.json.1a2b3c4d5e6f.tmp'), 'leave');
  t.is(classifyEntry('ledger/journal/.probe'), 'leave');
  t.is(classifyEntry('ledger/journal/0000000001.jsonl'), 'journal');
  t.is(classifyEntry('ledger/snapshot.json'), 'snapshot');
});

test('a backup holds every file of the data directory, with the manifest naming the ledger head', async (t) => {
  const { root, data } = await appliance(t);
  await createToken(data, { role: 'admin', label: 'ops', now: NOW });
  await writeFile(join(data, 'airlock.toml'), 'port = 8443\n');
  await writeFile(join(data, '.tokens.json.0123456789ab.tmp'), 'half');
  await writeFile(join(data, 'odd name.txt'), 'not ours');
  const progress: [number, number][] = [];
  const result = await createBackup(data, {
    ...options,
    out: join(root, 'b.tar'),
    onProgress: (done, total) => progress.push([done, total]),
  });
  const paths = result.manifest.files.map((f) => f.path);
  t.deepEqual(
    paths,
    [
      'airlock.toml',
      'appliance.cert',
      'appliance.json',
      'appliance.key',
      'secret.key',
      'tokens.json',
      'trust.json',
      'vendor/root.key',
      'vendor/root.pub.pem',
      'vendor/trust.json',
      'ledger/journal/0000000001.jsonl',
      'ledger/snapshot.json',
    ].filter((p) => p !== 'users.json'),
  );
  t.deepEqual(result.leftOut, ['odd name.txt']);
  t.like(result.manifest, { dataFormat: 2, ledger: { records: 3, seq: 3, snapshotSeq: 3 } });
  t.deepEqual(result.manifest.files.find((f) => f.path === 'appliance.key')?.mode, '0600');
  // Progress only grows and ends at the total.
  t.true(progress.every(([done], i) => i === 0 || done >= progress[i - 1]![0]));
  const [done, total] = progress.at(-1)!;
  t.is(done, total);
  // The manifest read back from the archive is the one returned.
  const archive = await readFile(join(root, 'b.tar'));
  const text = archive.toString('latin1');
  const at = text.lastIndexOf('{\n  "format": "airlock-backup/v1"');
  const end = text.indexOf('\n}\n', at) + 3;
  t.deepEqual(parseManifest(archive.subarray(at, end)), result.manifest);
});

test('a torn last record (a write in flight) is left out; the backup ends at the last whole one', async (t) => {
  const { root, data } = await appliance(t, 5);
  await appendFile(segment(data), '{"seq":6,"prev":"ab12');
  const result = await createBackup(data, { ...options, out: join(root, 'b.tar') });
  t.like(result.manifest.ledger, { records: 5, seq: 5 });
  await restoreBackup(join(root, 'b.tar'), join(root, 'restored'), restoring);
  const restored = await readFile(segment(join(root, 'restored')), 'utf8');
  t.true(restored.endsWith('}\n'));
  const lines = restored.split('\n');
  t.is(lines.length, 7); // the five whole records, the restore's own, and the end
  t.like(JSON.parse(lines[5]!), {
    seq: 6,
    type: 'appliance.restored',
    data: { backup: { seq: 5 } },
  });
});

test('a damaged record before the last one refuses the backup with LEDGER_CORRUPT', async (t) => {
  const { root, data } = await appliance(t, 5);
  const lines = (await readFile(segment(data), 'utf8')).split('\n');
  lines[1] = lines[1]!.replace('test 1', 'test X');
  await writeFile(segment(data), lines.join('\n'));
  await t.throwsAsync(createBackup(data, { ...options, out: join(root, 'b.tar') }), {
    code: 'LEDGER_CORRUPT',
  } as never);
  t.deepEqual((await readdir(root)).sort(), ['data']);
});

test('a file that changes during the copy makes the backup start again; one that keeps changing gives BACKUP_CHANGING', async (t) => {
  const { root, data } = await appliance(t);
  const once = await createBackup(data, {
    ...options,
    out: join(root, 'once.tar'),
    beforeCheck: async (attempt) => {
      if (attempt === 1) await createToken(data, { role: 'operator', label: 'new', now: NOW });
    },
  });
  t.is(once.attempts, 2);
  t.true(once.manifest.files.some((f) => f.path === 'tokens.json'));

  await t.throwsAsync(
    createBackup(data, {
      ...options,
      out: join(root, 'never.tar'),
      beforeCheck: async () => {
        await createToken(data, { role: 'operator', label: 'again', now: NOW });
      },
    }),
    { code: 'BACKUP_CHANGING' } as never,
  );
  t.false(
    (await readdir(root)).some((name) => name.startsWith('.never.tar') || name === 'never.tar'),
  );
});

test('ustar headers: what is written reads back; unsafe names are refused both ways', (t) => {
  const header = { name: 'ledger/journal/0000000001.jsonl', size: 12345, mode: 0o600, mtime: NOW };
  t.deepEqual(decodeHeader(encodeHeader(header)), { kind: 'file', header });
  t.deepEqual(decodeHeader(new Uint8Array(512)), { kind: 'end' });
  t.like(decodeHeader(new Uint8Array(100)), { kind: 'bad' });
  for (const name of ['a', 'tls/key.pem', 'retired/key_0a1b2c3d.key', 'x'.repeat(100)]) {
    t.true(isSafeName(name), name);
  }
  for (const name of [
    '',
    '/etc/passwd',
    '../x',
    'a/../b',
    './a',
    'a//b',
    'a/',
    '.hidden',
    'a b',
    'é',
    'x'.repeat(101),
    'a/b/c/d/e/f/g/h/i',
  ]) {
    t.false(isSafeName(name), name);
    t.throws(() => encodeHeader({ ...header, name }), { instanceOf: TypeError });
  }
});
