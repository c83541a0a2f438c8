// The appliance's data directory: its identity (appliance key, certificate, the vendor trust it
// verifies license keys against), its settings, its keyed-hash secret and its ledger.
// Standalone mode also keeps a vendor directory inside; delegated mode waits for a certificate.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { equalBytes, fromHex, toHex } from '../core/bytes.ts';
import type { Signer } from '../core/crypto.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type Certificate,
  certificateText,
  decodeCertificate,
  issueCertificate,
} from '../core/formats/certificate.ts';
import { formatId } from '../core/ids.ts';
import { readFileBounded, syncDirectory, writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { existingKeyFiles, readKeyFile, writeKeyFile } from '../node/key-file.ts';
import { airlockVersion } from '../node/build-info.ts';
import { assertPrivatePath, readPrivateFile } from '../node/private-file.ts';
import type { TrustAnchors } from '../sdk/trust.ts';
import { initVendor, openVendor, type Vendor, vendorKeyFiles } from '../vendor/vendor-dir.ts';
import { readTrustFile, writeTrustFile } from '../vendor/trust-file.ts';
import {
  checkDataFormat,
  DATA_FORMAT,
  formatOfSettings,
  readSettingsJson,
  SETTINGS_FORMAT,
} from './data-format.ts';

export const DATA_FILES = {
  settings: 'appliance.json',
  key: 'appliance.key',
  certificate: 'appliance.cert',
  request: 'delegation-request.json',
  trust: 'trust.json',
  vendor: 'vendor',
  secret: 'secret.key',
  ledger: 'ledger',
  /** A new key during `airlock appliance rotate-key`, and then its certificate (docs/KEYS.md). */
  nextKey: 'appliance.next.key',
  nextCertificate: 'appliance.next.cert',
  /** Keys replaced by a rotation (KEY_ID.key) and their certificates (KEY_ID.cert). */
  retired: 'retired',
} as const;

export { SETTINGS_FORMAT };
export const REQUEST_FORMAT = 'airlock-delegation-request/v1';
const STANDALONE_CERT_YEARS = 10;

export interface Settings {
  format: typeof SETTINGS_FORMAT;
  /** The data directory's format (src/appliance/data-format.ts) and the airlock that wrote it. */
  dataFormat: number;
  airlockVersion: string;
  applianceId: string;
  mode: 'standalone' | 'delegated';
  createdAt: number;
}

export interface DelegationRequest {
  format: typeof REQUEST_FORMAT;
  applianceId: string;
  publicKey: string;
  host: string;
  createdAt: number;
}

export interface InitOptions {
  /** Standalone with this vendor directory's root key (copied in), or a new demo vendor. */
  readonly vendorDir?: string;
  /** Delegated mode: the vendor's trust file; the appliance waits for a certificate. */
  readonly trustFile?: string;
  readonly passphrase?: string | undefined;
  readonly now: number;
}

export interface Initialised {
  readonly dir: string;
  readonly mode: Settings['mode'];
  readonly applianceId: string;
  /** Delegated mode: the request file for `airlock vendor delegate`. */
  readonly requestFile?: string;
  readonly certificateId?: string;
  readonly vendorKeyId?: string;
}

const exists = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;
const secretOf = (passphrase: string | undefined) => (passphrase ? { passphrase } : {});
const random = (n: number) => new Uint8Array(randomBytes(n));

function nonZero(n: number): Uint8Array {
  for (;;) {
    const bytes = random(n);
    if (bytes.some((b) => b !== 0)) return bytes;
  }
}

export async function initApplianceDir(dir: string, options: InitOptions): Promise<Initialised> {
  if (options.vendorDir !== undefined && options.trustFile !== undefined) {
    throw new AirlockError(
      'USAGE',
      'Choose standalone (--vendor) or delegated (--trust) mode, not both.',
    );
  }
  if (await exists(join(dir, DATA_FILES.settings))) {
    throw new AirlockError(
      'FILE_EXISTS',
      `${dir} already holds an appliance; it was left as it is.`,
    );
  }
  await mkdir(join(dir, DATA_FILES.ledger), { recursive: true, mode: 0o700 });
  const applianceId = nonZero(4);
  const seed = random(32);
  const signer = nodeSuite.signer(seed);
  const secret = secretOf(options.passphrase);
  await writeKeyFile(join(dir, DATA_FILES.key), seed, { ...secret, label: 'airlock appliance' });
  await writeFileAtomic(join(dir, DATA_FILES.secret), `${toHex(random(32))}\n`, { mode: 0o600 });
  let standing: KeyStanding;
  if (options.trustFile !== undefined) {
    standing = { trust: await readTrustFile(options.trustFile) };
  } else {
    const vendorDir = join(dir, DATA_FILES.vendor);
    const vendor = options.vendorDir
      ? await copyVendor(options.vendorDir, vendorDir, options.passphrase)
      : await (async () => {
          await initVendor(vendorDir, { ...secret, random });
          return openVendor(vendorDir, secret);
        })();
    standing = { vendor, trust: vendor.trust };
  }
  const result = await certifyKey(dir, applianceId, signer.publicKey, standing, options.now);
  await writeSettings(dir, toHex(applianceId), result.mode, options.now);
  return result;
}

/** What a new appliance key stands on: the vendor key held (standalone), or only the trust. */
export interface KeyStanding {
  readonly trust: TrustAnchors;
  readonly vendor?: Vendor;
}

/**
 * A new data directory's key put in standing: certified at once by the vendor key it holds
 * (standalone), or a delegation request written for the vendor (delegated). Writes trust.json.
 */
export async function certifyKey(
  dir: string,
  applianceId: Uint8Array,
  publicKey: Uint8Array,
  standing: KeyStanding,
  now: number,
): Promise<Initialised> {
  const id = formatId('appliance', applianceId);
  const { vendor } = standing;
  if (vendor === undefined) {
    await writeTrustFile(join(dir, DATA_FILES.trust), standing.trust);
    const requestFile = await writeDelegationRequest(dir, applianceId, publicKey, now);
    return { dir, mode: 'delegated', applianceId: id, requestFile };
  }
  const certificate = standaloneCertificate(vendor, applianceId, publicKey, now);
  await writeFileAtomic(join(dir, DATA_FILES.certificate), `${certificateText(certificate)}\n`);
  await publishCertificate(dir, standing.trust, certificate);
  return {
    dir,
    mode: 'standalone',
    applianceId: id,
    certificateId: formatId('certificate', certificate.certificateId),
    vendorKeyId: vendor.keyId,
  };
}

/** The settings file, written last: its presence marks a complete data directory. */
export async function writeSettings(
  dir: string,
  applianceIdHex: string,
  mode: Settings['mode'],
  now: number,
): Promise<void> {
  const settings: Settings = {
    format: SETTINGS_FORMAT,
    dataFormat: DATA_FORMAT,
    airlockVersion: airlockVersion(),
    applianceId: applianceIdHex,
    mode,
    createdAt: now,
  };
  await writeFileAtomic(join(dir, DATA_FILES.settings), `${JSON.stringify(settings, null, 2)}\n`);
}

/** Delegated mode: what the vendor signs (`airlock vendor delegate`), for a new or rotated key. */
export async function writeDelegationRequest(
  dir: string,
  applianceId: Uint8Array,
  publicKey: Uint8Array,
  now: number,
): Promise<string> {
  const request: DelegationRequest = {
    format: REQUEST_FORMAT,
    applianceId: toHex(applianceId),
    publicKey: toHex(publicKey),
    host: hostname(),
    createdAt: now,
  };
  const requestFile = join(dir, DATA_FILES.request);
  await writeFileAtomic(requestFile, `${JSON.stringify(request, null, 2)}\n`);
  return requestFile;
}

/**
 * Puts the appliance key's current certificate into DATA/trust.json, the file the site's machines
 * trust, in place of an earlier one for the same key or for the key it replaces (`previous`): a
 * machine holding the file can then verify the short typed response of a first activation, which
 * does not carry the certificate. Other nodes' certificates of the same appliance stay.
 */
export async function publishCertificate(
  dir: string,
  trust: TrustAnchors,
  certificate: Certificate,
  previous?: Certificate,
): Promise<void> {
  const replaced = (c: Certificate) =>
    equalBytes(c.publicKey, certificate.publicKey) ||
    (previous !== undefined && equalBytes(c.publicKey, previous.publicKey));
  const others = trust.certificates.filter((c) => !replaced(c));
  await writeTrustFile(join(dir, DATA_FILES.trust), {
    ...trust,
    certificates: [...others, certificate],
  });
}

/** Standalone mode: the appliance certifies its own key with the vendor root it holds. */
export function standaloneCertificate(
  vendor: Vendor,
  applianceId: Uint8Array,
  publicKey: Uint8Array,
  now: number,
): Certificate {
  return issueCertificate(
    {
      applianceId,
      publicKey,
      notAfter: Math.min(now + STANDALONE_CERT_YEARS * 365 * 86400, 0xffffffff),
      seatQuota: 0,
      product: null,
    },
    vendor.signer,
  );
}

/** Standalone with an existing vendor: its root key and trust file are copied into the data dir. */
export async function copyVendor(
  from: string,
  to: string,
  passphrase: string | undefined,
): Promise<Vendor> {
  const source = await openVendor(from, secretOf(passphrase));
  await mkdir(to, { recursive: true, mode: 0o700 });
  const { seed } = await readKeyFile(join(from, 'root.key'), secretOf(passphrase));
  await writeKeyFile(join(to, 'root.key'), seed, {
    ...secretOf(passphrase),
    label: 'airlock vendor root',
  });
  await writeTrustFile(join(to, 'trust.json'), source.trust);
  return openVendor(to, secretOf(passphrase));
}

/** Every private key file in a data directory: the appliance's, and a standalone vendor's. */
export async function applianceKeyFiles(dir: string): Promise<string[]> {
  return [
    ...(await existingKeyFiles(
      [join(dir, DATA_FILES.key), join(dir, DATA_FILES.nextKey)],
      [join(dir, DATA_FILES.retired)],
    )),
    ...(await vendorKeyFiles(join(dir, DATA_FILES.vendor))),
  ];
}

export interface ApplianceIdentity {
  readonly dir: string;
  readonly settings: Settings;
  readonly applianceId: Uint8Array;
  readonly signer: Signer;
  /** Undefined in delegated mode until a certificate is installed. */
  readonly certificate: Certificate | undefined;
  readonly trust: TrustAnchors;
  /** The keyed-hash secret for server-held license keys. */
  readonly secret: Uint8Array;
}

export async function openApplianceDir(
  dir: string,
  options: { passphrase?: string | undefined } = {},
): Promise<ApplianceIdentity> {
  const settingsPath = join(dir, DATA_FILES.settings);
  if (!(await exists(settingsPath))) {
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `${dir} is not an appliance data directory. Create one with \`airlock appliance init --data ${dir}\`.`,
    );
  }
  const json = await readSettingsJson(dir);
  const found = formatOfSettings(json);
  if (found !== null) checkDataFormat(found, dir);
  const raw = json as Settings;
  if (
    found === null ||
    typeof raw.applianceId !== 'string' ||
    fromHex(raw.applianceId)?.length !== 4
  ) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `${settingsPath} is not a settings file of this version of Airlock.`,
    );
  }
  const { seed } = await readKeyFile(join(dir, DATA_FILES.key), secretOf(options.passphrase));
  const signer = nodeSuite.signer(seed);
  const trust = await readTrustFile(join(dir, DATA_FILES.trust));
  const secretText = new TextDecoder()
    .decode(await readPrivateFile(join(dir, DATA_FILES.secret), 1024, 'secret file'))
    .trim();
  const secret = fromHex(secretText);
  if (secret === undefined || secret.length !== 32)
    throw new AirlockError('KEY_FILE_INVALID', `${join(dir, DATA_FILES.secret)} is damaged.`);
  // Keys not opened to serve (a standalone vendor root, retired keys) are refused at start-up too.
  for (const path of await applianceKeyFiles(dir)) await assertPrivatePath(path, 'key file');
  const certificate = await certificateOf(dir, signer.publicKey);
  return {
    dir,
    settings: raw,
    applianceId: fromHex(raw.applianceId)!,
    signer,
    certificate,
    trust,
    secret,
  };
}

export async function readCertificateFile(path: string): Promise<Certificate | undefined> {
  if (!(await exists(path))) return undefined;
  return decodeCertificate(
    new TextDecoder().decode(await readFileBounded(path, 4096, 'appliance certificate')),
  );
}

/**
 * The certificate of the appliance key: appliance.cert, or the one a key rotation cut short left
 * in appliance.next.cert after the new key took its place (moved into place now). A certificate
 * of another key is damage: signing with one key under another's certificate helps nobody.
 */
async function certificateOf(dir: string, publicKey: Uint8Array): Promise<Certificate | undefined> {
  const path = join(dir, DATA_FILES.certificate);
  const current = await readCertificateFile(path);
  if (current !== undefined && equalBytes(current.publicKey, publicKey)) return current;
  const nextPath = join(dir, DATA_FILES.nextCertificate);
  const next = await readCertificateFile(nextPath);
  if (next !== undefined && equalBytes(next.publicKey, publicKey)) {
    await rename(nextPath, path);
    await syncDirectory(dir);
    return next;
  }
  if (current === undefined) return undefined;
  throw new AirlockError(
    'KEY_FILE_INVALID',
    `${path} certifies another key than ${join(dir, DATA_FILES.key)} holds: restore both from the same backup, or install the certificate of this key (\`airlock appliance install-cert\`).`,
    { path },
  );
}

/** Vendor side: reads a delegation request strictly. */
export function parseDelegationRequest(json: unknown): {
  applianceId: Uint8Array;
  publicKey: Uint8Array;
} {
  const r = json as Partial<DelegationRequest> | null;
  const applianceId = typeof r?.applianceId === 'string' ? fromHex(r.applianceId) : undefined;
  const publicKey = typeof r?.publicKey === 'string' ? fromHex(r.publicKey) : undefined;
  if (
    r?.format !== REQUEST_FORMAT ||
    applianceId?.length !== 4 ||
    publicKey?.length !== 32 ||
    applianceId.every((b) => b === 0)
  ) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'This is not a delegation request made by `airlock appliance init --trust …`.',
    );
  }
  return { applianceId, publicKey };
}
