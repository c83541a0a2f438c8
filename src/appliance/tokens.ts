// API tokens for the appliance's HTTP API: created once and shown once, stored only as SHA-256
// hashes in DATA/tokens.json (mode 0600), checked in constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { writeFileAtomic } from '../node/atomic-file.ts';
import { fileVersion } from '../node/file-version.ts';
import { readPrivateFile } from '../node/private-file.ts';
import { type Role, ROLES } from './roles.ts';

export const TOKENS_FILE = 'tokens.json';
export const TOKENS_FORMAT = 'airlock-tokens/v1';
export const TOKEN_PREFIX = 'alt_';
export const TOKEN_ROLES = ROLES;

export type TokenRole = Role;

/** What the tokens file keeps of a token: never the token itself. */
export interface StoredToken {
  readonly id: string;
  readonly role: TokenRole;
  readonly label: string;
  /** Unix seconds. */
  readonly createdAt: number;
  /** Unix seconds, or null for a token that does not expire. */
  readonly expiresAt: number | null;
  /** Hex SHA-256 of the token's text. */
  readonly hash: string;
}

export type TokenInfo = Omit<StoredToken, 'hash'>;

export interface Authenticated {
  readonly id: string;
  readonly role: TokenRole;
}

const MAX_FILE_BYTES = 1 << 20;
const MAX_LABEL = 100;
const TOKEN_PATTERN = /^alt_[A-Za-z0-9_-]{43}$/;
const ID_PATTERN = /^tok_[0-9a-f]{8}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

const pathOf = (dir: string) => join(dir, TOKENS_FILE);
const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Creates a token; the returned `token` text is the only copy: show it once. */
export async function createToken(
  dir: string,
  options: {
    readonly role: TokenRole;
    readonly label: string;
    readonly expiresAt?: number | null;
    readonly now: number;
  },
): Promise<{ token: string; info: TokenInfo }> {
  if (!TOKEN_ROLES.includes(options.role))
    throw new TypeError(`role must be one of ${TOKEN_ROLES.join(', ')}`);
  if (typeof options.label !== 'string') throw new TypeError('label must be a string');
  if (!Number.isSafeInteger(options.now)) throw new TypeError('now must be Unix seconds');
  const expiresAt = options.expiresAt ?? null;
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) {
    throw new TypeError('expiresAt must be Unix seconds or null');
  }
  if (options.label.length > MAX_LABEL || /\p{Cc}/u.test(options.label)) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `A token label is at most ${MAX_LABEL} characters on one line.`,
    );
  }
  if (expiresAt !== null && expiresAt <= options.now) {
    throw new AirlockError('FORMAT_INVALID', 'That expiry time has already passed.');
  }
  const tokens = await readTokens(dir);
  let id: string;
  do id = `tok_${randomBytes(4).toString('hex')}`;
  while (tokens.some((t) => t.id === id));
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const stored: StoredToken = {
    id,
    role: options.role,
    label: options.label,
    createdAt: options.now,
    expiresAt,
    hash: hashOf(token),
  };
  await writeTokens(dir, [...tokens, stored]);
  return { token, info: infoOf(stored) };
}

export async function listTokens(dir: string): Promise<TokenInfo[]> {
  return (await readTokens(dir)).map(infoOf);
}

/** Removes a token. An ID the file does not hold is an outcome, so the caller can say so. */
export async function revokeToken(
  dir: string,
  id: string,
): Promise<{ outcome: 'revoked' | 'unknown' }> {
  if (typeof id !== 'string') throw new TypeError('a token ID must be a string');
  const tokens = await readTokens(dir);
  const kept = tokens.filter((t) => t.id !== id);
  if (kept.length === tokens.length) return { outcome: 'unknown' };
  await writeTokens(dir, kept);
  return { outcome: 'revoked' };
}

/**
 * The token's ID and role, or undefined for an unknown, malformed or expired token. Every stored
 * hash is compared, each in constant time, so the time taken says nothing about which one matched.
 */
export function authenticate(
  tokens: readonly StoredToken[],
  bearer: string,
  now: number,
): Authenticated | undefined {
  if (typeof bearer !== 'string' || !TOKEN_PATTERN.test(bearer)) return undefined;
  const presented = Buffer.from(hashOf(bearer), 'hex');
  let found: StoredToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(presented, Buffer.from(token.hash, 'hex'))) found = token;
  }
  if (found === undefined || (found.expiresAt !== null && now >= found.expiresAt)) return undefined;
  return { id: found.id, role: found.role };
}

/** The tokens a server checks against, re-read when the file changes (`airlock token …`). */
export interface TokenBook {
  readonly tokens: readonly StoredToken[];
  /** Re-reads the file if it changed since the last read; cheap when it did not. */
  reload(): Promise<void>;
  /** createToken, listTokens and revokeToken on the book's directory (the HTTP API's). */
  create(options: Parameters<typeof createToken>[1]): ReturnType<typeof createToken>;
  list(): Promise<TokenInfo[]>;
  revoke(id: string): ReturnType<typeof revokeToken>;
}

export async function openTokenBook(dir: string): Promise<TokenBook> {
  let tokens = await readTokens(dir);
  let seen = await fileVersion(pathOf(dir));
  const book: TokenBook = {
    get tokens() {
      return tokens;
    },
    async reload() {
      const version = await fileVersion(pathOf(dir));
      if (version === seen) return;
      tokens = await readTokens(dir);
      seen = version;
    },
    async create(options) {
      const created = await createToken(dir, options);
      await book.reload();
      return created;
    },
    list: () => listTokens(dir),
    async revoke(id) {
      const revoked = await revokeToken(dir, id);
      await book.reload();
      return revoked;
    },
  };
  return book;
}

function infoOf(t: StoredToken): TokenInfo {
  return {
    id: t.id,
    role: t.role,
    label: t.label,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
  };
}

async function readTokens(dir: string): Promise<StoredToken[]> {
  const path = pathOf(dir);
  let bytes: Uint8Array;
  try {
    bytes = await readPrivateFile(path, MAX_FILE_BYTES, 'tokens file');
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') return [];
    throw error;
  }
  const damaged = () =>
    new AirlockError(
      'FORMAT_INVALID',
      `${path} is not a tokens file of this version of Airlock; restore it from a backup or remove it and create new tokens.`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw damaged();
  }
  const file = raw as { format?: unknown; tokens?: unknown } | null;
  if (file?.format !== TOKENS_FORMAT || !Array.isArray(file.tokens)) throw damaged();
  return file.tokens.map((entry: unknown) => {
    const t = entry as Partial<Record<keyof StoredToken, unknown>> | null;
    if (
      typeof t?.id !== 'string' ||
      !ID_PATTERN.test(t.id) ||
      !TOKEN_ROLES.includes(t.role as TokenRole) ||
      typeof t.label !== 'string' ||
      !Number.isSafeInteger(t.createdAt) ||
      (t.expiresAt !== null && !Number.isSafeInteger(t.expiresAt)) ||
      typeof t.hash !== 'string' ||
      !HASH_PATTERN.test(t.hash)
    ) {
      throw damaged();
    }
    return {
      id: t.id,
      role: t.role as TokenRole,
      label: t.label,
      createdAt: t.createdAt as number,
      expiresAt: t.expiresAt as number | null,
      hash: t.hash,
    };
  });
}

async function writeTokens(dir: string, tokens: readonly StoredToken[]): Promise<void> {
  const file = { format: TOKENS_FORMAT, tokens };
  await writeFileAtomic(pathOf(dir), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}
