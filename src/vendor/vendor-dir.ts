// A vendor directory: the vendor root key (root.key, encrypted when a passphrase is given), the
// trust file applications ship (trust.json) and the public key for OpenSSL (root.pub.pem).

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '../core/crypto.ts';
import { AirlockError, isAirlockError } from '../core/errors.ts';
import { equalBytes } from '../core/bytes.ts';
import { formatId, keyIdOf } from '../core/ids.ts';
import type { RandomBytes } from '../sdk/context.ts';
import type { TrustAnchors } from '../sdk/trust.ts';
import { writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { existingKeyFiles, readKeyFile, writeKeyFile } from '../node/key-file.ts';
import { assertPrivatePath } from '../node/private-file.ts';
import { DIRECT_DIR } from './direct-responder.ts';
import { publicKeyPem } from './public-key-pem.ts';
import { readTrustFile, TRUST_FILE_NAME, writeTrustFile } from './trust-file.ts';

export const VENDOR_FILES = {
  key: 'root.key',
  trust: TRUST_FILE_NAME,
  publicKeyPem: 'root.pub.pem',
  /** A new root key during `airlock vendor rotate-key`, until it replaces root.key. */
  nextKey: 'root.next.key',
  /** Earlier root keys (KEY_ID.key), kept to sign hand-overs until they are retired. */
  retired: 'retired',
} as const;

const KEY_LABEL = 'airlock vendor root';

export interface CreatedVendor {
  readonly dir: string;
  /** key_ and 8 hex digits. */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly encrypted: boolean;
  readonly files: { readonly key: string; readonly trust: string; readonly publicKeyPem: string };
}

export interface Vendor {
  readonly dir: string;
  readonly signer: Signer;
  readonly keyId: string;
  /** The vendor's own trust file, which pins its root. */
  readonly trust: TrustAnchors;
}

export interface VendorOptions {
  /** Encrypts (init) or decrypts (open) the root key; none means a plain key file. */
  readonly passphrase?: string | undefined;
}

function filesOf(dir: string): CreatedVendor['files'] {
  return {
    key: join(dir, VENDOR_FILES.key),
    trust: join(dir, VENDOR_FILES.trust),
    publicKeyPem: join(dir, VENDOR_FILES.publicKeyPem),
  };
}

function passphraseOption(passphrase: string | undefined): { passphrase?: string } {
  return passphrase === undefined || passphrase === '' ? {} : { passphrase };
}

/** Creates a new vendor root key pair in dir; refuses a dir that already holds one. */
export async function initVendor(
  dir: string,
  options: VendorOptions & { readonly random: RandomBytes },
): Promise<CreatedVendor> {
  const files = filesOf(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const seed = options.random(32);
  const signer = nodeSuite.signer(seed);
  const keyId = keyIdOf(signer.publicKey);
  const secret = passphraseOption(options.passphrase);
  // The key file first: writeKeyFile refuses to overwrite, so a second init changes nothing.
  try {
    await writeKeyFile(files.key, seed, { ...secret, label: KEY_LABEL });
  } catch (error) {
    if (isAirlockError(error) && error.code === 'FILE_EXISTS') {
      throw new AirlockError(
        'FILE_EXISTS',
        `${dir} already holds a vendor root key (${VENDOR_FILES.key}); it was left as it is. Choose another directory to create a new vendor.`,
      );
    }
    throw error;
  }
  await writeTrustFile(files.trust, {
    roots: [{ keyId, publicKey: signer.publicKey }],
    certificates: [],
  });
  await writeFileAtomic(files.publicKeyPem, publicKeyPem(signer.publicKey));
  return {
    dir,
    keyId: formatId('key', keyId),
    publicKey: signer.publicKey,
    encrypted: secret.passphrase !== undefined,
    files,
  };
}

/** Every private key file in a vendor directory (root, next root, earlier roots, responder). */
export function vendorKeyFiles(dir: string): Promise<string[]> {
  return existingKeyFiles(
    [VENDOR_FILES.key, VENDOR_FILES.nextKey, join(DIRECT_DIR, 'appliance.key')].map((name) =>
      join(dir, name),
    ),
    [join(dir, VENDOR_FILES.retired)],
  );
}

/** Opens a vendor directory made by initVendor: its signing key and its trust file. */
export async function openVendor(dir: string, options: VendorOptions = {}): Promise<Vendor> {
  const files = filesOf(dir);
  let seed: Uint8Array;
  try {
    ({ seed } = await readKeyFile(files.key, passphraseOption(options.passphrase)));
  } catch (error) {
    if (isAirlockError(error) && error.code === 'FILE_NOT_FOUND') {
      throw new AirlockError(
        'FILE_NOT_FOUND',
        `${dir} is not a vendor directory (it has no ${VENDOR_FILES.key}). Create one with \`airlock vendor init --dir ${dir}\`.`,
      );
    }
    throw error;
  }
  // The keys not opened now (earlier roots, the responder's) are refused at start-up too.
  for (const path of await vendorKeyFiles(dir)) await assertPrivatePath(path, 'key file');
  const signer = nodeSuite.signer(seed);
  const keyId = keyIdOf(signer.publicKey);
  const trust = await readTrustFile(files.trust);
  if (!trust.roots.some((root) => equalBytes(root.publicKey, signer.publicKey))) {
    throw new AirlockError(
      'TRUST_INVALID',
      `${files.trust} does not pin this vendor's root key ${formatId('key', keyId)}; it belongs to another vendor directory.`,
    );
  }
  return { dir, signer, keyId: formatId('key', keyId), trust };
}
