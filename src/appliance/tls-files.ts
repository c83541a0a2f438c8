// The appliance's TLS certificate in its data directory: DATA/tls/cert.pem and DATA/tls/key.pem
// (mode 0600), self-signed at `appliance init` or installed from files the site's CA issued; and
// reading a certificate and key pair for `airlock serve`, checked before it listens.

import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { DATA_FILES } from './data-dir.ts';
import { errorCode, readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import { assertPrivatePath } from '../node/private-file.ts';
import {
  type CertificateFacts,
  checkKeyPair,
  createSelfSignedCertificate,
  describeCertificate,
} from '../node/tls-certificate.ts';

export const TLS_DIR = 'tls';
export const TLS_CERT_FILE = join(TLS_DIR, 'cert.pem');
export const TLS_KEY_FILE = join(TLS_DIR, 'key.pem');
/** A certificate chain or a key in PEM is a few KiB; a file far larger is the wrong file. */
const MAX_PEM_BYTES = 256 * 1024;

/** A certificate and its key, read and checked, ready for node:https. */
export interface TlsCredentials extends CertificateFacts {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface GenerateTlsOptions {
  /** Host names and IP addresses besides localhost, 127.0.0.1 and ::1. */
  readonly hosts: readonly string[];
  /** Unix seconds. */
  readonly now: number;
  /** The certificate's common name, e.g. "Airlock appliance apl_…". */
  readonly commonName?: string;
}

export const tlsPaths = (dir: string) => ({
  certFile: join(dir, TLS_CERT_FILE),
  keyFile: join(dir, TLS_KEY_FILE),
});

const exists = (path: string) =>
  stat(path).then(
    () => true,
    (error: unknown) => {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return false;
      throw error;
    },
  );

/** Writes the key first and the certificate last: a certificate present marks a whole pair. */
async function writePair(dir: string, cert: string, key: string): Promise<void> {
  const { certFile, keyFile } = tlsPaths(dir);
  // Never a tls/ folder in a mistyped path: only in a data directory that exists.
  if (!(await exists(join(dir, DATA_FILES.settings)))) {
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `${dir} is not an appliance data directory. Create one with \`airlock appliance init --data ${dir}\`.`,
    );
  }
  await mkdir(join(dir, TLS_DIR), { recursive: true, mode: 0o700 });
  await writeFileAtomic(keyFile, key, { mode: 0o600 });
  await writeFileAtomic(certFile, cert, { mode: 0o644 });
}

/** Makes a new self-signed certificate in DATA/tls, replacing the one there. */
export async function generateTlsCertificate(
  dir: string,
  options: GenerateTlsOptions,
): Promise<TlsCredentials> {
  const pair = await createSelfSignedCertificate({
    hosts: options.hosts,
    now: options.now,
    ...(options.commonName === undefined ? {} : { commonName: options.commonName }),
  });
  await writePair(dir, pair.cert, pair.key);
  return { ...pair, ...tlsPaths(dir), ...describeCertificate(pair.cert) };
}

/**
 * The data directory's certificate, made first when DATA/tls/cert.pem does not exist (a data
 * directory created before HTTPS, or by a test). `created` says whether it was just made.
 */
export async function ensureTlsCertificate(
  dir: string,
  options: GenerateTlsOptions,
): Promise<TlsCredentials & { readonly created: boolean }> {
  const { certFile, keyFile } = tlsPaths(dir);
  if (await exists(certFile)) {
    return { ...(await readTlsCredentials({ certFile, keyFile })), created: false };
  }
  return { ...(await generateTlsCertificate(dir, options)), created: true };
}

export interface TlsFileNames {
  readonly certFile: string;
  readonly keyFile: string;
  /** How messages name each file: the setting that gave it (default: the path). */
  readonly certSetting?: string;
  readonly keySetting?: string;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return new TextDecoder().decode(await readFileBounded(path, MAX_PEM_BYTES, 'PEM file'));
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') {
      throw new AirlockError('TLS_INVALID', `${what} does not exist.`, { path });
    }
    if (error instanceof AirlockError) {
      throw new AirlockError('TLS_INVALID', `${what} is not a PEM file of a few KiB.`, { path });
    }
    throw error;
  }
}

/** Reads a certificate (the server's first, then any chain) and its key, and checks they match. */
export async function readTlsCredentials(files: TlsFileNames): Promise<TlsCredentials> {
  const names = {
    cert: files.certSetting ?? `The certificate file ${files.certFile}`,
    key: files.keySetting ?? `The key file ${files.keyFile}`,
  };
  const cert = await readPem(files.certFile, names.cert);
  // The data directory's own key is held to the rule of every private key here (no group or other
  // bits); a configured one may follow its system's convention (Debian's ssl-cert group, 0640).
  if (files.keySetting === undefined) await assertPrivatePath(files.keyFile, 'TLS private key');
  const key = await readPem(files.keyFile, names.key);
  checkKeyPair(cert, key, names);
  return {
    cert,
    key,
    certFile: files.certFile,
    keyFile: files.keyFile,
    ...describeCertificate(cert, names.cert),
  };
}

/** Copies a certificate and key issued elsewhere into DATA/tls, once they are checked. */
export async function installTlsCertificate(
  dir: string,
  files: TlsFileNames,
): Promise<TlsCredentials> {
  // A key from elsewhere is checked as a configured one is; its copy in DATA/tls is written 0600.
  const read = await readTlsCredentials({
    keySetting: `The key file ${files.keyFile}`,
    ...files,
  });
  await writePair(dir, read.cert, read.key);
  return { ...read, ...tlsPaths(dir) };
}
