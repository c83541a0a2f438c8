// The appliance's HTTPS certificate from the command line: made at init with the names asked for
// and its fingerprint printed, shown again, renewed, or replaced by one the site's CA issued.

import { X509Certificate } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createSelfSignedCertificate } from '../../src/node/tls-certificate.ts';
import { Workspace } from './helpers.ts';

/** As browsers show it (test/node/tls-certificate.test.ts checks it is the DER's SHA-256). */
const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256;

test('init makes the certificate for the names given and prints its fingerprint; tls shows it again', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  const init = await ws.run(['appliance', 'init', '--data', data], {
    AIRLOCK_TLS_HOSTS: 'airlock.plant.lan,10.20.0.5',
  });
  t.is(init.exitCode, 0, init.stderr);
  const pem = await readFile(ws.path('data', 'tls', 'cert.pem'), 'utf8');
  const fingerprint = sha256(pem);
  t.true(
    init.stdout.includes(
      `TLS certificate ${data}/tls/cert.pem, for localhost, 127.0.0.1, ::1, airlock.plant.lan, 10.20.0.5, valid until `,
    ),
    init.stdout,
  );
  t.true(init.stdout.includes(`  SHA-256 fingerprint ${fingerprint}\n`), init.stdout);

  const shown = await ws.ok(t, ['appliance', 'tls', '--data', data]);
  t.like(shown, { outcome: 'unchanged', fingerprint, certFile: `${data}/tls/cert.pem` });
  t.deepEqual(shown['names'], ['localhost', '127.0.0.1', '::1', 'airlock.plant.lan', '10.20.0.5']);
});

test('--renew makes a new certificate with the names of the configuration file', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  const made = await ws.given(t, ['appliance', 'init', '--data', data]);
  await writeFile(ws.path('data', 'airlock.toml'), 'tls_hosts = ["desk.plant.lan"]\n');
  const renewed = await ws.ok(t, ['appliance', 'tls', '--data', data, '--renew']);
  t.is(renewed['outcome'], 'renewed');
  t.not(renewed['fingerprint'], made['tls'].fingerprint);
  t.true(renewed['names'].includes('desk.plant.lan'));
  const flagged = await ws.ok(t, [
    'appliance',
    'tls',
    '--data',
    data,
    '--renew',
    '--tls-hosts',
    '10.0.0.7',
  ]);
  t.true(flagged['names'].includes('10.0.0.7'), 'the flag wins over the file');
  t.false(flagged['names'].includes('desk.plant.lan'));
});

test('a certificate from the site’s CA is installed only with its own key', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data]);
  const now = Math.floor(Date.now() / 1000);
  const issued = await createSelfSignedCertificate({ hosts: ['site.lan'], now });
  const stranger = await createSelfSignedCertificate({ hosts: [], now });
  await writeFile(ws.path('site.pem'), issued.cert);
  await writeFile(ws.path('site.key'), issued.key);
  await writeFile(ws.path('stranger.key'), stranger.key);

  const before = await readFile(ws.path('data', 'tls', 'cert.pem'), 'utf8');
  const refused = await ws.refused(
    t,
    ['appliance', 'tls', '--data', data, '--cert', 'site.pem', '--key', 'stranger.key'],
    'TLS_INVALID',
  );
  t.is(refused.exitCode, 7);
  t.regex(refused.error['message'], /stranger\.key is not the private key of the certificate/);
  t.is(await readFile(ws.path('data', 'tls', 'cert.pem'), 'utf8'), before, 'nothing changed');

  const installed = await ws.ok(t, [
    'appliance',
    'tls',
    '--data',
    data,
    '--cert',
    'site.pem',
    '--key',
    'site.key',
  ]);
  t.like(installed, { outcome: 'installed', fingerprint: sha256(issued.cert) });
  t.is(await readFile(ws.path('data', 'tls', 'key.pem'), 'utf8'), issued.key);
  await ws.refused(t, ['appliance', 'tls', '--data', data, '--cert', 'site.pem'], 'USAGE');
  await ws.refused(t, ['appliance', 'tls', '--data', ws.path('typo')], 'FILE_NOT_FOUND');
});

test('the data directory’s TLS key open to other users stops the start, naming the file', async (t) => {
  const ws = await Workspace.create(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data]);
  await chmod(join(data, 'tls', 'key.pem'), 0o644);
  await ws.refused(t, ['appliance', 'tls', '--data', data], 'KEY_FILE_EXPOSED');
});
