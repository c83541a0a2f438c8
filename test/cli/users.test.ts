// `airlock user …` as a site administrator runs it: the first admin made at init with a password
// shown once, users added with a password from standard input, a lock-out cleared, the last admin
// kept.

import test from 'ava';
import { openUserBook } from '../../src/appliance/users.ts';
import { Workspace } from './helpers.ts';

test('init makes the first admin; users are added, listed, unlocked and removed', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  const made = await ws.given(t, ['appliance', 'init', '--data', data]);
  t.is(made['admin'].name, 'admin');
  t.regex(made['admin'].password, /^([0-9a-z]{4}-){4}[0-9a-z]{4}$/);
  const book = await openUserBook(data);
  t.like(await book.signIn('admin', made['admin'].password, 1_800_000_000), {
    outcome: 'signed-in',
  });

  // A password on standard input, as a script would give it.
  const added = await ws.run(
    ['user', 'add', 'desk-1', '--role', 'operator', '--data', data, '--password-stdin', '--json'],
    {},
    'front desk pass phrase\n',
  );
  t.is(added.exitCode, 0, added.stderr);
  t.false(added.stdout.includes('front desk pass phrase'), 'a given password is never echoed');
  // Without --password-stdin a strong one is generated and shown once.
  const auditor = await ws.ok(t, ['user', 'add', 'audit', '--role', 'auditor', '--data', data]);
  t.regex(auditor['password'], /^([0-9a-z]{4}-){4}[0-9a-z]{4}$/);

  const listed = await ws.ok(t, ['user', 'list', '--data', data]);
  t.deepEqual(
    listed['users'].map((u: { name: string; role: string }) => `${u.name}:${u.role}`),
    ['admin:admin', 'desk-1:operator', 'audit:auditor'],
  );
  t.false(JSON.stringify(listed).includes('scrypt'), 'hashes are never listed');

  await book.reload();
  for (let i = 0; i < 5; i++) await book.signIn('desk-1', `wrong ${i}`, 1_800_000_000);
  t.like(await book.signIn('desk-1', 'front desk pass phrase', 1_800_000_001), {
    outcome: 'locked',
  });
  await ws.ok(t, ['user', 'unlock', 'desk-1', '--data', data]);
  await book.reload();
  t.like(await book.signIn('desk-1', 'front desk pass phrase', 1_800_000_002), {
    outcome: 'signed-in',
  });

  await ws.refused(t, ['user', 'remove', 'admin', '--data', data], 'LAST_ADMIN');
  await ws.ok(t, ['user', 'remove', 'desk-1', '--data', data]);
  await ws.refused(t, ['user', 'passwd', 'desk-1', '--data', data], 'USER_UNKNOWN');
  await ws.refused(
    t,
    ['user', 'add', 'x', '--role', 'operator', '--data', data, '--password-stdin'],
    'PASSWORD_WEAK',
    {},
  );
  await ws.refused(t, ['user', 'add', 'y', '--role', 'root', '--data', data], 'USAGE');
});
