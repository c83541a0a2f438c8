// The appliance key's custody over time (docs/KEYS.md "The appliance key"): installing a
// certificate, rotating to a new key (which waits for its certificate in delegated mode, while the
// old key keeps signing), and retiring replaced keys. The appliance ID never changes.

import { readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { equalBytes } from '../core/bytes.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type Certificate,
  certificateText,
  decodeCertificate,
} from '../core/formats/certificate.ts';
import { formatId, keyIdOf, parseId } from '../core/ids.ts';
import { syncDirectory, writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { keepKeyFile, type KeyFile, readKeyFile, writeKeyFile } from '../node/key-file.ts';
import { verifyCertificateChain } from '../sdk/trust.ts';
import { openVendor } from '../vendor/vendor-dir.ts';
import {
  type ApplianceIdentity,
  DATA_FILES,
  openApplianceDir,
  publishCertificate,
  readCertificateFile,
  standaloneCertificate,
  writeDelegationRequest,
} from './data-dir.ts';

export interface KeyOptions {
  readonly passphrase?: string | undefined;
  /** Unix seconds. */
  readonly now: number;
}

export interface RotatedKey {
  readonly oldKeyId: string;
  readonly newKeyId: string;
  /** Delegated: the request for the vendor; the old key signs until its certificate is installed. */
  readonly requestFile?: string;
  /** Standalone: the new key's certificate, in use at once. */
  readonly certificate?: Certificate;
}

export interface RetiredKey {
  readonly keyId: string;
  /** The certificate the key had, kept in retired/ (the one to revoke if the key leaked). */
  readonly certificateId: string | null;
}

export interface KeyStatus {
  /** A rotated-in key waiting for its certificate (delegated mode). */
  readonly pending: string | null;
  readonly retired: readonly { keyId: string; certificateId: string | null; key: boolean }[];
}

const secretOf = (passphrase: string | undefined) => (passphrase ? { passphrase } : {});
const keyIdText = (publicKey: Uint8Array) => formatId('key', keyIdOf(publicKey));
const retiredFile = (dir: string, keyId: string, ext: 'key' | 'cert') =>
  join(dir, DATA_FILES.retired, `${keyId}.${ext}`);

async function pendingKey(dir: string, passphrase: string | undefined) {
  return readKeyFile(join(dir, DATA_FILES.nextKey), secretOf(passphrase)).catch(
    (error: unknown) => {
      if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') return undefined;
      throw error;
    },
  );
}

/**
 * The switch to the rotated-in key, in an order where a crash anywhere leaves a directory that
 * opens with a key and its own certificate: the new certificate (appliance.next.cert), the old
 * key and certificate kept in retired/, the new key renamed over the old one, then its
 * certificate (openApplianceDir finishes that last step if it was cut short).
 */
async function promote(identity: ApplianceIdentity, certificate: Certificate): Promise<void> {
  const { dir } = identity;
  await writeFileAtomic(join(dir, DATA_FILES.nextCertificate), `${certificateText(certificate)}\n`);
  const oldKeyId = keyIdText(identity.signer.publicKey);
  await keepKeyFile(join(dir, DATA_FILES.key), retiredFile(dir, oldKeyId, 'key'));
  if (identity.certificate !== undefined) {
    const text = `${certificateText(identity.certificate)}\n`;
    await writeFileAtomic(retiredFile(dir, oldKeyId, 'cert'), text);
  }
  await rename(join(dir, DATA_FILES.nextKey), join(dir, DATA_FILES.key));
  await rename(join(dir, DATA_FILES.nextCertificate), join(dir, DATA_FILES.certificate));
  await syncDirectory(dir);
  await publishCertificate(dir, identity.trust, certificate, identity.certificate);
}

function checkCertificate(identity: ApplianceIdentity, certificate: Certificate, now: number) {
  verifyCertificateChain(certificate, identity.trust, nodeSuite);
  if (certificate.notAfter <= now) {
    throw new AirlockError(
      'CERTIFICATE_EXPIRED',
      'This certificate has already expired; ask the vendor for a new one.',
    );
  }
}

/**
 * Installs the certificate the vendor signed: for the appliance key (a first or renewed
 * certificate), or for the key a rotation brought in, which then replaces the appliance key.
 */
export async function installCertificate(
  dir: string,
  text: string,
  options: KeyOptions,
): Promise<Certificate & { readonly rotated: boolean }> {
  const identity = await openApplianceDir(dir, options);
  const certificate = decodeCertificate(text);
  const pending = await pendingKey(dir, options.passphrase);
  const forPending = pending !== undefined && equalBytes(certificate.publicKey, pending.publicKey);
  if (
    !(forPending || equalBytes(certificate.publicKey, identity.signer.publicKey)) ||
    !equalBytes(certificate.applianceId, identity.applianceId)
  ) {
    throw new AirlockError(
      'CERTIFICATE_UNKNOWN',
      `This certificate was made for another appliance (its key or appliance ID differ from ${formatId('appliance', identity.applianceId)} with key ${keyIdText(identity.signer.publicKey)}${pending ? ` or the rotated-in ${formatId('key', pending.keyId)}` : ''}).`,
    );
  }
  checkCertificate(identity, certificate, options.now);
  if (forPending) {
    await promote(identity, certificate);
  } else {
    await writeFileAtomic(join(dir, DATA_FILES.certificate), `${certificateText(certificate)}\n`);
    await publishCertificate(dir, identity.trust, certificate);
  }
  return { ...certificate, rotated: forPending };
}

/**
 * Makes a new appliance key. Delegated: it waits in appliance.next.key with a new delegation
 * request, and the old key signs until the vendor's certificate for it is installed. Standalone:
 * the appliance's own vendor root certifies it and it signs at once. Run again while a key is
 * waiting, it writes that key's request again rather than make another key.
 */
export async function rotateApplianceKey(
  dir: string,
  options: KeyOptions & { readonly random: (n: number) => Uint8Array },
): Promise<RotatedKey> {
  const identity = await openApplianceDir(dir, options);
  let next: Pick<KeyFile, 'publicKey' | 'keyId'> | undefined = await pendingKey(
    dir,
    options.passphrase,
  );
  if (next === undefined) {
    const seed = options.random(32);
    await writeKeyFile(join(dir, DATA_FILES.nextKey), seed, {
      ...secretOf(options.passphrase),
      label: 'airlock appliance',
    });
    const { publicKey } = nodeSuite.signer(seed);
    next = { publicKey, keyId: keyIdOf(publicKey) };
  }
  const names = {
    oldKeyId: keyIdText(identity.signer.publicKey),
    newKeyId: formatId('key', next.keyId),
  };
  if (identity.settings.mode === 'delegated') {
    const { applianceId } = identity;
    const requestFile = await writeDelegationRequest(dir, applianceId, next.publicKey, options.now);
    return { ...names, requestFile };
  }
  const vendor = await openVendor(join(dir, DATA_FILES.vendor), options);
  const certificate = standaloneCertificate(
    vendor,
    identity.applianceId,
    next.publicKey,
    options.now,
  );
  await promote(identity, certificate);
  return { ...names, certificate };
}

/** Deletes a replaced key (retired/KEY_ID.key); its certificate stays for the record. */
export async function retireApplianceKey(
  dir: string,
  keyId: string,
  options: KeyOptions,
): Promise<RetiredKey> {
  const name = formatId('key', parseId('key', keyId));
  const identity = await openApplianceDir(dir, options);
  if (name === keyIdText(identity.signer.publicKey)) {
    throw new AirlockError(
      'USAGE',
      `${name} is the key this appliance signs with: rotate to a new key first (\`airlock appliance rotate-key --data ${dir}\`).`,
    );
  }
  const path = retiredFile(dir, name, 'key');
  await readKeyFile(path, secretOf(options.passphrase)).catch((error: unknown) => {
    if (!(error instanceof AirlockError) || error.code !== 'FILE_NOT_FOUND') throw error;
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `${dir} holds no replaced key ${name} (${path}): it was retired already, or never was a key of this appliance.`,
      { path },
    );
  });
  await unlink(path);
  await syncDirectory(join(dir, DATA_FILES.retired));
  const certificate = await readCertificateFile(retiredFile(dir, name, 'cert'));
  return {
    keyId: name,
    certificateId: certificate ? formatId('certificate', certificate.certificateId) : null,
  };
}

/** A rotation waiting for its certificate, and the keys replaced so far. */
export async function applianceKeyStatus(
  dir: string,
  options: { readonly passphrase?: string | undefined },
): Promise<KeyStatus> {
  const pending = await pendingKey(dir, options.passphrase);
  const names = await readdir(join(dir, DATA_FILES.retired)).catch(() => [] as string[]);
  const ids = [...new Set(names.map((n) => n.replace(/\.(key|cert)$/, '')))].sort();
  const retired = [];
  for (const keyId of ids) {
    const certificate = await readCertificateFile(retiredFile(dir, keyId, 'cert'));
    retired.push({
      keyId,
      certificateId: certificate ? formatId('certificate', certificate.certificateId) : null,
      key: names.includes(`${keyId}.key`),
    });
  }
  return { pending: pending ? formatId('key', pending.keyId) : null, retired };
}
