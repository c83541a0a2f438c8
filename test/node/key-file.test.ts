// Key files (src/node/key-file.ts): round trips, passphrases, and every damaged file refused with
// a coded error that names what is wrong.

import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlnopad } from '@scure/base';
import { AirlockError } from '../../src/core/errors.ts';
import { formatId, keyIdOf } from '../../src/core/ids.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { readKeyFile, resealKeyFile, writeKeyFile } from '../../src/node/key-file.ts';

const scratch = () => mkdtemp(join(tmpdir(), 'airlock-key-'));
const newSeed = () => new Uint8Array(randomBytes(32));
/** A hand-made key file, private like the ones writeKeyFile makes (others are refused unread). */
const writePrivate = (path: string, data: string) => writeFile(path, data, { mode: 0o600 });

async function codeOf(promise: Promise<unknown>, t: import('ava').ExecutionContext) {
  const error = await t.throwsAsync(promise, { instanceOf: AirlockError });
  return error?.code;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

test('a clear key file round-trips and has the documented fields', async (t) => {
  const path = join(await scratch(), 'root.key');
  const seed = newSeed();
  await writeKeyFile(path, seed, { label: 'Acme vendor root' });
  const key = await readKeyFile(path);
  const publicKey = nobleSuite.signer(seed).publicKey;
  t.deepEqual(key, {
    seed,
    publicKey,
    keyId: keyIdOf(publicKey),
    label: 'Acme vendor root',
    sealed: false,
  });
  t.deepEqual(await readJson(path), {
    format: 'airlock-key/v1',
    label: 'Acme vendor root',
    keyId: formatId('key', keyIdOf(publicKey)),
    publicKey: base64urlnopad.encode(publicKey),
    seed: base64urlnopad.encode(seed),
  });
});

test('an encrypted key file round-trips with its passphrase and holds no clear seed', async (t) => {
  const path = join(await scratch(), 'root.key');
  const seed = newSeed();
  await writeKeyFile(path, seed, { label: 'sealed', passphrase: 'correct horse' });
  const text = await readFile(path, 'utf8');
  t.false(text.includes(base64urlnopad.encode(seed)));
  const file = JSON.parse(text) as { encrypted: Record<string, unknown> };
  t.like(file.encrypted, { kdf: 'scrypt', N: 65536, r: 8, p: 1, cipher: 'aes-256-gcm' });
  const key = await readKeyFile(path, { passphrase: 'correct horse' });
  t.deepEqual(key.seed, seed);
  t.is(key.label, 'sealed');
});

test('a wrong passphrase is PASSPHRASE_WRONG', async (t) => {
  const path = join(await scratch(), 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'sealed', passphrase: 'right' });
  t.is(await codeOf(readKeyFile(path, { passphrase: 'wrong' }), t), 'PASSPHRASE_WRONG');
});

test('an encrypted key read without a passphrase is PASSPHRASE_REQUIRED naming AIRLOCK_PASSPHRASE', async (t) => {
  const path = join(await scratch(), 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'sealed', passphrase: 'right' });
  const error = await t.throwsAsync(readKeyFile(path), { instanceOf: AirlockError });
  t.is(error?.code, 'PASSPHRASE_REQUIRED');
  t.regex(error?.message ?? '', /AIRLOCK_PASSPHRASE/);
  t.is(await codeOf(readKeyFile(path, { passphrase: '' }), t), 'PASSPHRASE_REQUIRED');
});

test('a sealed seed moved under another key header is detected', async (t) => {
  const dir = await scratch();
  await writeKeyFile(join(dir, 'a.key'), newSeed(), { label: 'a', passphrase: 'pw' });
  await writeKeyFile(join(dir, 'b.key'), newSeed(), { label: 'b', passphrase: 'pw' });
  const a = await readJson(join(dir, 'a.key'));
  const b = await readJson(join(dir, 'b.key'));
  await writePrivate(join(dir, 'swapped.key'), JSON.stringify({ ...a, encrypted: b['encrypted'] }));
  t.is(
    await codeOf(readKeyFile(join(dir, 'swapped.key'), { passphrase: 'pw' }), t),
    'PASSPHRASE_WRONG',
  );
});

test('a public key that the seed does not produce is KEY_FILE_INVALID', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root' });
  const other = nobleSuite.signer(newSeed()).publicKey;
  const file = await readJson(path);
  // The public key alone changed: its key ID no longer matches.
  await writePrivate(
    join(dir, 'pk.key'),
    JSON.stringify({ ...file, publicKey: base64urlnopad.encode(other) }),
  );
  const mismatch = await t.throwsAsync(readKeyFile(join(dir, 'pk.key')), {
    instanceOf: AirlockError,
  });
  t.is(mismatch?.code, 'KEY_FILE_INVALID');
  t.regex(mismatch?.message ?? '', /names key key_[0-9a-f]{8}, but its public key is key_/);
  // Public key and key ID changed consistently: only the seed check catches it.
  const consistent = {
    ...file,
    publicKey: base64urlnopad.encode(other),
    keyId: formatId('key', keyIdOf(other)),
  };
  await writePrivate(join(dir, 'both.key'), JSON.stringify(consistent));
  const wrongSeed = await t.throwsAsync(readKeyFile(join(dir, 'both.key')), {
    instanceOf: AirlockError,
  });
  t.is(wrongSeed?.code, 'KEY_FILE_INVALID');
  t.regex(wrongSeed?.message ?? '', /does not match its public key/);
});

test('a truncated key file is KEY_FILE_INVALID', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root' });
  const text = await readFile(path, 'utf8');
  await writePrivate(join(dir, 'cut.key'), text.slice(0, text.length / 2));
  const error = await t.throwsAsync(readKeyFile(join(dir, 'cut.key')), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'KEY_FILE_INVALID');
  t.regex(error?.message ?? '', /not valid JSON/);
});

test('malformed key files are refused with a sentence naming the problem', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root' });
  const good = await readJson(path);
  const cases: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ['an array', [good], /not a JSON object/],
    ['another format', { ...good, format: 'airlock-key/v2' }, /not an Airlock key file/],
    ['an extra field', { ...good, note: 'x' }, /unexpected field "note"/],
    ['no seed', { ...good, seed: undefined }, /no "seed" field/],
    ['an empty label', { ...good, label: '' }, /invalid "label"/],
    ['a label with a newline', { ...good, label: 'a\nb' }, /invalid "label"/],
    [
      'an upper-case key ID',
      { ...good, keyId: String(good['keyId']).toUpperCase() },
      /invalid "keyId"/,
    ],
    [
      'a short seed',
      { ...good, seed: base64urlnopad.encode(new Uint8Array(31)) },
      /invalid "seed"/,
    ],
    ['a padded seed', { ...good, seed: `${String(good['seed'])}=` }, /invalid "seed"/],
    ['a number as public key', { ...good, publicKey: 5 }, /invalid "publicKey"/],
  ];
  for (const [name, content, message] of cases) {
    const file = join(dir, `${name.replaceAll(' ', '-')}.key`);
    await writePrivate(file, JSON.stringify(content));
    const error = await t.throwsAsync(readKeyFile(file), { instanceOf: AirlockError }, name);
    t.is(error?.code, 'KEY_FILE_INVALID', name);
    t.regex(error?.message ?? '', message, name);
  }
});

test('altered encryption parameters are KEY_FILE_INVALID before any key derivation', async (t) => {
  const dir = await scratch();
  const path = join(dir, 'root.key');
  await writeKeyFile(path, newSeed(), { label: 'root', passphrase: 'pw' });
  const good = await readJson(path);
  const sealed = good['encrypted'] as Record<string, unknown>;
  const variants: Record<string, unknown>[] = [
    { ...sealed, N: 2 ** 30 },
    { ...sealed, kdf: 'pbkdf2' },
    { ...sealed, iv: base64urlnopad.encode(new Uint8Array(16)) },
    { ...sealed, extra: true },
  ];
  for (const [i, encrypted] of variants.entries()) {
    const file = join(dir, `v${i}.key`);
    await writePrivate(file, JSON.stringify({ ...good, encrypted }));
    t.is(await codeOf(readKeyFile(file, { passphrase: 'pw' }), t), 'KEY_FILE_INVALID');
  }
});

test('a key file is written with mode 0600 and never overwritten', async (t) => {
  const path = join(await scratch(), 'root.key');
  const seed = newSeed();
  await writeKeyFile(path, seed, { label: 'root', passphrase: 'pw' });
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.is(await codeOf(writeKeyFile(path, newSeed(), { label: 'other' }), t), 'FILE_EXISTS');
  t.deepEqual((await readKeyFile(path, { passphrase: 'pw' })).seed, seed);
});

test('a missing key file is FILE_NOT_FOUND and an oversized one is refused unread', async (t) => {
  const dir = await scratch();
  t.is(await codeOf(readKeyFile(join(dir, 'absent.key')), t), 'FILE_NOT_FOUND');
  await writePrivate(join(dir, 'huge.key'), ' '.repeat(65 * 1024));
  t.is(await codeOf(readKeyFile(join(dir, 'huge.key')), t), 'FORMAT_INVALID');
});

test('misuse of writeKeyFile throws a TypeError', async (t) => {
  const path = join(await scratch(), 'root.key');
  await t.throwsAsync(writeKeyFile(path, new Uint8Array(31), { label: 'x' }), {
    instanceOf: TypeError,
  });
  await t.throwsAsync(writeKeyFile(path, newSeed(), { label: '' }), { instanceOf: TypeError });
  await t.throwsAsync(writeKeyFile(path, newSeed(), { label: 'x', passphrase: '' }), {
    instanceOf: TypeError,
  });
});

test('resealKeyFile seals a clear key, seals it again under a new passphrase, and says so', async (t) => {
  const path = join(await scratch(), 'root.key');
  const seed = newSeed();
  await writeKeyFile(path, seed, { label: 'root' });
  const first = await resealKeyFile(path, { newPassphrase: 'one' });
  t.is(first.outcome, 'sealed');
  t.is((await stat(path)).mode & 0o777, 0o600);
  t.is(await codeOf(readKeyFile(path), t), 'PASSPHRASE_REQUIRED');
  t.is(
    (await resealKeyFile(path, { passphrase: 'one', newPassphrase: 'one' })).outcome,
    'unchanged',
  );
  t.is(
    (await resealKeyFile(path, { passphrase: 'one', newPassphrase: 'two' })).outcome,
    'resealed',
  );
  t.is(await codeOf(readKeyFile(path, { passphrase: 'one' }), t), 'PASSPHRASE_WRONG');
  const key = await readKeyFile(path, { passphrase: 'two' });
  t.like(key, { label: 'root', sealed: true });
  t.deepEqual(key.seed, seed);
});
