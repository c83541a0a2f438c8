// Setting up an appliance from the command line: standalone holds the vendor key; delegated
// waits for the certificate the vendor signs from its request.

import test from 'ava';
import { Workspace } from './helpers.ts';

test('a standalone appliance certifies itself with a demo vendor', async (t) => {
  const ws = await Workspace.create(t);
  const made = await ws.ok(t, ['appliance', 'init', '--data', ws.path('data')]);
  t.like(made, { mode: 'standalone' });
  t.regex(made['applianceId'], /^apl_[0-9a-f]{8}$/);
  const info = await ws.given(t, ['appliance', 'info', '--data', ws.path('data')]);
  t.is(info['certificate'].certificateId, made['certificateId']);
  await ws.refused(t, ['appliance', 'init', '--data', ws.path('data')], 'FILE_EXISTS');
});

test('a delegated appliance installs the certificate the vendor signed for its request', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const made = await ws.given(t, [
    'appliance',
    'init',
    '--data',
    ws.path('data'),
    '--trust',
    ws.vendor,
  ]);
  t.is(made['mode'], 'delegated');
  t.is((await ws.given(t, ['appliance', 'info', '--data', ws.path('data')]))['certificate'], null);
  const signed = await ws.ok(t, [
    'vendor',
    'delegate',
    made['requestFile'],
    '--vendor',
    ws.vendor,
    '--out',
    ws.path('a.cert'),
    '--products',
    'acme-cad',
    '--seat-quota',
    '25',
    '--expires',
    '+2y',
  ]);
  t.is(signed['applianceId'], made['applianceId']);
  const installed = await ws.ok(t, [
    'appliance',
    'install-cert',
    ws.path('a.cert'),
    '--data',
    ws.path('data'),
  ]);
  t.is(installed['seatQuota'], 25);
  await ws.refused(
    t,
    ['vendor', 'delegate', made['requestFile'], '--vendor', ws.vendor, '--out', ws.path('a.cert')],
    'FILE_EXISTS',
  );
});

test("another appliance's certificate, or one from an untrusted vendor, is refused", async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  await ws.given(t, ['vendor', 'init', '--dir', ws.path('other-vendor')]);
  const one = await ws.given(t, [
    'appliance',
    'init',
    '--data',
    ws.path('one'),
    '--trust',
    ws.vendor,
  ]);
  await ws.given(t, ['appliance', 'init', '--data', ws.path('two'), '--trust', ws.vendor]);
  await ws.given(t, [
    'vendor',
    'delegate',
    one['requestFile'],
    '--vendor',
    ws.vendor,
    '--out',
    ws.path('one.cert'),
  ]);
  await ws.given(t, [
    'vendor',
    'delegate',
    one['requestFile'],
    '--vendor',
    ws.path('other-vendor'),
    '--out',
    ws.path('rogue.cert'),
  ]);
  await ws.refused(
    t,
    ['appliance', 'install-cert', ws.path('one.cert'), '--data', ws.path('two')],
    'CERTIFICATE_UNKNOWN',
  );
  await ws.refused(
    t,
    ['appliance', 'install-cert', ws.path('rogue.cert'), '--data', ws.path('one')],
    'KEY_UNKNOWN',
  );
});
