// Private key files for the vendor root key and appliance keys: JSON holding the Ed25519 seed,
// in the clear or sealed with a passphrase (scrypt + AES-256-GCM), written once with mode 0600,
// and read only when no other user can read the file or write its directory (docs/KEYS.md).

import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { link, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { base64urlnopad } from '@scure/base';
import { equalBytes, utf8 } from '../core/bytes.ts';
import { AirlockError } from '../core/errors.ts';
import { formatId, keyIdOf } from '../core/ids.ts';
import { errorCode, syncDirectory, writeFileAtomic } from './atomic-file.ts';
import { nodeSuite } from './ed25519.ts';
import { assertPrivateDirectory, readPrivateFile } from './private-file.ts';

export const KEY_FILE_FORMAT = 'airlock-key/v1';
const MAX_KEY_FILE_BYTES = 64 * 1024;
const MAX_LABEL_LENGTH = 128;
// scrypt cost of format v1 (RFC 7914 §2): 64 MiB and about 0.1 s per unlock. A file naming other
// parameters is refused, so a crafted file cannot make the reader spend unbounded memory.
const SCRYPT = { N: 65536, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM = 2 * 128 * SCRYPT.N * SCRYPT.r * SCRYPT.p;

export interface KeyFile {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The 4-byte key ID (src/core/ids.ts keyIdOf); shown as key_ + 8 hex digits. */
  readonly keyId: Uint8Array;
  readonly label: string;
  /** Whether the file holds the seed sealed with a passphrase. */
  readonly sealed: boolean;
}

export interface WriteKeyFileOptions {
  /** Seals the seed when given; the key is stored in the clear otherwise. */
  readonly passphrase?: string;
  /** What the key is for, shown to people ("Acme vendor root 2025"). */
  readonly label: string;
}

export interface ReadKeyFileOptions {
  readonly passphrase?: string;
}

const b64 = base64urlnopad;

function deriveKey(passphrase: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const secret = utf8(passphrase.normalize('NFC'));
    scrypt(secret, salt, 32, { ...SCRYPT, maxmem: SCRYPT_MAXMEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function isValidLabel(label: unknown): label is string {
  return (
    typeof label === 'string' &&
    label.length > 0 &&
    label.length <= MAX_LABEL_LENGTH &&
    !/\p{Cc}/u.test(label)
  );
}

/** Writes a new key file; never replaces an existing one (FILE_EXISTS). */
export async function writeKeyFile(
  path: string,
  seed: Uint8Array,
  options: WriteKeyFileOptions,
): Promise<void> {
  const text = await keyFileText(seed, options);
  await assertPrivateDirectory(dirname(path), 'directory of the key file');
  try {
    await writeFileAtomic(path, text, { mode: 0o600, exclusive: true });
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'FILE_EXISTS') {
      throw new AirlockError(
        'FILE_EXISTS',
        `The key file ${path} already exists; a key file is never overwritten. Choose another path or move the old file away first.`,
        { path },
      );
    }
    throw error;
  }
}

export interface ResealOptions {
  /** What unlocks the file now, when it is sealed. */
  readonly passphrase?: string | undefined;
  /** What seals it from now on. */
  readonly newPassphrase: string;
}

/** sealed: it was clear; resealed: under another passphrase; unchanged: already under this one. */
export type ResealOutcome = 'sealed' | 'resealed' | 'unchanged';

/**
 * Seals a key file under a passphrase (a clear one for the first time, a sealed one under a new
 * passphrase), replacing the file atomically: the same key, its label kept. The one way a key
 * file is ever rewritten.
 */
export async function resealKeyFile(
  path: string,
  options: ResealOptions,
): Promise<{ readonly outcome: ResealOutcome; readonly key: KeyFile }> {
  const { passphrase, newPassphrase } = options;
  const key = await readKeyFile(path, passphrase === undefined ? {} : { passphrase });
  if (key.sealed && passphrase === newPassphrase) return { outcome: 'unchanged', key };
  const text = await keyFileText(key.seed, { label: key.label, passphrase: newPassphrase });
  await writeFileAtomic(path, text, { mode: 0o600 });
  return { outcome: key.sealed ? 'resealed' : 'sealed', key: { ...key, sealed: true } };
}

async function keyFileText(seed: Uint8Array, options: WriteKeyFileOptions): Promise<string> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new TypeError('an Ed25519 private key is a 32-byte seed');
  }
  if (!isValidLabel(options.label)) {
    throw new TypeError(`a key label is 1 to ${MAX_LABEL_LENGTH} characters, without controls`);
  }
  const { passphrase } = options;
  if (passphrase !== undefined && (typeof passphrase !== 'string' || passphrase === '')) {
    throw new TypeError('a passphrase is a non-empty string; leave it out to write in the clear');
  }
  const publicKey = nodeSuite.signer(seed).publicKey;
  const keyId = formatId('key', keyIdOf(publicKey));
  const header = {
    format: KEY_FILE_FORMAT,
    label: options.label,
    keyId,
    publicKey: b64.encode(publicKey),
  };
  let body: object;
  if (passphrase === undefined) {
    body = { ...header, seed: b64.encode(seed) };
  } else {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
    cipher.setAAD(utf8(keyId)); // binds the sealed seed to this header's key ID
    const ciphertext = Buffer.concat([cipher.update(seed), cipher.final()]);
    const encrypted = {
      kdf: 'scrypt',
      ...SCRYPT,
      salt: b64.encode(salt),
      cipher: 'aes-256-gcm',
      iv: b64.encode(iv),
      ciphertext: b64.encode(ciphertext),
      tag: b64.encode(cipher.getAuthTag()),
    };
    body = { ...header, encrypted };
  }
  return JSON.stringify(body, null, 2) + '\n';
}

/**
 * Keeps a key file under a second name (a rotation's retired/KEY_ID.key) by a hard link: the same
 * bytes and mode, nothing copied. Done already (the same file there) is not an error.
 */
export async function keepKeyFile(path: string, keptAs: string): Promise<void> {
  await mkdir(dirname(keptAs), { recursive: true, mode: 0o700 });
  try {
    await link(path, keptAs);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    const [a, b] = await Promise.all([readFile(path), readFile(keptAs)]);
    if (!a.equals(b)) {
      throw new AirlockError(
        'FILE_EXISTS',
        `${keptAs} already holds another key file; it was left as it is.`,
        { path: keptAs },
      );
    }
  }
  await syncDirectory(dirname(keptAs));
}

/** The key files among `paths` that exist, then every `*.key` file directly inside `dirs`. */
export async function existingKeyFiles(
  paths: readonly string[],
  dirs: readonly string[] = [],
): Promise<string[]> {
  const found = [];
  for (const path of paths) {
    if ((await stat(path).catch(() => undefined))?.isFile()) found.push(path);
  }
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => []);
    found.push(...names.filter((name) => name.endsWith('.key')).map((name) => join(dir, name)));
  }
  return found;
}

/** Reads a key file and checks that its seed really is the key it claims to be. */
export async function readKeyFile(
  path: string,
  options: ReadKeyFileOptions = {},
): Promise<KeyFile> {
  const invalid = (problem: string): never => {
    throw new AirlockError('KEY_FILE_INVALID', `The key file ${path} ${problem}.`, { path });
  };
  const bytes = await readPrivateFile(path, MAX_KEY_FILE_BYTES, 'key file');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return invalid('is not valid JSON (it may be truncated or damaged)');
  }
  const sealed = typeof json === 'object' && json !== null && Object.hasOwn(json, 'encrypted');
  const names = ['format', 'label', 'keyId', 'publicKey', sealed ? 'encrypted' : 'seed'];
  const file = fields(json, names, '', invalid);
  if (file['format'] !== KEY_FILE_FORMAT) {
    return invalid(`is not an Airlock key file (its "format" is not "${KEY_FILE_FORMAT}")`);
  }
  const label = file['label'];
  if (!isValidLabel(label)) {
    return invalid(
      `has an invalid "label" (1 to ${MAX_LABEL_LENGTH} characters, without controls)`,
    );
  }
  const keyIdText = file['keyId'];
  if (typeof keyIdText !== 'string' || !/^key_[0-9a-f]{8}$/.test(keyIdText)) {
    return invalid('has an invalid "keyId" (expected key_ and 8 lower-case hex digits)');
  }
  const publicKey = bytesField(file, 'publicKey', 32, invalid);
  const keyId = keyIdOf(publicKey);
  if (formatId('key', keyId) !== keyIdText) {
    return invalid(`names key ${keyIdText}, but its public key is ${formatId('key', keyId)}`);
  }

  let seed: Uint8Array;
  if (!sealed) {
    seed = bytesField(file, 'seed', 32, invalid);
  } else {
    const { passphrase } = options;
    if (passphrase === undefined || passphrase === '') {
      throw new AirlockError(
        'PASSPHRASE_REQUIRED',
        `The key file ${path} is protected by a passphrase: set AIRLOCK_PASSPHRASE or AIRLOCK_PASSPHRASE_FILE.`,
        { path },
      );
    }
    seed = await unseal(file['encrypted'], keyIdText, passphrase, path, invalid);
  }
  if (!equalBytes(nodeSuite.signer(seed).publicKey, publicKey)) {
    return invalid('holds a private key that does not match its public key');
  }
  return { seed, publicKey, keyId, label, sealed };
}

async function unseal(
  value: unknown,
  keyIdText: string,
  passphrase: string,
  path: string,
  invalid: (problem: string) => never,
): Promise<Uint8Array> {
  const names = ['kdf', 'N', 'r', 'p', 'salt', 'cipher', 'iv', 'ciphertext', 'tag'];
  const sealed = fields(value, names, 'encrypted.', invalid);
  if (sealed['kdf'] !== 'scrypt' || sealed['cipher'] !== 'aes-256-gcm') {
    return invalid('names a key derivation or cipher other than scrypt and aes-256-gcm');
  }
  if (sealed['N'] !== SCRYPT.N || sealed['r'] !== SCRYPT.r || sealed['p'] !== SCRYPT.p) {
    return invalid(`has scrypt parameters other than N=${SCRYPT.N}, r=${SCRYPT.r}, p=${SCRYPT.p}`);
  }
  const salt = bytesField(sealed, 'salt', 16, invalid, 'encrypted.');
  const iv = bytesField(sealed, 'iv', 12, invalid, 'encrypted.');
  const ciphertext = bytesField(sealed, 'ciphertext', 32, invalid, 'encrypted.');
  const tag = bytesField(sealed, 'tag', 16, invalid, 'encrypted.');
  const decipher = createDecipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
  decipher.setAAD(utf8(keyIdText));
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    // GCM cannot tell a wrong passphrase from an altered file; both end here.
    throw new AirlockError(
      'PASSPHRASE_WRONG',
      `The passphrase does not unlock the key file ${path} (or the file was altered).`,
      { path },
    );
  }
}

/** The value as an object with exactly the expected fields, or a KEY_FILE_INVALID naming the odd one. */
function fields(
  value: unknown,
  expected: readonly string[],
  prefix: string,
  invalid: (problem: string) => never,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(
      prefix === '' ? 'is not a JSON object' : `has an invalid "${prefix.slice(0, -1)}" section`,
    );
  }
  for (const key of expected) {
    if (!Object.hasOwn(value, key)) invalid(`has no "${prefix}${key}" field`);
  }
  for (const key of Object.keys(value)) {
    if (!expected.includes(key)) invalid(`has an unexpected field "${prefix}${key}"`);
  }
  return value as Record<string, unknown>;
}

function bytesField(
  record: Record<string, unknown>,
  name: string,
  length: number,
  invalid: (problem: string) => never,
  prefix = '',
): Uint8Array {
  const value = record[name];
  let bytes: Uint8Array | undefined;
  try {
    if (typeof value === 'string') bytes = b64.decode(value);
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || bytes.length !== length) {
    return invalid(`has an invalid "${prefix}${name}" (expected ${length} bytes in base64url)`);
  }
  return bytes;
}
