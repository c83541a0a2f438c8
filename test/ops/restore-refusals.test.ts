// `airlock restore` refuses damaged and crafted archives with a coded error before it creates the
// target: a changed byte, a `../` or absolute name, a link, a cut-short file, a header claiming
// gigabytes; and a target that is not empty or is in use. Nothing is left behind beside it.

import { hostname } from 'node:os';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { createBackup } from '../../src/ops/backup.ts';
import { restoreBackup } from '../../src/ops/restore.ts';
import { BLOCK } from '../../src/ops/ustar.ts';
import { run } from '../cli/helpers.ts';

const NOW = 1_799_971_200;
const restoring = { now: NOW + 3600, airlockVersion: '0.2.0' };

/** A fresh appliance and its backup's bytes, in a temporary directory. */
async function backedUp(t: ExecutionContext): Promise<{ root: string; bytes: Buffer }> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-restore-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await initApplianceDir(join(root, 'data'), { now: NOW });
  await createBackup(join(root, 'data'), {
    out: join(root, 'backup.tar'),
    now: NOW,
    airlockVersion: '0.1.0',
  });
  return { root, bytes: await readFile(join(root, 'backup.tar')) };
}

/** Rewrites a header's bytes and gives it a valid checksum again, as a crafted archive would. */
function rewriteHeader(archive: Buffer, at: number, edits: Record<number, string>): Buffer {
  const copy = Buffer.from(archive);
  for (const [offset, text] of Object.entries(edits)) {
    copy.write(text, at + Number(offset), 'latin1');
  }
  copy.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += copy[at + i]!;
  copy.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
  return copy;
}

const padded = (name: string, width: number) => name.padEnd(width, '\0');

const TAMPERED: readonly {
  title: string;
  code: string;
  make: (archive: Buffer) => Buffer;
}[] = [
  {
    title: 'one byte of a file changed',
    code: 'BACKUP_MISMATCH',
    make: (a) => {
      const copy = Buffer.from(a);
      copy[BLOCK + 20] = copy[BLOCK + 20]! ^ 0x01; // inside the first file’s bytes
      return copy;
    },
  },
  {
    title: 'one byte of a header changed',
    code: 'BACKUP_INVALID',
    make: (a) => {
      const copy = Buffer.from(a);
      copy[3] = copy[3]! ^ 0x01;
      return copy;
    },
  },
  {
    title: 'an entry named ../x',
    code: 'BACKUP_INVALID',
    make: (a) => rewriteHeader(a, 0, { 0: padded('../escaped', 100) }),
  },
  {
    title: 'an absolute name',
    code: 'BACKUP_INVALID',
    make: (a) => rewriteHeader(a, 0, { 0: padded('/etc/airlock-test', 100) }),
  },
  {
    title: 'a symbolic link',
    code: 'BACKUP_INVALID',
    make: (a) => rewriteHeader(a, 0, { 156: '2', 157: padded('/etc/passwd', 100) }),
  },
  {
    title: 'a header claiming 8 GiB',
    code: 'BACKUP_INVALID',
    make: (a) => rewriteHeader(a, 0, { 124: '77777777777\0' }),
  },
  {
    title: 'a header whose size is not octal',
    code: 'BACKUP_INVALID',
    make: (a) => rewriteHeader(a, 0, { 124: '0000000009x\0' }),
  },
  {
    title: 'the archive cut in half',
    code: 'BACKUP_INVALID',
    make: (a) => a.subarray(0, Math.floor(a.length / 2)),
  },
  {
    title: 'the archive without its end blocks',
    code: 'BACKUP_INVALID',
    make: (a) => a.subarray(0, a.length - 2 * BLOCK),
  },
  {
    title: 'bytes that are no archive',
    code: 'BACKUP_INVALID',
    make: (a) => Buffer.alloc(a.length, 0x41),
  },
];

for (const { title, code, make } of TAMPERED) {
  test(`restore refuses a backup with ${title} (${code}) and creates no target`, async (t) => {
    const { root, bytes } = await backedUp(t);
    await writeFile(join(root, 'bad.tar'), make(bytes));
    const before = (await readdir(root)).sort();
    const error = await t.throwsAsync(
      restoreBackup(join(root, 'bad.tar'), join(root, 'restored'), restoring),
    );
    t.is((error as { code?: string }).code, code, error?.message);
    t.deepEqual((await readdir(root)).sort(), before, 'no target, no temp directory');
  });
}

test('the command says why, coded, with no stack trace, and creates nothing', async (t) => {
  const { root, bytes } = await backedUp(t);
  await writeFile(join(root, 'bad.tar'), rewriteHeader(bytes, 0, { 0: padded('../x', 100) }));
  const result = await run(['restore', '--from', 'bad.tar', '--data', 'restored'], { cwd: root });
  t.is(result.exitCode, 7);
  t.regex(
    result.stderr,
    /^airlock: bad\.tar is not a whole Airlock backup: .*climbs with \.\..*\(BACKUP_INVALID\)\n$/,
  );
  t.notRegex(result.stderr, /\n\s+at /);
  t.false((await readdir(root)).includes('restored'));
});

test('a whole backup restores; a target that is not empty or whose ledger is in use is refused', async (t) => {
  const { root } = await backedUp(t);
  const from = join(root, 'backup.tar');
  const busy = join(root, 'busy');
  await mkdir(join(busy, 'ledger'), { recursive: true });
  await writeFile(
    join(busy, 'ledger', 'LOCK'),
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      purpose: 'appliance server',
      since: 'now',
    }),
  );
  await t.throwsAsync(restoreBackup(from, busy, restoring), { code: 'LEDGER_LOCKED' } as never);
  await mkdir(join(root, 'full'));
  await writeFile(join(root, 'full', 'notes.txt'), 'mine');
  await t.throwsAsync(restoreBackup(from, join(root, 'full'), restoring), {
    code: 'FILE_EXISTS',
  } as never);
  t.deepEqual(await readdir(join(root, 'full')), ['notes.txt']);
  await t.throwsAsync(restoreBackup(from, join(root, 'no', 'such', 'parent'), restoring), {
    code: 'FILE_NOT_FOUND',
  } as never);
  // An empty directory is a fine target.
  await mkdir(join(root, 'empty'));
  const restored = await restoreBackup(from, join(root, 'empty'), restoring);
  t.false(restored.needsUpgrade);
  t.true((await readdir(join(root, 'empty'))).includes('appliance.json'));
});

test('backup refuses to replace a file, to write inside the data directory, or to copy what is no appliance', async (t) => {
  const { root } = await backedUp(t);
  const data = join(root, 'data');
  const options = { now: NOW, airlockVersion: '0.1.0' };
  const first = await readFile(join(root, 'backup.tar'));
  await t.throwsAsync(createBackup(data, { ...options, out: join(root, 'backup.tar') }), {
    code: 'FILE_EXISTS',
  } as never);
  t.deepEqual(await readFile(join(root, 'backup.tar')), first);
  await t.throwsAsync(createBackup(data, { ...options, out: join(data, 'inside.tar') }), {
    code: 'USAGE',
  } as never);
  await t.throwsAsync(createBackup(root, { ...options, out: join(root, 'x.tar') }), {
    code: 'FILE_NOT_FOUND',
  } as never);
  t.false((await readdir(root)).some((name) => name.endsWith('.tmp')));
});
