// The console's users on disk: scrypt hashes, never passwords; a lock-out after repeated failures
// that an admin clears; the CLI and a running server sharing one file without losing changes.

import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  listUsers,
  LOCKOUT_FAILURES,
  LOCKOUT_SECONDS,
  openUserBook,
  USERS_FILE,
} from '../../src/appliance/users.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { hashPassword, isPasswordHash, verifyPassword } from '../../src/node/password.ts';

const NOW = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';

async function dir(t: ExecutionContext): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'airlock-users-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const codeOf = async (promise: Promise<unknown>) =>
  (
    (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as AirlockError | undefined
  )?.code;

test('a password is stored as a salted scrypt hash and checked in constant time', async (t) => {
  const a = await hashPassword(PASSWORD);
  const b = await hashPassword(PASSWORD);
  t.not(a, b, 'each hash has its own salt');
  t.true(isPasswordHash(a));
  t.true(await verifyPassword(PASSWORD, a));
  t.false(await verifyPassword(PASSWORD + '!', a));
  t.false(await verifyPassword(PASSWORD, undefined), 'an unknown user never matches');
  // Other parameters are refused: a crafted file cannot ask for unbounded memory.
  t.false(isPasswordHash(a.replace('ln=15', 'ln=30')));
  t.false(await verifyPassword(PASSWORD, a.replace('ln=15', 'ln=30')));
});

test('users are added, listed without their hashes, and the file is private', async (t) => {
  const d = await dir(t);
  const book = await openUserBook(d);
  const added = await book.add({ name: 'alice', role: 'admin', password: PASSWORD, now: NOW });
  t.deepEqual(added, {
    name: 'alice',
    role: 'admin',
    createdAt: NOW,
    passwordChangedAt: NOW,
    failures: 0,
    lockedUntil: null,
  });
  await book.add({ name: 'op', role: 'operator', password: 'a long enough secret', now: NOW });
  t.deepEqual(
    (await listUsers(d)).map((u) => [u.name, u.role]),
    [
      ['alice', 'admin'],
      ['op', 'operator'],
    ],
  );
  const text = await readFile(join(d, USERS_FILE), 'utf8');
  t.false(text.includes(PASSWORD));
  t.is((await stat(join(d, USERS_FILE))).mode & 0o777, 0o600);
});

test('bad names, weak passwords, duplicates and the last admin are refused with codes', async (t) => {
  const book = await openUserBook(await dir(t));
  const add = (name: string, password = PASSWORD, role = 'admin' as const) =>
    book.add({ name, role, password, now: NOW });
  await add('alice');
  t.is(await codeOf(add('Alice!')), 'FORMAT_INVALID');
  t.is(await codeOf(add('bob', 'short')), 'PASSWORD_WEAK');
  t.is(await codeOf(add('bob', 'bob-is-my-password')), 'PASSWORD_WEAK');
  t.is(await codeOf(add('alice')), 'USER_EXISTS');
  t.is(await codeOf(book.remove('alice')), 'LAST_ADMIN');
  t.is(await codeOf(book.remove('nobody')), 'USER_UNKNOWN');
  t.is(book.users.length, 1);
});

test('five wrong passwords lock the account; an admin clears it; a success clears the count', async (t) => {
  const book = await openUserBook(await dir(t));
  await book.add({ name: 'op', role: 'operator', password: PASSWORD, now: NOW });
  t.like(await book.signIn('op', 'wrong password 1', NOW), { outcome: 'wrong' });
  t.like(await book.signIn('op', PASSWORD, NOW), { outcome: 'signed-in' });
  t.is(book.users[0]!.failures, 0, 'a success clears the count');
  for (let i = 1; i < LOCKOUT_FAILURES; i++) {
    t.like(await book.signIn('op', `wrong ${i}`, NOW), { outcome: 'wrong' });
  }
  t.deepEqual(await book.signIn('op', 'wrong again', NOW), {
    outcome: 'locked',
    until: NOW + LOCKOUT_SECONDS,
  });
  // While locked, even the right password is refused.
  t.like(await book.signIn('op', PASSWORD, NOW + 60), { outcome: 'locked' });
  await book.unlock('op');
  t.like(await book.signIn('op', PASSWORD, NOW + 61), { outcome: 'signed-in' });
  // The lock-out also ends by itself.
  for (let i = 0; i < LOCKOUT_FAILURES; i++) await book.signIn('op', `x${i}`, NOW);
  t.like(await book.signIn('op', PASSWORD, NOW + LOCKOUT_SECONDS + 1), { outcome: 'signed-in' });
});

test('an unknown user is "wrong", exactly like a wrong password', async (t) => {
  const book = await openUserBook(await dir(t));
  await book.add({ name: 'op', role: 'operator', password: PASSWORD, now: NOW });
  t.deepEqual(await book.signIn('nobody', PASSWORD, NOW), { outcome: 'wrong' });
});

test('a new password ends a lock-out and the old password stops working', async (t) => {
  const book = await openUserBook(await dir(t));
  await book.add({ name: 'op', role: 'operator', password: PASSWORD, now: NOW });
  for (let i = 0; i < LOCKOUT_FAILURES; i++) await book.signIn('op', `x${i}`, NOW);
  await book.setPassword('op', 'a brand new passphrase', NOW + 5);
  t.like(await book.signIn('op', PASSWORD, NOW + 6), { outcome: 'wrong' });
  t.like(await book.signIn('op', 'a brand new passphrase', NOW + 6), { outcome: 'signed-in' });
});

test('the CLI and a server share the file: concurrent changes are all kept', async (t) => {
  const d = await dir(t);
  const server = await openUserBook(d);
  const cli = await openUserBook(d);
  await server.add({ name: 'alice', role: 'admin', password: PASSWORD, now: NOW });
  await cli.add({ name: 'bob', role: 'auditor', password: PASSWORD, now: NOW });
  await server.reload();
  t.deepEqual(
    server.users.map((u) => u.name),
    ['alice', 'bob'],
  );
  // Failures recorded by the server while the CLI unlocks: nothing is lost either way.
  await Promise.all([
    server.signIn('bob', 'wrong password', NOW),
    server.signIn('bob', 'wrong password', NOW),
  ]);
  t.is((await listUsers(d)).find((u) => u.name === 'bob')!.failures, 2);
});

test('a damaged users file is refused, not guessed at', async (t) => {
  const d = await dir(t);
  const text = '{"format":"airlock-users/v1","users":[{"name":"x"}]}';
  await writeFile(join(d, USERS_FILE), text, { mode: 0o600 });
  t.is(await codeOf(openUserBook(d)), 'FORMAT_INVALID');
  // A users file other users could read is refused before it is read.
  await chmod(join(d, USERS_FILE), 0o644);
  t.is(await codeOf(openUserBook(d)), 'KEY_FILE_EXPOSED');
});
