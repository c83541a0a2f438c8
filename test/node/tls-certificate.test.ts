// The appliance's self-signed TLS certificate (src/node/tls-certificate.ts): what browsers and TLS
// libraries require of it, checked by Node's X509 parser, by a real TLS handshake, and by the
// `openssl` command as an independent implementation where it is installed.

import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import {
  canonicalHost,
  checkKeyPair,
  createSelfSignedCertificate,
  describeCertificate,
  isCertificateHost,
  MAX_CERTIFICATE_DAYS,
} from '../../src/node/tls-certificate.ts';

const NOW = 1_800_000_000;
const HOSTS = ['Airlock.Example.LAN', '10.0.0.5', 'fd00::5'];
const made = createSelfSignedCertificate({ hosts: HOSTS, now: NOW });
/** One valid now, for the TLS handshake and OpenSSL, which check it against the real clock. */
const live = createSelfSignedCertificate({ hosts: HOSTS, now: Math.floor(Date.now() / 1000) });

test('the certificate is ECDSA P-256 with SHA-256, a server leaf (not a CA), valid at most 825 days', async (t) => {
  const { cert, key } = await made;
  const x509 = new X509Certificate(cert);
  t.is(x509.publicKey.asymmetricKeyType, 'ec');
  t.is(x509.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.false(x509.ca);
  t.true(x509.verify(x509.publicKey), 'self-signed');
  t.true(x509.checkPrivateKey(createPrivateKey(key)));
  t.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage: TLS server');
  const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
  t.true(days <= MAX_CERTIFICATE_DAYS);
  t.true(Date.parse(x509.validFrom) / 1000 <= NOW, 'valid from before now');
  t.regex(key, /^-----BEGIN PRIVATE KEY-----\n/);
});

test('it names localhost, 127.0.0.1, ::1 and the hosts given, each once', async (t) => {
  const { cert } = await made;
  const x509 = new X509Certificate(cert);
  for (const host of ['localhost', 'airlock.example.lan']) t.is(x509.checkHost(host), host);
  for (const ip of ['127.0.0.1', '::1', '10.0.0.5', 'fd00::5']) t.is(x509.checkIP(ip), ip);
  t.is(x509.checkHost('other.example.lan'), undefined);
  t.deepEqual(describeCertificate(cert).names, [
    'localhost',
    '127.0.0.1',
    '::1',
    'airlock.example.lan',
    '10.0.0.5',
    'fd00::5',
  ]);
  const again = await createSelfSignedCertificate({ hosts: ['localhost', '::1'], now: NOW });
  t.deepEqual(describeCertificate(again.cert).names, ['localhost', '127.0.0.1', '::1']);
});

test('the fingerprint is the SHA-256 of the DER certificate, as browsers show it', async (t) => {
  const { cert } = await made;
  const facts = describeCertificate(cert);
  const der = new X509Certificate(cert).raw;
  const expected = createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
  t.is(facts.fingerprint, expected);
  t.regex(facts.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.is(facts.notBefore, NOW - 3600);
  t.is(facts.notAfter, NOW - 3600 + MAX_CERTIFICATE_DAYS * 86400);
  t.regex(facts.subject, /CN=Airlock appliance/);
});

test('a TLS client that trusts the certificate connects by name and by address', async (t) => {
  const { cert, key } = await live;
  const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const get = (servername: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, servername, ca: cert, agent: false }, (res) =>
        res.setEncoding('utf8').on('data', resolve),
      );
      req.on('error', reject).end();
    });
  t.is(await get('localhost'), 'ok');
  t.is(await get('airlock.example.lan'), 'ok');
  await t.throwsAsync(get('elsewhere.example.lan'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});

test('OpenSSL verifies it as a TLS server certificate for its names', async (t) => {
  const { cert } = await live;
  const dir = await mkdtemp(join(tmpdir(), 'airlock-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cert.pem');
  await writeFile(file, cert);
  const openssl = (args: string[]) => promisify(execFile)('openssl', args);
  try {
    await openssl(['version']);
  } catch {
    t.log('openssl is not installed here: only Node checked the certificate');
    t.pass();
    return;
  }
  const verify = (extra: string[]) =>
    openssl(['verify', '-CAfile', file, '-purpose', 'sslserver', ...extra, file]);
  t.regex((await verify(['-verify_hostname', 'localhost'])).stdout, /OK/);
  t.regex((await verify(['-verify_ip', '10.0.0.5'])).stdout, /OK/);
  await t.throwsAsync(verify(['-verify_hostname', 'elsewhere.example.lan']));
});

test('a key that is not the certificate’s, or not a key, is refused with TLS_INVALID', async (t) => {
  const { cert, key } = await made;
  const other = await createSelfSignedCertificate({ hosts: [], now: NOW });
  const names = { cert: 'cert.pem', key: 'key.pem' };
  t.notThrows(() => checkKeyPair(cert, key, names));
  t.throws(() => checkKeyPair(cert, other.key, names), {
    instanceOf: AirlockError,
    message: 'key.pem is not the private key of the certificate cert.pem.',
  });
  t.throws(() => checkKeyPair(cert, 'not a key', names), {
    instanceOf: AirlockError,
    message: /key\.pem is not an unencrypted PEM private key/,
  });
  const encrypted = createPrivateKey(key)
    .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' })
    .toString();
  t.throws(() => checkKeyPair(cert, encrypted, names), { message: /unencrypted/ });
  t.throws(() => checkKeyPair('garbage', key, names), {
    instanceOf: AirlockError,
    message: 'cert.pem is not a PEM certificate.',
  });
  t.throws(() => describeCertificate(key, 'The file'), { message: /not a PEM certificate/ });
});

test('host names and addresses are checked; misuse throws TypeError', async (t) => {
  for (const good of ['a', 'airlock-1.example.lan', '10.0.0.1', '::1', 'xn--bcher-kva.example']) {
    t.true(isCertificateHost(good), good);
  }
  for (const bad of [
    '',
    '-a.example',
    'a-.example',
    'a..b',
    'a b',
    '*.example',
    'a/b',
    'é.example',
  ]) {
    t.false(isCertificateHost(bad), bad);
  }
  t.false(isCertificateHost(`${'a'.repeat(63)}.`.repeat(4) + 'com'));
  t.is(canonicalHost('0:0:0:0:0:0:0:1'), '::1');
  t.is(canonicalHost('Host.Example'), 'host.example');
  await t.throwsAsync(createSelfSignedCertificate({ hosts: ['*.example'], now: NOW }), {
    instanceOf: TypeError,
  });
  await t.throwsAsync(createSelfSignedCertificate({ hosts: [], now: NOW, days: 826 }), {
    instanceOf: TypeError,
  });
  await t.throwsAsync(createSelfSignedCertificate({ hosts: [], now: Number.NaN }), {
    instanceOf: TypeError,
  });
});
