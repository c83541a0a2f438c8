// Key custody from the command line (docs/KEYS.md): every command that opens a private key or
// secret refuses, before it does anything, when other users could read the file or write the
// directory it is in, and names the file and the fix.

import test from 'ava';
import { chmod } from 'node:fs/promises';
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
