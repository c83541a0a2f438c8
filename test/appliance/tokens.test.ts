// API tokens on a real data directory: shown once, stored hashed with mode 0600, checked with
// expiry and revocation, picked up by a running server's token book when the file changes.

import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../../src/core/errors.ts';
import {
  authenticate,
  createToken,
  listTokens,
  openTokenBook,
  revokeToken,
  TOKENS_FILE,
} from '../../src/appliance/tokens.ts';

const NOW = 1_800_000_000;

async function tempDir(t: { teardown: (f: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-tokens-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a new token is shown once and only its hash is stored, readable by the owner alone', async (t) => {
  const dir = await tempDir(t);
  const { token, info } = await createToken(dir, { role: 'operator', label: 'desk 1', now: NOW });
  t.regex(token, /^alt_[A-Za-z0-9_-]{43}$/);
  t.regex(info.id, /^tok_[0-9a-f]{8}$/);
  const text = await readFile(join(dir, TOKENS_FILE), 'utf8');
  t.false(text.includes(token));
  t.false(text.includes(token.slice(4)));
  const file = JSON.parse(text);
  t.is(file.format, 'airlock-tokens/v1');
  t.is(file.tokens[0].hash, createHash('sha256').update(token).digest('hex'));
  t.is((await stat(join(dir, TOKENS_FILE))).mode & 0o777, 0o600);
  t.deepEqual(await listTokens(dir), [
    { id: info.id, role: 'operator', label: 'desk 1', createdAt: NOW, expiresAt: null },
  ]);
});

test('a token authenticates with its role until it expires', async (t) => {
  const dir = await tempDir(t);
  const admin = await createToken(dir, {
    role: 'admin',
    label: 'a',
    now: NOW,
    expiresAt: NOW + 60,
  });
  const operator = await createToken(dir, { role: 'operator', label: 'o', now: NOW });
  const book = await openTokenBook(dir);
  t.deepEqual(authenticate(book.tokens, admin.token, NOW), { id: admin.info.id, role: 'admin' });
  t.deepEqual(authenticate(book.tokens, operator.token, NOW + 1e6), {
    id: operator.info.id,
    role: 'operator',
  });
  t.is(authenticate(book.tokens, admin.token, NOW + 60), undefined);
});

test('unknown, altered and malformed tokens do not authenticate', async (t) => {
  const dir = await tempDir(t);
  const { token } = await createToken(dir, { role: 'admin', label: '', now: NOW });
  const book = await openTokenBook(dir);
  const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const bearer of [altered, '', 'alt_', token.slice(4), `${token} `, token.toUpperCase()]) {
    t.is(authenticate(book.tokens, bearer, NOW), undefined, bearer);
  }
  t.is(authenticate([], token, NOW), undefined);
});

test('a revoked token stops working and revoking it again says it is unknown', async (t) => {
  const dir = await tempDir(t);
  const a = await createToken(dir, { role: 'admin', label: 'a', now: NOW });
  const b = await createToken(dir, { role: 'operator', label: 'b', now: NOW });
  t.deepEqual(await revokeToken(dir, a.info.id), { outcome: 'revoked' });
  t.deepEqual(await revokeToken(dir, a.info.id), { outcome: 'unknown' });
  const book = await openTokenBook(dir);
  t.is(authenticate(book.tokens, a.token, NOW), undefined);
  t.truthy(authenticate(book.tokens, b.token, NOW));
  t.deepEqual(
    (await listTokens(dir)).map((x) => x.id),
    [b.info.id],
  );
});

test('a token book sees tokens created and revoked after it was opened', async (t) => {
  const dir = await tempDir(t);
  const book = await openTokenBook(dir);
  t.deepEqual(book.tokens, []);
  const { token, info } = await createToken(dir, { role: 'admin', label: 'later', now: NOW });
  t.is(authenticate(book.tokens, token, NOW), undefined);
  await book.reload();
  t.truthy(authenticate(book.tokens, token, NOW));
  await revokeToken(dir, info.id);
  await book.reload();
  t.is(authenticate(book.tokens, token, NOW), undefined);
});

test('bad labels and expiry times in the past are refused with a reason', async (t) => {
  const dir = await tempDir(t);
  for (const label of ['x'.repeat(101), 'two\nlines']) {
    await t.throwsAsync(createToken(dir, { role: 'admin', label, now: NOW }), {
      instanceOf: AirlockError,
      code: 'FORMAT_INVALID',
    });
  }
  await t.throwsAsync(createToken(dir, { role: 'admin', label: 'x', now: NOW, expiresAt: NOW }), {
    message: /already passed/,
  });
  await t.throwsAsync(createToken(dir, { role: 'root' as never, label: 'x', now: NOW }), {
    instanceOf: TypeError,
  });
});

test('a damaged tokens file is refused, not read as empty', async (t) => {
  const dir = await tempDir(t);
  for (const text of [
    '{',
    '{"format":"airlock-tokens/v2","tokens":[]}',
    '{"format":"airlock-tokens/v1","tokens":[{"id":"tok_1"}]}',
  ]) {
    await writeFile(join(dir, TOKENS_FILE), text, { mode: 0o600 });
    const error = await t.throwsAsync(listTokens(dir));
    t.is((error as AirlockError).code, 'FORMAT_INVALID');
  }
});
