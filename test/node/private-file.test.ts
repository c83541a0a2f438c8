// File permissions of private keys and secrets (src/node/private-file.ts, docs/KEYS.md): a key
// file other users can read, or a directory they can write, is refused before anything is read,
// with a message that names the file and the command that fixes it.

import test from 'ava';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../../src/core/errors.ts';
import { readKeyFile, writeKeyFile } from '../../src/node/key-file.ts';
import { readPrivateFile } from '../../src/node/private-file.ts';

const scratch = () => mkdtemp(join(tmpdir(), 'airlock-perm-'));
const newSeed = () => new Uint8Array(randomBytes(32));

async function keyWithMode(mode: number): Promise<string> {
  const path = join(await scratch(), 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root' });
  await chmod(path, mode);
  return path;
}

for (const mode of [0o640, 0o604, 0o644, 0o660, 0o601, 0o620]) {
  test(`a key file with mode 0${mode.toString(8)} is refused with KEY_FILE_EXPOSED`, async (t) => {
    const path = await keyWithMode(mode);
    const error = await t.throwsAsync(readKeyFile(path), { instanceOf: AirlockError });
    t.is(error?.code, 'KEY_FILE_EXPOSED');
    t.is(error?.details['path'], path);
    t.is(error?.details['mode'], `0${mode.toString(8)}`);
    t.true(error!.message.includes(path));
    t.true(error!.message.includes(`chmod 600 ${path}`));
  });
}

for (const mode of [0o600, 0o400]) {
  test(`a key file with mode 0${mode.toString(8)} is read`, async (t) => {
    const path = await keyWithMode(mode);
    t.is((await readKeyFile(path)).label, 'root');
  });
}

test('an exposed sealed key is refused before the passphrase is tried', async (t) => {
  const path = join(await scratch(), 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root', passphrase: 'pw' });
  await chmod(path, 0o644);
  const error = await t.throwsAsync(readKeyFile(path, { passphrase: 'wrong' }), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'KEY_FILE_EXPOSED');
});

for (const mode of [0o775, 0o757, 0o777]) {
  test(`a key file in a directory with mode 0${mode.toString(8)} is neither read nor written`, async (t) => {
    const dir = await scratch();
    const path = join(dir, 'root.key');
    await writeKeyFile(path, newSeed(), { label: 'root' });
    await chmod(dir, mode);
    const read = await t.throwsAsync(readKeyFile(path), { instanceOf: AirlockError });
    t.is(read?.code, 'KEY_FILE_EXPOSED');
    t.true(read!.message.includes(`chmod go-w ${dir}`));
    const write = await t.throwsAsync(
      writeKeyFile(join(dir, 'other.key'), newSeed(), { label: 'other' }),
      { instanceOf: AirlockError },
    );
    t.is(write?.code, 'KEY_FILE_EXPOSED');
  });
}

test('a key file in a directory others may only read and enter (0755) is read', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root' });
  await chmod(dir, 0o755);
  t.is((await readKeyFile(path)).label, 'root');
});

test('a private file that belongs to another user is refused when its owner matters', async (t) => {
  if (process.getuid?.() !== 0) {
    t.pass('only root can give a file away');
    return;
  }
  const path = join(await scratch(), 'passphrase');
  await writeFile(path, 'secret\n', { mode: 0o600 });
  await chown(path, 65534, 65534);
  const error = await t.throwsAsync(
    readPrivateFile(path, 1024, 'passphrase file', { owner: true }),
    {
      instanceOf: AirlockError,
    },
  );
  t.is(error?.code, 'KEY_FILE_EXPOSED');
  t.regex(error!.message, /belongs to another user \(uid 65534\)/);
  t.is(new TextDecoder().decode(await readPrivateFile(path, 1024, 'passphrase file')), 'secret\n');
});
