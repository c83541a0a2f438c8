// The direct responder, for demos and tests before an appliance is running: the vendor directory
// answers challenges itself through an appliance key it certifies on first use (DESIGN "standalone
// mode"). It keeps no ledger: no seat accounting, no record of activations, no revocations.

import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { answerChallenge } from '../core/answer-challenge.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Signer } from '../core/crypto.ts';
import { AirlockError, isAirlockError } from '../core/errors.ts';
import {
  type Certificate,
  certificateText,
  decodeCertificate,
  issueCertificate,
} from '../core/formats/certificate.ts';
import type { Challenge } from '../core/formats/challenge.ts';
import { formatId, keyIdOf } from '../core/ids.ts';
import type { RandomBytes } from '../sdk/context.ts';
import { verifyLicenseKey } from '../sdk/verify-license.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { readKeyFile, writeKeyFile } from '../node/key-file.ts';
import type { Vendor } from './vendor-dir.ts';

export const DIRECT_DIR = 'direct';
const CERTIFICATE_YEARS = 10;
const MAX_CERTIFICATE_FILE_BYTES = 4096;

export interface DirectOptions {
  /** Unix seconds. */
  readonly now: number;
  readonly random: RandomBytes;
  /** Encrypts the appliance key like the vendor's root key. */
  readonly passphrase?: string | undefined;
}

export interface DirectAppliance {
  readonly signer: Signer;
  readonly certificate: Certificate;
  /** Typed form, for a trust file's "certificates" list. */
  readonly certificateText: string;
}

export interface DirectAnswer {
  /** Typed form: what an operator types (once the client knows the certificate). */
  readonly response: string;
  /** Combined form for a QR code: the response and the appliance certificate. */
  readonly qr: string;
  readonly activationId: string;
  readonly licenseId: string;
  readonly product: string;
  readonly features: readonly string[];
  /** Unix seconds in the responder's time; null when the activation lasts as long as the license. */
  readonly leaseEndsAt: number | null;
  readonly applianceId: string;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

function nonZeroRandom(random: RandomBytes, length: number): Uint8Array {
  for (;;) {
    const bytes = random(length);
    if (bytes.some((b) => b !== 0)) return bytes;
  }
}

/** Loads the direct responder's appliance key and certificate, creating them on first use. */
export async function openDirectAppliance(
  vendor: Vendor,
  options: DirectOptions,
): Promise<DirectAppliance> {
  const dir = join(vendor.dir, DIRECT_DIR);
  const keyPath = join(dir, 'appliance.key');
  const certPath = join(dir, 'appliance.cert');
  const secret: { passphrase?: string } =
    options.passphrase === undefined || options.passphrase === ''
      ? {}
      : { passphrase: options.passphrase };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const signer = nodeSuite.signer(await loadOrCreateKey(keyPath, secret, options.random));
  const vendorKeyId = keyIdOf(vendor.signer.publicKey);
  // A certificate for another key (a half-finished earlier run) or an expired one is replaced.
  const fits = (c: Certificate) =>
    equalBytes(c.publicKey, signer.publicKey) &&
    equalBytes(c.vendorKeyId, vendorKeyId) &&
    options.now < c.notAfter;
  let certificate = await readCertificate(certPath);
  if (certificate === undefined || !fits(certificate)) {
    const issued = issueCertificate(
      {
        applianceId: nonZeroRandom(options.random, 4),
        publicKey: signer.publicKey,
        notAfter: Math.min(options.now + CERTIFICATE_YEARS * 365 * 86400, 0xffffffff),
        seatQuota: 0,
        product: null,
      },
      vendor.signer,
    );
    // Two first uses at once: the first certificate written wins and both use it.
    const stale = certificate !== undefined;
    try {
      await writeFileAtomic(certPath, `${certificateText(issued)}\n`, { exclusive: !stale });
      certificate = issued;
    } catch (error) {
      if (!isAirlockError(error) || error.code !== 'FILE_EXISTS') throw error;
      certificate = await readCertificate(certPath);
      if (certificate === undefined || !fits(certificate)) throw error;
    }
  }
  return { signer, certificate, certificateText: certificateText(certificate) };
}

/** The appliance key's seed; a key written meanwhile by a concurrent first use is read instead. */
async function loadOrCreateKey(
  path: string,
  secret: { passphrase?: string },
  random: RandomBytes,
): Promise<Uint8Array> {
  if (!(await exists(path))) {
    const seed = random(32);
    try {
      await writeKeyFile(path, seed, { ...secret, label: 'airlock direct responder' });
      return seed;
    } catch (error) {
      if (!isAirlockError(error) || error.code !== 'FILE_EXISTS') throw error;
    }
  }
  return (await readKeyFile(path, secret)).seed;
}

async function readCertificate(path: string): Promise<Certificate | undefined> {
  if (!(await exists(path))) return undefined;
  const bytes = await readFileBounded(path, MAX_CERTIFICATE_FILE_BYTES, 'appliance certificate');
  return decodeCertificate(new TextDecoder().decode(bytes));
}

/** Answers a challenge for a license key of this vendor, as an appliance would (minus the ledger). */
export async function respondDirect(
  vendor: Vendor,
  challenge: Challenge,
  licenseKeyText: string,
  options: DirectOptions,
): Promise<DirectAnswer> {
  const license = verifyLicenseKey(licenseKeyText, {
    trust: vendor.trust,
    now: options.now,
    verifier: nodeSuite,
  });
  if (!equalBytes(challenge.licenseId, license.licenseId)) {
    throw new AirlockError(
      'LICENSE_UNKNOWN',
      `The challenge is for license ${formatId('license', challenge.licenseId)}, but --license is ${formatId('license', license.licenseId)}. Give the license key the client activated.`,
    );
  }
  const appliance = await openDirectAppliance(vendor, options);
  const id = nonZeroRandom(options.random, 4);
  const answer = answerChallenge({
    challenge,
    license,
    certificate: appliance.certificate,
    signer: appliance.signer,
    now: options.now,
    activationId: new DataView(id.buffer, id.byteOffset, 4).getUint32(0),
  });
  return {
    response: answer.text,
    qr: answer.combined,
    activationId: formatId('activation', id),
    licenseId: formatId('license', license.licenseId),
    product: license.product,
    features: answer.features,
    leaseEndsAt: answer.leaseEndsAt,
    applianceId: formatId('appliance', appliance.certificate.applianceId),
  };
}
