// The console's users: a name, a role and a scrypt password hash each, in DATA/users.json (mode
// 0600), with the state of their sign-in lock-out. The CLI and a running server share the file: the
// server re-reads it when it changes, and every change re-reads it first, so neither overwrites
// what the other wrote.

import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { NAME_PATTERN } from '../core/ids.ts';
import { writeFileAtomic } from '../node/atomic-file.ts';
import { fileVersion } from '../node/file-version.ts';
import { readPrivateFile } from '../node/private-file.ts';
import { hashPassword, isPasswordHash, passwordProblem, verifyPassword } from '../node/password.ts';
import { isRole, type Role } from './roles.ts';

export const USERS_FILE = 'users.json';
export const USERS_FORMAT = 'airlock-users/v1';
const MAX_FILE_BYTES = 1 << 20;
const MAX_USERS = 1000;

/** Consecutive failed sign-ins that lock an account, and for how long (an admin can clear it). */
export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_SECONDS = 15 * 60;

export interface StoredUser {
  readonly name: string;
  readonly role: Role;
  readonly passwordHash: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly passwordChangedAt: number;
  /** Failed sign-ins since the last success or unlock. */
  readonly failures: number;
  /** Unix seconds until which sign-in is refused, or null. */
  readonly lockedUntil: number | null;
}

export type UserInfo = Omit<StoredUser, 'passwordHash'>;

export type SignInResult =
  | { readonly outcome: 'signed-in'; readonly user: UserInfo }
  | { readonly outcome: 'wrong' }
  | { readonly outcome: 'locked'; readonly until: number };

const pathOf = (dir: string) => join(dir, USERS_FILE);

function infoOf({ passwordHash: _, ...info }: StoredUser): UserInfo {
  return info;
}

const replaceAt = (users: StoredUser[], index: number, user: StoredUser) =>
  users.map((u, i) => (i === index ? user : u));

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'A user name is 1 to 32 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.',
      { field: 'name' },
    );
  }
  return name;
}

function checkPassword(password: unknown, name: string): string {
  if (typeof password !== 'string') throw new TypeError('a password must be a string');
  const problem = passwordProblem(password, name);
  if (problem !== undefined) throw new AirlockError('PASSWORD_WEAK', problem);
  return password;
}

function unknownUser(name: string): AirlockError {
  return new AirlockError('USER_UNKNOWN', `There is no user "${name}" on this appliance.`);
}

/**
 * The users of one data directory. Changes are serialised within the process and each re-reads
 * the file first; `users` is what was last read.
 */
export interface UserBook {
  readonly users: readonly StoredUser[];
  /** Re-reads the file if it changed since the last read. */
  reload(): Promise<void>;
  add(options: { name: string; role: Role; password: string; now: number }): Promise<UserInfo>;
  setPassword(name: string, password: string, now: number): Promise<UserInfo>;
  remove(name: string): Promise<void>;
  /** Clears a lock-out and the count of failures. */
  unlock(name: string): Promise<UserInfo>;
  /**
   * Checks a password and records the outcome: a success clears the failures, a failure counts
   * toward the lock-out. An unknown name costs the same time as a wrong password.
   */
  signIn(name: string, password: string, now: number): Promise<SignInResult>;
}

export async function openUserBook(dir: string): Promise<UserBook> {
  let users = await readUsers(dir);
  let seen = await fileVersion(pathOf(dir));
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs one change after the others: read the file, change the list, write it. */
  function change<T>(apply: (current: StoredUser[]) => Promise<[StoredUser[], T]>): Promise<T> {
    const run = queue.then(async () => {
      const current = await readUsers(dir);
      const [next, result] = await apply(current);
      if (next !== current) await writeUsers(dir, next);
      users = next;
      seen = await fileVersion(pathOf(dir));
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  function update(
    name: string,
    edit: (user: StoredUser) => StoredUser | Promise<StoredUser>,
  ): Promise<UserInfo> {
    return change(async (current) => {
      const index = current.findIndex((u) => u.name === name);
      if (index === -1) throw unknownUser(name);
      const changed = await edit(current[index]!);
      return [replaceAt(current, index, changed), infoOf(changed)];
    });
  }

  return {
    get users() {
      return users;
    },
    async reload() {
      const version = await fileVersion(pathOf(dir));
      if (version === seen) return;
      users = await readUsers(dir);
      seen = version;
    },
    async add({ name, role, password, now }) {
      checkName(name);
      if (!isRole(role)) throw new TypeError('role must be admin, operator or auditor');
      checkPassword(password, name);
      return change(async (current) => {
        if (current.some((u) => u.name === name)) {
          throw new AirlockError('USER_EXISTS', `There is already a user "${name}".`);
        }
        if (current.length >= MAX_USERS) {
          throw new AirlockError('FORMAT_INVALID', `An appliance has at most ${MAX_USERS} users.`);
        }
        const user: StoredUser = {
          name,
          role,
          passwordHash: await hashPassword(password),
          createdAt: now,
          passwordChangedAt: now,
          failures: 0,
          lockedUntil: null,
        };
        return [[...current, user], infoOf(user)];
      });
    },
    async setPassword(name, password, now) {
      checkPassword(password, name);
      return update(name, async (user) => ({
        ...user,
        passwordHash: await hashPassword(password),
        passwordChangedAt: now,
        failures: 0,
        lockedUntil: null,
      }));
    },
    remove(name) {
      return change(async (current) => {
        if (!current.some((u) => u.name === name)) throw unknownUser(name);
        const admins = current.filter((u) => u.role === 'admin');
        if (admins.length === 1 && admins[0]!.name === name) {
          throw new AirlockError(
            'LAST_ADMIN',
            `"${name}" is the only admin; add another admin before removing this one.`,
          );
        }
        return [current.filter((u) => u.name !== name), undefined];
      });
    },
    unlock(name) {
      return update(name, (user) => ({ ...user, failures: 0, lockedUntil: null }));
    },
    async signIn(name, password, now) {
      const user = users.find((u) => u.name === name);
      const matches = await verifyPassword(password, user?.passwordHash);
      if (user === undefined) return { outcome: 'wrong' };
      return change(async (current): Promise<[StoredUser[], SignInResult]> => {
        const index = current.findIndex((u) => u.name === name);
        const fresh = current[index];
        if (fresh === undefined) return [current, { outcome: 'wrong' }];
        if (fresh.lockedUntil !== null && fresh.lockedUntil > now) {
          return [current, { outcome: 'locked', until: fresh.lockedUntil }];
        }
        if (matches && fresh.passwordHash === user.passwordHash) {
          const clean: StoredUser = { ...fresh, failures: 0, lockedUntil: null };
          const unchanged = fresh.failures === 0 && fresh.lockedUntil === null;
          return [
            unchanged ? current : replaceAt(current, index, clean),
            { outcome: 'signed-in', user: infoOf(clean) },
          ];
        }
        const failures = fresh.failures + 1;
        const locked = failures >= LOCKOUT_FAILURES;
        const next: StoredUser = {
          ...fresh,
          failures: locked ? 0 : failures,
          lockedUntil: locked ? now + LOCKOUT_SECONDS : null,
        };
        return [
          replaceAt(current, index, next),
          locked ? { outcome: 'locked', until: next.lockedUntil! } : { outcome: 'wrong' },
        ];
      });
    },
  };
}

export async function listUsers(dir: string): Promise<UserInfo[]> {
  return (await readUsers(dir)).map(infoOf);
}

async function readUsers(dir: string): Promise<StoredUser[]> {
  const path = pathOf(dir);
  let bytes: Uint8Array;
  try {
    bytes = await readPrivateFile(path, MAX_FILE_BYTES, 'users file');
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') return [];
    throw error;
  }
  const damaged = () =>
    new AirlockError(
      'FORMAT_INVALID',
      `${path} is not a users file of this version of Airlock; restore it from a backup.`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw damaged();
  }
  const file = raw as { format?: unknown; users?: unknown } | null;
  if (file?.format !== USERS_FORMAT || !Array.isArray(file.users)) throw damaged();
  return file.users.map((entry: unknown): StoredUser => {
    const u = entry as Partial<Record<keyof StoredUser, unknown>> | null;
    if (
      typeof u?.name !== 'string' ||
      !NAME_PATTERN.test(u.name) ||
      !isRole(u.role) ||
      !isPasswordHash(u.passwordHash) ||
      !Number.isSafeInteger(u.createdAt) ||
      !Number.isSafeInteger(u.passwordChangedAt) ||
      !Number.isSafeInteger(u.failures) ||
      (u.lockedUntil !== null && !Number.isSafeInteger(u.lockedUntil))
    ) {
      throw damaged();
    }
    return {
      name: u.name,
      role: u.role,
      passwordHash: u.passwordHash,
      createdAt: u.createdAt as number,
      passwordChangedAt: u.passwordChangedAt as number,
      failures: u.failures as number,
      lockedUntil: u.lockedUntil as number | null,
    };
  });
}

async function writeUsers(dir: string, users: readonly StoredUser[]): Promise<void> {
  const file = { format: USERS_FORMAT, users };
  await writeFileAtomic(pathOf(dir), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}
