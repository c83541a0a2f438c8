// Atomic writes and bounded reads (src/node/atomic-file.ts) on a real temporary directory.

import test from 'ava';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../../src/core/errors.ts';
import { readFileBounded, writeFileAtomic } from '../../src/node/atomic-file.ts';

const scratch = () => mkdtemp(join(tmpdir(), 'airlock-atomic-'));

test('writeFileAtomic creates and then replaces a file, leaving no temp file behind', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'settings.json');
  await writeFileAtomic(path, 'first');
  await writeFileAtomic(path, new Uint8Array([0x73, 0x65, 0x63, 0x6f, 0x6e, 0x64]));
  t.is(await readFile(path, 'utf8'), 'second');
  t.deepEqual(await readdir(dir), ['settings.json']);
});

test('a temp file left by an interrupted write does not corrupt the target', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'store.json');
  await writeFileAtomic(path, '{"complete":true}');
  // What a crash between write and rename leaves: a half-written temp file next to the target.
  const leftover = join(dir, '.store.json.0123456789ab.tmp');
  await writeFile(leftover, '{"compl');
  t.is(await readFile(path, 'utf8'), '{"complete":true}');
  await writeFileAtomic(path, '{"complete":"again"}');
  t.is(await readFile(path, 'utf8'), '{"complete":"again"}');
  t.is(await readFile(leftover, 'utf8'), '{"compl', 'an unrelated temp file is not reused');
});

test('the mode is applied exactly, whatever the umask', async (t) => {
  const dir = await scratch();
  for (const mode of [0o600, 0o664, 0o640]) {
    const path = join(dir, `file-${mode.toString(8)}`);
    await writeFileAtomic(path, 'x', { mode });
    t.is((await stat(path)).mode & 0o777, mode);
  }
  const replaced = join(dir, 'replaced');
  await writeFileAtomic(replaced, 'old', { mode: 0o644 });
  await writeFileAtomic(replaced, 'new', { mode: 0o600 });
  t.is((await stat(replaced)).mode & 0o777, 0o600);
});

test('an exclusive write refuses an existing file with FILE_EXISTS and leaves it unchanged', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'root.key');
  await writeFileAtomic(path, 'original', { exclusive: true });
  const error = await t.throwsAsync(writeFileAtomic(path, 'other', { exclusive: true }), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'FILE_EXISTS');
  t.is(await readFile(path, 'utf8'), 'original');
  t.deepEqual(await readdir(dir), ['root.key']);
});

test('readFileBounded reads a file of exactly the limit', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'data');
  await writeFile(path, new Uint8Array(100).fill(7));
  const bytes = await readFileBounded(path, 100, 'data file');
  t.is(bytes.length, 100);
  t.is(bytes[99], 7);
  t.deepEqual(await readFileBounded(join(dir, 'data'), 1000, 'data file'), bytes);
});

test('readFileBounded refuses a file larger than the limit with FORMAT_INVALID', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'big');
  await writeFile(path, new Uint8Array(101));
  const error = await t.throwsAsync(readFileBounded(path, 100, 'key file'), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'FORMAT_INVALID');
  t.regex(error?.message ?? '', /key file .*big is too large \(101 bytes; at most 100/);
});

test('readFileBounded names the missing path with FILE_NOT_FOUND', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'absent.json');
  const error = await t.throwsAsync(readFileBounded(path, 100, 'trust file'), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'FILE_NOT_FOUND');
  t.true(error?.message.includes(path));
  t.true(error?.message.includes('trust file'));
});

test('readFileBounded refuses a directory', async (t) => {
  const dir = await scratch();
  const error = await t.throwsAsync(readFileBounded(dir, 100, 'key file'), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'FORMAT_INVALID');
});
