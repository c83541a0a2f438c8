// TLS certificates for the appliance's HTTPS: a self-signed ECDSA P-256 certificate made in this
// process (Node's webcrypto signs, @peculiar/x509 encodes), and what an operator needs to know of
// any certificate: its SHA-256 fingerprint as browsers show it, its names and its validity.

import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { AirlockError } from '../core/errors.ts';

/** The most days a TLS server certificate may be valid on Apple's platforms (and so anywhere). */
export const MAX_CERTIFICATE_DAYS = 825;
/** Always in a generated certificate: the names a browser on the appliance itself uses. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'] as const;
/** The validity starts this much before "now", for clients whose clock is a little behind. */
const BACKDATE_SECONDS = 3600;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A name a certificate may carry: an IP address, or a DNS name (letters, digits, hyphens). */
export function isCertificateHost(name: string): boolean {
  if (isIP(name) !== 0) return true;
  const lower = name.toLowerCase();
  return lower.length <= 253 && lower.split('.').every((label) => LABEL.test(label));
}

export interface SelfSignedOptions {
  /** Host names and IP addresses besides localhost, 127.0.0.1 and ::1. */
  readonly hosts: readonly string[];
  /** Unix seconds. */
  readonly now: number;
  /** Days of validity, 1 to 825 (default 825). */
  readonly days?: number;
  /** The subject's common name (default "Airlock appliance"). */
  readonly commonName?: string;
}

export interface PemPair {
  /** The certificate, PEM. */
  readonly cert: string;
  /** Its private key, unencrypted PKCS #8 PEM. */
  readonly key: string;
}

/** A DNS name in lower case, an IPv6 address in its shortest form ("::1"), for comparing. */
export function canonicalHost(name: string): string {
  if (isIP(name) === 6) return new URL(`http://[${name}]/`).hostname.slice(1, -1);
  return isIP(name) === 4 ? name : name.toLowerCase();
}

/** The certificate's names, loopback first, each once. */
export function certificateNames(hosts: readonly string[]): string[] {
  for (const host of hosts) {
    if (typeof host !== 'string' || !isCertificateHost(host)) {
      throw new TypeError(`"${String(host).slice(0, 60)}" is not a host name or IP address`);
    }
  }
  return [...new Set([...LOOPBACK_NAMES, ...hosts].map(canonicalHost))];
}

/**
 * A new key pair and a self-signed certificate for it: ECDSA P-256 with SHA-256 (what every
 * browser and TLS library accepts), a leaf (not a CA) for TLS servers, valid for `hosts`
 * besides the loopback names. Apple's platforms refuse TLS certificates valid for more than
 * 825 days; 825 is the default.
 */
export async function createSelfSignedCertificate(options: SelfSignedOptions): Promise<PemPair> {
  const days = options.days ?? MAX_CERTIFICATE_DAYS;
  if (!Number.isSafeInteger(options.now) || options.now < BACKDATE_SECONDS) {
    throw new TypeError('now must be Unix seconds');
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_CERTIFICATE_DAYS) {
    throw new TypeError(`days must be a whole number from 1 to ${MAX_CERTIFICATE_DAYS}`);
  }
  const names = certificateNames(options.hosts);
  // The library needs a Reflect metadata polyfill, loaded first; both only when a certificate is
  // made, so no other command pays for them.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  // A positive serial of 16 random bytes whose first byte keeps its DER encoding minimal.
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const notBefore = options.now - BACKDATE_SECONDS;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(serial).toString('hex'),
    name: [{ CN: [options.commonName ?? 'Airlock appliance'] }],
    notBefore: new Date(notBefore * 1000),
    notAfter: new Date((notBefore + days * 86400) * 1000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.SubjectAlternativeNameExtension(
        names.map((value) => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value })),
      ),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    cert: `${certificate.toString('pem')}\n`,
    key: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export interface CertificateFacts {
  /** SHA-256 of the certificate, in the colon-separated upper-case hex browsers show. */
  readonly fingerprint: string;
  readonly subject: string;
  /** DNS names and IP addresses it is valid for. */
  readonly names: readonly string[];
  /** Unix seconds. */
  readonly notBefore: number;
  readonly notAfter: number;
}

/** `what` names the file (or the setting that named it) in messages. */
function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new AirlockError('TLS_INVALID', `${what} is not a PEM certificate.`);
  }
}

export function describeCertificate(pem: string, what = 'The certificate'): CertificateFacts {
  const certificate = parseCertificate(pem, what);
  const names = (certificate.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => (isCertificateHost(name) ? canonicalHost(name) : name));
  return {
    fingerprint: certificate.fingerprint256,
    subject: certificate.subject.replace(/\n/g, ', '),
    names,
    notBefore: Math.floor(Date.parse(certificate.validFrom) / 1000),
    notAfter: Math.floor(Date.parse(certificate.validTo) / 1000),
  };
}

/**
 * Checks that `key` is an unencrypted PEM private key belonging to `cert`, before the server
 * starts (Node would only fail at the first handshake, or with OpenSSL's words).
 */
export function checkKeyPair(cert: string, key: string, names: { cert: string; key: string }) {
  const certificate = parseCertificate(cert, names.cert);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new AirlockError(
      'TLS_INVALID',
      `${names.key} is not an unencrypted PEM private key (Airlock reads keys without a passphrase; keep the file readable only by the appliance).`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new AirlockError(
      'TLS_INVALID',
      `${names.key} is not the private key of the certificate ${names.cert}.`,
    );
  }
}
