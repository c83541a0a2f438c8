// The appliance's TLS files (src/appliance/tls-files.ts): made once in DATA/tls with a private key
// file, kept across starts, replaced on request, installed from a site CA's files once checked.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import {
  ensureTlsCertificate,
  generateTlsCertificate,
  installTlsCertificate,
  readTlsCredentials,
  tlsPaths,
} from '../../src/appliance/tls-files.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { createSelfSignedCertificate } from '../../src/node/tls-certificate.ts';

const NOW = 1_800_000_000;

async function dataDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: NOW });
  return dir;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

test('a data directory without a certificate gets one, kept on the next start', async (t) => {
  const dir = await dataDir(t);
  const first = await ensureTlsCertificate(dir, { hosts: ['airlock.lan'], now: NOW });
  t.true(first.created);
  t.deepEqual(first.names, ['localhost', '127.0.0.1', '::1', 'airlock.lan']);
  const { certFile, keyFile } = tlsPaths(dir);
  t.is(first.certFile, certFile);
  t.is(await mode(keyFile), 0o600);
  t.is(await mode(join(dir, 'tls')), 0o700);
  t.is(await readFile(certFile, 'utf8'), first.cert);

  const second = await ensureTlsCertificate(dir, { hosts: ['other.lan'], now: NOW + 10 });
  t.false(second.created);
  t.is(second.fingerprint, first.fingerprint);
  t.is(second.key, first.key);
});

test('a new certificate replaces the old one, with a new fingerprint', async (t) => {
  const dir = await dataDir(t);
  const first = await generateTlsCertificate(dir, { hosts: [], now: NOW });
  const renewed = await generateTlsCertificate(dir, { hosts: ['10.0.0.9'], now: NOW + 60 });
  t.not(renewed.fingerprint, first.fingerprint);
  const read = await readTlsCredentials(tlsPaths(dir));
  t.is(read.fingerprint, renewed.fingerprint);
  t.true(read.names.includes('10.0.0.9'));
});

test('nothing is written outside an appliance data directory', async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'airlock-tls-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const missing = join(scratch, 'typo');
  await t.throwsAsync(ensureTlsCertificate(missing, { hosts: [], now: NOW }), {
    instanceOf: AirlockError,
    message: /is not an appliance data directory/,
  });
  await t.throwsAsync(stat(missing));
});

test('a certificate from the site’s CA is installed once its key is checked', async (t) => {
  const dir = await dataDir(t);
  const scratch = await mkdtemp(join(tmpdir(), 'airlock-ca-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const issued = await createSelfSignedCertificate({ hosts: ['desk.lan'], now: NOW });
  const other = await createSelfSignedCertificate({ hosts: [], now: NOW });
  const files = { certFile: join(scratch, 'c.pem'), keyFile: join(scratch, 'k.pem') };
  await writeFile(files.certFile, issued.cert);
  await writeFile(files.keyFile, other.key);
  const refused = await t.throwsAsync(installTlsCertificate(dir, files), {
    instanceOf: AirlockError,
  });
  t.is(refused?.code, 'TLS_INVALID');
  t.regex(refused?.message ?? '', /is not the private key of the certificate/);
  await t.throwsAsync(stat(tlsPaths(dir).certFile), undefined, 'nothing installed');

  await writeFile(files.keyFile, issued.key);
  const installed = await installTlsCertificate(dir, files);
  t.is(installed.certFile, tlsPaths(dir).certFile);
  t.is(await readFile(tlsPaths(dir).keyFile, 'utf8'), issued.key);
  t.is(await mode(tlsPaths(dir).keyFile), 0o600);
  t.is(
    (await ensureTlsCertificate(dir, { hosts: [], now: NOW })).fingerprint,
    installed.fingerprint,
  );
});

test('missing or unreadable files are TLS_INVALID naming the setting that gave them', async (t) => {
  const dir = await dataDir(t);
  const { certFile, keyFile } = tlsPaths(dir);
  const named = {
    certFile,
    keyFile,
    certSetting: 'The certificate (tls_cert, from AIRLOCK_TLS_CERT)',
    keySetting: 'The key (tls_key, from AIRLOCK_TLS_KEY)',
  };
  await t.throwsAsync(readTlsCredentials(named), {
    instanceOf: AirlockError,
    message: 'The certificate (tls_cert, from AIRLOCK_TLS_CERT) does not exist.',
  });
  await generateTlsCertificate(dir, { hosts: [], now: NOW });
  await writeFile(keyFile, 'x'.repeat(300 * 1024));
  await t.throwsAsync(readTlsCredentials(named), {
    message: 'The key (tls_key, from AIRLOCK_TLS_KEY) is not a PEM file of a few KiB.',
  });
  await generateTlsCertificate(dir, { hosts: [], now: NOW });
  await writeFile(certFile, 'not PEM');
  await t.throwsAsync(readTlsCredentials({ certFile, keyFile }), {
    message: `The certificate file ${certFile} is not a PEM certificate.`,
  });
});
