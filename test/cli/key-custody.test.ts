// Key custody from the command line (docs/KEYS.md): every command that opens a private key or
// secret refuses, before it does anything, when other users could read the file or write the
// directory it is in, and names the file and the fix; the passphrase may come from a file.

import test from 'ava';
import { chmod, chown, stat, writeFile } from 'node:fs/promises';
import { resealKeyFile } from '../../src/node/key-file.ts';
import { Workspace } from './helpers.ts';

test('an appliance whose key, secret or data directory is open to others refuses to start', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data]);
  const cases: readonly (readonly [string, number, RegExp])[] = [
    [ws.path('data', 'appliance.key'), 0o640, /chmod 600 .*appliance\.key/],
    [ws.path('data', 'secret.key'), 0o604, /chmod 600 .*secret\.key/],
    [data, 0o777, /chmod go-w .*data`/],
    [ws.path('data', 'vendor', 'root.key'), 0o644, /chmod 600 .*root\.key/],
  ];
  for (const [path, mode, fix] of cases) {
    const before = path === data ? 0o700 : 0o600;
    await chmod(path, mode);
    const refused = await ws.refused(
      t,
      ['serve', '--data', data, '--port', '0'],
      'KEY_FILE_EXPOSED',
    );
    t.is(refused.exitCode, 7);
    t.regex(refused.error['message'], fix);
    t.is(refused.error['details'].path, path);
    if (path.endsWith('root.key')) {
      // The vendor root inside a standalone appliance: refused by the command that signs with it.
      await ws.refused(
        t,
        ['license', 'create', '--data', data, '--product', 'acme-cad'],
        'KEY_FILE_EXPOSED',
      );
    }
    await chmod(path, before);
  }
  await ws.ok(t, ['appliance', 'info', '--data', data]);
});

test('a vendor whose root key is readable by its group signs nothing', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  await chmod(ws.path('vendor', 'root.key'), 0o640);
  const refused = await ws.refused(
    t,
    ['license', 'issue', '--vendor', ws.vendor, '--product', 'acme-cad'],
    'KEY_FILE_EXPOSED',
  );
  t.regex(refused.error['message'], /mode 0640.*chmod 600/);
  await chmod(ws.path('vendor', 'root.key'), 0o600);
  await ws.ok(t, ['license', 'issue', '--vendor', ws.vendor, '--product', 'acme-cad']);
});

test('AIRLOCK_PASSPHRASE_FILE seals and unlocks keys; its trailing newline is not part of the passphrase', async (t) => {
  const ws = await Workspace.create(t);
  const file = ws.path('passphrase');
  await writeFile(file, 'correct horse battery\n', { mode: 0o600 });
  const fromFile = { AIRLOCK_PASSPHRASE_FILE: file };
  const made = await ws.given(t, ['vendor', 'init', '--dir', ws.vendor], fromFile);
  t.true(made['encrypted']);
  const issue = ['license', 'issue', '--vendor', ws.vendor, '--product', 'acme-cad'];
  await ws.ok(t, issue, fromFile);
  await ws.ok(t, issue, { AIRLOCK_PASSPHRASE: 'correct horse battery' });
  await ws.refused(t, issue, 'PASSPHRASE_REQUIRED');
  await writeFile(file, 'another passphrase\n');
  await ws.refused(t, issue, 'PASSPHRASE_WRONG', fromFile);
});

test('a passphrase file others can read, too large, empty, missing, or set with AIRLOCK_PASSPHRASE is refused before any command runs', async (t) => {
  const ws = await Workspace.create(t);
  const file = ws.path('passphrase');
  const init = ['vendor', 'init', '--dir', ws.vendor];
  const env = { AIRLOCK_PASSPHRASE_FILE: file };
  await writeFile(file, 'pw\n', { mode: 0o640 });
  const exposed = await ws.refused(t, init, 'KEY_FILE_EXPOSED', env);
  t.is(exposed.error['details'].path, file);
  t.true(exposed.error['message'].includes(`chmod 600 ${file}`));
  await chmod(file, 0o600);
  const both = await ws.refused(t, init, 'USAGE', { ...env, AIRLOCK_PASSPHRASE: 'pw' });
  t.regex(both.error['message'], /AIRLOCK_PASSPHRASE and AIRLOCK_PASSPHRASE_FILE/);
  await writeFile(file, 'x'.repeat(1025));
  t.regex((await ws.refused(t, init, 'FORMAT_INVALID', env)).error['message'], /too large/);
  await writeFile(file, '\n');
  await ws.refused(t, init, 'PASSPHRASE_REQUIRED', env);
  await ws.refused(t, init, 'FILE_NOT_FOUND', { AIRLOCK_PASSPHRASE_FILE: ws.path('absent') });
  if (process.getuid?.() === 0) {
    await writeFile(file, 'pw\n');
    await chown(file, 65534, 65534);
    const foreign = await ws.refused(t, init, 'KEY_FILE_EXPOSED', env);
    t.regex(foreign.error['message'], /belongs to another user/);
  }
  // Nothing was created by any of the refused commands.
  await t.throwsAsync(stat(ws.vendor), { code: 'ENOENT' });
});

test('init warns when it writes keys unsealed, and seal-key seals them', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  const made = await ws.given(t, ['appliance', 'init', '--data', data]);
  t.regex(made['warnings'][0], new RegExp(`unsealed.*airlock appliance seal-key --data ${data}`));
  const text = await ws.run(['vendor', 'init', '--dir', ws.vendor]);
  t.is(text.exitCode, 0);
  t.regex(text.stderr, /^airlock: warning: The private keys were written unsealed/);
  t.regex(text.stderr, /airlock vendor seal-key --vendor /);

  const file = ws.path('passphrase');
  await writeFile(file, 'first passphrase\n', { mode: 0o600 });
  const env = { AIRLOCK_PASSPHRASE_FILE: file };
  const sealed = await ws.given(t, ['appliance', 'seal-key', '--data', data], env);
  t.deepEqual(
    sealed['keys'].map((k: { path: string; outcome: string }) => [k.path, k.outcome]),
    [
      [ws.path('data', 'appliance.key'), 'sealed'],
      [ws.path('data', 'vendor', 'root.key'), 'sealed'],
    ],
  );
  await ws.refused(t, ['appliance', 'info', '--data', data], 'PASSPHRASE_REQUIRED');
  await ws.given(t, ['appliance', 'info', '--data', data], env);
  const again = await ws.given(t, ['appliance', 'seal-key', '--data', data], env);
  t.true(again['keys'].every((k: { outcome: string }) => k.outcome === 'unchanged'));
  const sealedInit = await ws.given(t, ['vendor', 'init', '--dir', ws.path('v2')], env);
  t.is(sealedInit['warnings'], undefined);
});

test('after a passphrase leaked, seal-key seals every key again under a new one', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  const old = ws.path('old-passphrase');
  const next = ws.path('new-passphrase');
  await writeFile(old, 'leaked\n', { mode: 0o600 });
  await writeFile(next, 'fresh\n', { mode: 0o600 });
  await ws.given(t, ['appliance', 'init', '--data', data], { AIRLOCK_PASSPHRASE_FILE: old });
  // An interrupted earlier run: one key is sealed under the new passphrase already.
  await resealKeyFile(ws.path('data', 'vendor', 'root.key'), {
    passphrase: 'leaked',
    newPassphrase: 'fresh',
  });
  const resealed = await ws.given(
    t,
    ['appliance', 'seal-key', '--data', data, '--new-passphrase-file', next],
    { AIRLOCK_PASSPHRASE_FILE: old },
  );
  t.deepEqual(
    resealed['keys'].map((k: { outcome: string }) => k.outcome),
    ['resealed', 'unchanged'],
  );
  await ws.refused(t, ['appliance', 'info', '--data', data], 'PASSPHRASE_WRONG', {
    AIRLOCK_PASSPHRASE_FILE: old,
  });
  await ws.given(t, ['appliance', 'info', '--data', data], { AIRLOCK_PASSPHRASE_FILE: next });
  await ws.refused(t, ['appliance', 'seal-key', '--data', data], 'USAGE');
});
