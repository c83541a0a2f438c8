// Password hashing for the console's users: scrypt (memory-hard, RFC 7914) with a random salt,
// stored as one string in PHC form, and a constant-time check. Only the parameters below are
// accepted when reading, so a crafted users file cannot make sign-in spend unbounded memory.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// 32 MiB and about 50–100 ms per sign-in here: slow for guessing, fine for a person.
const PARAMS = { N: 32768, r: 8, p: 1 } as const;
const MAXMEM = 2 * 128 * PARAMS.N * PARAMS.r * PARAMS.p;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = `$scrypt$ln=15,r=${PARAMS.r},p=${PARAMS.p}$`;
const STORED = /^\$scrypt\$ln=15,r=8,p=1\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

/** Passwords are at least this long; longer than any sentence anyone types is refused. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

function derive(password: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, { ...PARAMS, maxmem: MAXMEM }, (e, key) =>
      e ? reject(e) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('a password must be a string');
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt);
  return `${PREFIX}${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** A stored hash this module can check (the users file is validated with it). */
export function isPasswordHash(stored: unknown): stored is string {
  return typeof stored === 'string' && STORED.test(stored);
}

/**
 * Whether the password matches the stored hash. A stored value that is not a hash of ours (or a
 * user that does not exist: pass undefined) still costs one derivation, so the time taken does
 * not tell an attacker which user names exist.
 */
export async function verifyPassword(
  password: string,
  stored: string | undefined,
): Promise<boolean> {
  if (typeof password !== 'string') throw new TypeError('a password must be a string');
  const match = stored === undefined ? null : STORED.exec(stored);
  const salt = match ? Buffer.from(match[1]!, 'base64url') : Buffer.alloc(SALT_BYTES);
  const expected = match ? Buffer.from(match[2]!, 'base64url') : Buffer.alloc(HASH_BYTES);
  const actual = await derive(password.slice(0, MAX_PASSWORD_LENGTH + 1), salt);
  return timingSafeEqual(actual, expected) && match !== null;
}

/** Why a new password is refused, as a sentence; undefined when it is acceptable. */
export function passwordProblem(password: string, username: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `A password has at least ${MIN_PASSWORD_LENGTH} characters; a few words make a good one.`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `A password has at most ${MAX_PASSWORD_LENGTH} characters.`;
  }
  if (/\p{Cc}/u.test(password)) return 'A password cannot contain control characters.';
  if (password.toLowerCase().includes(username.toLowerCase())) {
    return 'A password must not contain the user name.';
  }
  return undefined;
}
