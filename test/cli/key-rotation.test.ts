// Key rotation end to end (docs/KEYS.md), as a vendor and a site would run it: machines activated
// before a rotation keep validating, machines activated after it activate, and a client that
// pins only an old root learns the new one from the hand-over and from nothing else.

import test, { type ExecutionContext } from 'ava';
import { chmod, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCertificate } from '../../src/core/formats/certificate.ts';
import { formatId } from '../../src/core/ids.ts';
import { type Env, Workspace } from './helpers.ts';

/** A machine with its own store and trust file: challenge, answer at the appliance, apply. */
async function activate(
  t: ExecutionContext,
  ws: Workspace,
  data: string,
  machine: string,
  key: string,
  trust: string,
): Promise<Record<string, any>> {
  const env: Env = { AIRLOCK_MACHINE_ID: machine };
  const args = ['--store', ws.path(`store-${machine}`), '--trust', trust];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...args], env);
  const answer = await ws.given(t, ['respond', challenge, '--data', data]);
  await ws.given(t, ['client', 'apply', answer['qr'], ...args], env);
  return answer;
}

function status(t: ExecutionContext, ws: Workspace, machine: string, trust: string) {
  return ws.given(
    t,
    ['client', 'status', '--store', ws.path(`store-${machine}`), '--trust', trust],
    {
      AIRLOCK_MACHINE_ID: machine,
    },
  );
}

/** A five-seat license key signed by the vendor's current root. */
async function issue(t: ExecutionContext, ws: Workspace): Promise<string> {
  const args = ['--vendor', ws.vendor, '--product', 'acme-cad', '--seats', '5'];
  return (await ws.given(t, ['license', 'issue', ...args]))['key'] as string;
}

test('vendor root rotation: a client that pins both roots accepts responses from before and after it, through an appliance re-delegated by the new root', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const oldTrust = ws.path('old-trust.json');
  await copyFile(ws.path('vendor', 'trust.json'), oldTrust); // what version 1 of the app ships
  const made = await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const delegate = ['vendor', 'delegate', made['requestFile'], '--vendor', ws.vendor];
  await ws.given(t, [...delegate, '--out', ws.path('cert-1')]);
  await ws.given(t, ['appliance', 'install-cert', ws.path('cert-1'), '--data', data]);
  const before = await issue(t, ws);
  await ws.given(t, ['license', 'add', before, '--data', data]);
  await activate(t, ws, data, 'm1', before, oldTrust);

  // The vendor rotates; its new trust file pins both roots, the new one first.
  const rotated = await ws.ok(t, ['vendor', 'rotate-key', '--vendor', ws.vendor]);
  t.not(rotated['newKeyId'], rotated['oldKeyId']);
  t.deepEqual(rotated['roots'], [rotated['newKeyId'], rotated['oldKeyId']]);
  const trust = JSON.parse(await readFile(ws.path('vendor', 'trust.json'), 'utf8'));
  t.deepEqual(
    trust.roots.map((r: { keyId: string }) => r.keyId),
    [rotated['newKeyId'], rotated['oldKeyId']],
  );
  t.deepEqual(await readdir(ws.path('vendor', 'retired')), [`${rotated['oldKeyId']}.key`]);
  const after = await issue(t, ws);

  // The appliance learns the new root from the hand-over, then gets a certificate from it.
  await ws.refused(t, ['license', 'add', after, '--data', data], 'KEY_UNKNOWN');
  const handover = rotated['handover'].file as string;
  const learned = await ws.ok(t, ['client', 'trust-handover', handover, '--trust', data]);
  t.like(learned, {
    added: true,
    retired: false,
    from: rotated['oldKeyId'],
    to: rotated['newKeyId'],
  });
  await ws.given(t, [...delegate, '--out', ws.path('cert-2')]);
  const installed = await ws.given(t, [
    'appliance',
    'install-cert',
    ws.path('cert-2'),
    '--data',
    data,
  ]);
  await ws.given(t, ['license', 'add', after, '--data', data]);

  // Version 2 of the app ships the new trust file, which pins both roots.
  const newTrust = ws.path('vendor', 'trust.json');
  const m2 = await activate(t, ws, data, 'm2', after, newTrust);
  // Its response carries the certificate the new root signed.
  const carried = decodeCertificate(String(m2['qr']).split('+')[1]!);
  t.is(formatId('certificate', carried.certificateId), installed['certificateId']);
  t.is(formatId('key', carried.vendorKeyId), rotated['newKeyId']);
  t.like(await status(t, ws, 'm2', newTrust), { valid: true });
  t.like(await status(t, ws, 'm1', newTrust), { valid: true });

  // Version 1 pins only the old root: the new root's license is unknown to it until the hand-over.
  const m3Trust = ws.path('m3-trust.json');
  await copyFile(oldTrust, m3Trust);
  await ws.refused(
    t,
    ['client', 'challenge', '--license', after, '--store', ws.path('store-m3'), '--trust', m3Trust],
    'KEY_UNKNOWN',
    { AIRLOCK_MACHINE_ID: 'm3' },
  );
  await ws.given(t, ['client', 'trust-handover', handover, '--trust', m3Trust]);
  await activate(t, ws, data, 'm3', after, m3Trust);
  t.like(await status(t, ws, 'm3', m3Trust), { valid: true });
  // ...and the machine activated before the rotation, given the hand-over, stays valid too.
  await ws.given(t, ['client', 'trust-handover', handover, '--trust', oldTrust]);
  t.like(await status(t, ws, 'm1', oldTrust), { valid: true });
  const again = await ws.given(t, ['client', 'trust-handover', handover, '--trust', oldTrust]);
  t.like(again, { added: false, retired: false });
});

test('retiring the old root ends the trust in it, and a compromised root signs no hand-over', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const oldTrust = ws.path('old-trust.json');
  await copyFile(ws.path('vendor', 'trust.json'), oldTrust);
  const oldKey = await issue(t, ws);
  const rotated = await ws.given(t, ['vendor', 'rotate-key', '--vendor', ws.vendor]);
  await ws.refused(
    t,
    ['vendor', 'retire-key', rotated['newKeyId'], '--vendor', ws.vendor],
    'USAGE',
  );
  const retired = await ws.ok(t, [
    'vendor',
    'retire-key',
    rotated['oldKeyId'],
    '--vendor',
    ws.vendor,
  ]);
  t.deepEqual(retired['roots'], [rotated['newKeyId']]);
  t.deepEqual(retired['retired'], [rotated['oldKeyId']]);
  t.deepEqual(await readdir(ws.path('vendor', 'retired')), []);
  await ws.refused(
    t,
    ['vendor', 'retire-key', rotated['oldKeyId'], '--vendor', ws.vendor],
    'FILE_NOT_FOUND',
  );
  // A client pinning only the old root applies both hand-overs: it ends up trusting the new root
  // alone, and refuses the old root's license keys and any later word of the old root.
  const newKey = await issue(t, ws);
  await ws.given(t, ['client', 'trust-handover', retired['handover'].file, '--trust', oldTrust]);
  const pinned = JSON.parse(await readFile(oldTrust, 'utf8'));
  t.deepEqual(
    pinned.roots.map((r: { keyId: string }) => r.keyId),
    [rotated['newKeyId']],
  );
  t.deepEqual(pinned.retired, [rotated['oldKeyId']]);
  const store = ['--store', ws.store, '--trust', oldTrust];
  await ws.refused(t, ['client', 'challenge', '--license', oldKey, ...store], 'KEY_UNKNOWN');
  await ws.given(t, ['client', 'challenge', '--license', newKey, ...store]);
  await ws.refused(
    t,
    ['client', 'trust-handover', rotated['handover'].file, '--trust', oldTrust],
    'REVOKED',
  );

  // Compromised: no hand-over; the new trust file retires the old root at once.
  const leaked = await ws.ok(t, ['vendor', 'rotate-key', '--vendor', ws.vendor, '--compromised']);
  t.is(leaked['handover'], null);
  t.deepEqual(leaked['roots'], [leaked['newKeyId']]);
  t.deepEqual(leaked['retired'], [rotated['oldKeyId'], leaked['oldKeyId']]);
  await ws.refused(
    t,
    ['client', 'challenge', '--license', newKey, '--store', ws.path('s2'), '--trust', ws.vendor],
    'KEY_UNKNOWN',
  );
});

test('an interrupted rotation is finished by running it again, with the same new key', async (t) => {
  const ws = await Workspace.create(t);
  const env = { AIRLOCK_PASSPHRASE: 'vendor secret' };
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor], env);
  // Cut short after the new key was written: root.next.key is there, nothing else changed.
  const { writeKeyFile, readKeyFile } = await import('../../src/node/key-file.ts');
  const seed = new Uint8Array(32).fill(9);
  await writeKeyFile(ws.path('vendor', 'root.next.key'), seed, {
    label: 'airlock vendor root',
    passphrase: 'vendor secret',
  });
  const oldId = (await ws.given(t, ['vendor', 'rotate-key', '--vendor', ws.vendor], env))[
    'oldKeyId'
  ];
  const root = await readKeyFile(join(ws.vendor, 'root.key'), { passphrase: 'vendor secret' });
  t.deepEqual(root.seed, seed);
  t.true(root.sealed);
  const retired = await readKeyFile(join(ws.vendor, 'retired', `${oldId}.key`), {
    passphrase: 'vendor secret',
  });
  t.true(retired.sealed);
  await ws.refused(t, ['vendor', 'rotate-key', '--vendor', ws.vendor], 'PASSPHRASE_REQUIRED');
  // The kept root is a private key like the others: exposed, it stops every vendor command.
  await chmod(join(ws.vendor, 'retired', `${oldId}.key`), 0o644);
  const issue = ['license', 'issue', '--vendor', ws.vendor, '--product', 'acme-cad'];
  await ws.refused(t, issue, 'KEY_FILE_EXPOSED', env);
});

/** The certificate a response's QR form carries, by its ID. */
const carriedCertificate = (answer: Record<string, any>) =>
  formatId('certificate', decodeCertificate(String(answer['qr']).split('+')[1]!).certificateId);

test('appliance key rotation, delegated: the old key signs until the new certificate is installed; machines activated before keep validating and new ones activate', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const made = await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const delegate = ['vendor', 'delegate', made['requestFile'], '--vendor', ws.vendor];
  await ws.given(t, [...delegate, '--out', ws.path('cert-1')]);
  const first = await ws.given(t, ['appliance', 'install-cert', ws.path('cert-1'), '--data', data]);
  const key = await issue(t, ws);
  await ws.given(t, ['license', 'add', key, '--data', data]);
  const trust = ws.vendor;
  const m1 = await activate(t, ws, data, 'm1', key, trust);
  t.is(carriedCertificate(m1), first['certificateId']);

  const rotated = await ws.ok(t, ['appliance', 'rotate-key', '--data', data]);
  t.is(rotated['requestFile'], made['requestFile']);
  t.is(rotated['certificateId'], null);
  const waiting = await ws.given(t, ['appliance', 'info', '--data', data]);
  t.like(waiting, { keyId: rotated['oldKeyId'], applianceId: made['applianceId'] });
  t.is(waiting['keys'].pending, rotated['newKeyId']);
  // Until the vendor's certificate is installed, the old key answers.
  const m2 = await activate(t, ws, data, 'm2', key, trust);
  t.is(carriedCertificate(m2), first['certificateId']);
  t.like(await ws.given(t, ['appliance', 'rotate-key', '--data', data]), {
    newKeyId: rotated['newKeyId'],
  });

  await ws.given(t, [...delegate, '--out', ws.path('cert-2')]);
  const second = await ws.ok(t, ['appliance', 'install-cert', ws.path('cert-2'), '--data', data]);
  t.true(second['rotated']);
  const info = await ws.given(t, ['appliance', 'info', '--data', data]);
  t.like(info, { keyId: rotated['newKeyId'], applianceId: made['applianceId'] });
  t.deepEqual(info['keys'], {
    pending: null,
    retired: [{ keyId: rotated['oldKeyId'], certificateId: first['certificateId'], key: true }],
  });

  const m3 = await activate(t, ws, data, 'm3', key, trust);
  t.is(carriedCertificate(m3), second['certificateId']);
  for (const machine of ['m1', 'm2', 'm3']) {
    t.like(await status(t, ws, machine, trust), { valid: true }, machine);
  }
  // A machine activated before renews with the new key, keeping its activation.
  const renewed = await activate(t, ws, data, 'm1', key, trust);
  t.like(renewed, { activationId: m1['activationId'], renewal: true });
  t.is(carriedCertificate(renewed), second['certificateId']);

  await ws.refused(t, ['appliance', 'retire-key', rotated['newKeyId'], '--data', data], 'USAGE');
  const retired = await ws.ok(t, ['appliance', 'retire-key', rotated['oldKeyId'], '--data', data]);
  t.like(retired, { keyId: rotated['oldKeyId'], certificateId: first['certificateId'] });
  t.deepEqual(await readdir(ws.path('data', 'retired')), [`${rotated['oldKeyId']}.cert`]);
  t.like(await status(t, ws, 'm2', trust), { valid: true });
  await ws.refused(
    t,
    ['appliance', 'retire-key', rotated['oldKeyId'], '--data', data],
    'FILE_NOT_FOUND',
  );
});

test('appliance key rotation, standalone: the new key is certified at once; site bundles from before and after it import in sequence', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const key = await issue(t, ws);
  const made = await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  await ws.given(t, ['license', 'add', key, '--data', data]);
  const trust = join(data, 'trust.json');
  await activate(t, ws, data, 'm1', key, trust);
  const usb = ws.path('usb');
  await mkdir(usb);
  const before = await ws.given(t, ['sync', 'export', usb, '--data', data]);
  const bundleBefore = ws.path('site-1.bundle');
  await copyFile(before['paths'][0], bundleBefore);

  const rotated = await ws.ok(t, ['appliance', 'rotate-key', '--data', data]);
  t.not(rotated['certificateId'], made['certificateId']);
  t.is(rotated['requestFile'], null);
  const m2 = await activate(t, ws, data, 'm2', key, trust);
  t.is(carriedCertificate(m2), rotated['certificateId']);
  const after = await ws.given(t, ['sync', 'export', usb, '--data', data]);

  const m1 = { AIRLOCK_MACHINE_ID: 'm1' };
  const store = ['--store', ws.path('store-m1'), '--trust', trust];
  const one = await ws.given(t, ['client', 'import-revocations', bundleBefore, ...store], m1);
  const two = await ws.given(t, ['client', 'import-revocations', after['paths'][0], ...store], m1);
  t.like(one, { outcome: 'applied', sequence: 1, stream: `site:${made['applianceId'].slice(4)}` });
  t.like(two, { outcome: 'applied', sequence: 2, stream: one['stream'] });
  t.like(await status(t, ws, 'm1', trust), { valid: true });
  t.like(await status(t, ws, 'm2', trust), { valid: true });
});

test('an appliance key compromised: rotate, the vendor revokes the old certificate, machines under it renew and the appliance answers on', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const made = await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const delegate = ['vendor', 'delegate', made['requestFile'], '--vendor', ws.vendor];
  await ws.given(t, [...delegate, '--out', ws.path('cert-1')]);
  const first = await ws.given(t, ['appliance', 'install-cert', ws.path('cert-1'), '--data', data]);
  const key = await issue(t, ws);
  await ws.given(t, ['license', 'add', key, '--data', data]);
  const m1 = await activate(t, ws, data, 'm1', key, ws.vendor);

  // The procedure of docs/KEYS.md "When a key is compromised".
  const rotated = await ws.given(t, ['appliance', 'rotate-key', '--data', data]);
  await ws.given(t, [...delegate, '--out', ws.path('cert-2')]);
  await ws.given(t, ['appliance', 'install-cert', ws.path('cert-2'), '--data', data]);
  await ws.given(t, ['appliance', 'retire-key', rotated['oldKeyId'], '--data', data]);
  const revoke = [first['certificateId'], '--vendor', ws.vendor, '--reason', 'key-compromise'];
  await ws.given(t, ['vendor', 'revoke', ...revoke]);
  const bundle = ws.path('vendor.revocations');
  await ws.given(t, ['vendor', 'publish-revocations', '--vendor', ws.vendor, '--out', bundle]);
  await ws.given(t, ['sync', 'import', bundle, '--data', data]);

  const store = ['--store', ws.path('store-m1'), '--trust', ws.vendor];
  const env = { AIRLOCK_MACHINE_ID: 'm1' };
  await ws.given(t, ['client', 'import-revocations', bundle, ...store], env);
  const refused = await ws.refused(t, ['client', 'status', ...store], 'REVOKED', env);
  t.regex(refused.error['message'], /key-compromise/);
  // The appliance, holding the bundle, still answers under its new certificate: m1 renews.
  const renewed = await activate(t, ws, data, 'm1', key, ws.vendor);
  t.like(renewed, { activationId: m1['activationId'] });
  t.like(await status(t, ws, 'm1', ws.vendor), { valid: true });
});
