// Rotating and retiring vendor roots (docs/KEYS.md "The vendor root"): a new root key becomes the
// signing root, the trust file pins both (the new one first), and the old root, kept in retired/,
// signs a hand-over (docs/FORMATS.md §16) for clients that pin only it. Retiring an old root later
// ends the trust in it everywhere and destroys its key.

import { mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '../core/crypto.ts';
import { equalBytes } from '../core/bytes.ts';
import { AirlockError } from '../core/errors.ts';
import { issueRootHandover, rootHandoverText } from '../core/formats/root-handover.ts';
import { formatId, keyIdOf, parseId } from '../core/ids.ts';
import type { RandomBytes } from '../sdk/context.ts';
import type { TrustAnchors } from '../sdk/trust.ts';
import { syncDirectory, writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { keepKeyFile, readKeyFile, writeKeyFile } from '../node/key-file.ts';
import { publicKeyPem } from './public-key-pem.ts';
import { writeTrustFile } from './trust-file.ts';
import { openVendor, VENDOR_FILES, type Vendor } from './vendor-dir.ts';
import { withVendorLock } from './vendor-lock.ts';

export const HANDOVER_DIR = 'handovers';
const KEY_LABEL = 'airlock vendor root';

export interface RotateOptions {
  readonly passphrase?: string | undefined;
  readonly random: RandomBytes;
  /** Unix seconds: the hand-over's issue time. */
  readonly now: number;
  /** The old root may be in other hands: it signs nothing more and the trust file retires it. */
  readonly compromised?: boolean;
}

export interface RotatedRoot {
  readonly oldKeyId: string;
  readonly newKeyId: string;
  /** The hand-over the old root signed (typed form), and the file holding it; none if compromised. */
  readonly handover?: { readonly text: string; readonly file: string };
  readonly trust: TrustAnchors;
}

export interface RetiredRoot {
  readonly keyId: string;
  readonly handover: { readonly text: string; readonly file: string };
  readonly trust: TrustAnchors;
}

const secretOf = (passphrase: string | undefined) => (passphrase ? { passphrase } : {});
const retiredPath = (dir: string, keyId: string) => join(dir, VENDOR_FILES.retired, `${keyId}.key`);

/** The key a rotation brings in: a new one, or the one an interrupted rotation left. */
async function nextRoot(dir: string, options: RotateOptions): Promise<Signer> {
  const path = join(dir, VENDOR_FILES.nextKey);
  const left = await readKeyFile(path, secretOf(options.passphrase)).catch((error: unknown) => {
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') return undefined;
    throw error;
  });
  if (left !== undefined) return nodeSuite.signer(left.seed);
  const seed = options.random(32);
  await writeKeyFile(path, seed, { ...secretOf(options.passphrase), label: KEY_LABEL });
  return nodeSuite.signer(seed);
}

async function writeHandover(
  dir: string,
  from: Signer,
  to: Uint8Array,
  now: number,
  retiresSigner: boolean,
): Promise<{ text: string; file: string }> {
  const handover = issueRootHandover({ newPublicKey: to, issuedAt: now, retiresSigner }, from);
  const name = `${formatId('key', handover.signerKeyId)}-to-${formatId('key', handover.newKeyId)}${retiresSigner ? '-retired' : ''}.txt`;
  const file = join(dir, HANDOVER_DIR, name);
  const text = rootHandoverText(handover);
  await mkdir(join(dir, HANDOVER_DIR), { recursive: true });
  await writeFileAtomic(file, `${text}\n`);
  return { text, file };
}

/**
 * Makes a new root the signing root of the vendor directory. In order, so that a crash anywhere
 * leaves a directory that opens and a second run that finishes the work: the new key
 * (root.next.key), the old one kept in retired/, the hand-over, the trust file pinning both, and
 * last the switch (root.next.key renamed over root.key).
 */
export function rotateVendorRoot(dir: string, options: RotateOptions): Promise<RotatedRoot> {
  return withVendorLock(dir, 'airlock vendor rotate-key', async () => {
    const old = await openVendor(dir, options);
    const next = await nextRoot(dir, options);
    const newKeyId = keyIdOf(next.publicKey);
    await keepKeyFile(join(dir, VENDOR_FILES.key), retiredPath(dir, old.keyId));
    const handover = options.compromised
      ? undefined
      : await writeHandover(dir, old.signer, next.publicKey, options.now, false);
    const oldKeyId = keyIdOf(old.signer.publicKey);
    const others = old.trust.roots.filter(
      (r) =>
        !equalBytes(r.keyId, newKeyId) && !(options.compromised && equalBytes(r.keyId, oldKeyId)),
    );
    const trust: TrustAnchors = {
      ...old.trust,
      roots: [{ keyId: newKeyId, publicKey: next.publicKey }, ...others],
      ...(options.compromised ? { retired: [...(old.trust.retired ?? []), oldKeyId] } : {}),
    };
    await writeTrustFile(join(dir, VENDOR_FILES.trust), trust);
    await rename(join(dir, VENDOR_FILES.nextKey), join(dir, VENDOR_FILES.key));
    await syncDirectory(dir);
    await writeFileAtomic(join(dir, VENDOR_FILES.publicKeyPem), publicKeyPem(next.publicKey));
    return {
      oldKeyId: old.keyId,
      newKeyId: formatId('key', newKeyId),
      ...(handover === undefined ? {} : { handover }),
      trust,
    };
  });
}

/**
 * Retires an earlier root (one kept in retired/): it signs its last hand-over, to the current
 * root, saying that it retires; the trust file stops pinning it and lists it as retired; its key
 * file is deleted. License keys and certificates it signed are then refused by clients that have
 * the new trust file or the hand-over.
 */
export function retireVendorRoot(
  dir: string,
  keyIdText: string,
  options: { readonly passphrase?: string | undefined; readonly now: number },
): Promise<RetiredRoot> {
  const keyId = formatId('key', parseId('key', keyIdText));
  return withVendorLock(dir, 'airlock vendor retire-key', async () => {
    const current: Vendor = await openVendor(dir, options);
    if (keyId === current.keyId) {
      throw new AirlockError(
        'USAGE',
        `${keyId} is the vendor's signing root: rotate to a new root first (\`airlock vendor rotate-key --vendor ${dir}\`), then retire this one.`,
      );
    }
    const path = retiredPath(dir, keyId);
    const old = await readKeyFile(path, secretOf(options.passphrase)).catch((error: unknown) => {
      if (!(error instanceof AirlockError) || error.code !== 'FILE_NOT_FOUND') throw error;
      throw new AirlockError(
        'FILE_NOT_FOUND',
        `${dir} holds no earlier root ${keyId} (${path}): it was retired already, or never was a root of this vendor directory.`,
        { path },
      );
    });
    const signer = nodeSuite.signer(old.seed);
    const handover = await writeHandover(dir, signer, current.signer.publicKey, options.now, true);
    const trust: TrustAnchors = {
      ...current.trust,
      roots: current.trust.roots.filter((r) => !equalBytes(r.keyId, old.keyId)),
      retired: [
        ...(current.trust.retired ?? []).filter((k) => !equalBytes(k, old.keyId)),
        old.keyId,
      ],
    };
    await writeTrustFile(join(dir, VENDOR_FILES.trust), trust);
    await unlink(path);
    await syncDirectory(join(dir, VENDOR_FILES.retired));
    return { keyId, handover, trust };
  });
}
