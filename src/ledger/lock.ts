// One writer per data directory: `DIR/LOCK` names the process that holds the ledger; a second
// writer is refused with LEDGER_LOCKED, and a lock left by a dead process is taken over.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { writeFileAtomic } from '../node/atomic-file.ts';
import { errorCode } from '../node/atomic-file.ts';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** What the holder is doing ("appliance server", "ledger repair"), for the refusal message. */
  readonly purpose: string;
  /** ISO 8601 time the lock was taken. */
  readonly since: string;
}

export interface Lock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

export interface LockOptions {
  readonly purpose: string;
  /** What the directory is, for messages (default "The ledger in"). */
  readonly what?: string;
  /** When the lock is taken (default: now); only recorded. */
  readonly now?: Date;
}

const MAX_LOCK_BYTES = 4096;
/** Takeovers can race with another process doing the same; a few rounds settle it. */
const MAX_ATTEMPTS = 5;

/** Takes the lock of `dir` or throws LEDGER_LOCKED naming the live holder. */
export async function acquireLock(dir: string, options: LockOptions): Promise<Lock> {
  if (typeof options.purpose !== 'string' || options.purpose === '') {
    throw new TypeError('purpose must name what the lock is for');
  }
  const path = join(dir, 'LOCK');
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    purpose: options.purpose,
    since: (options.now ?? new Date()).toISOString(),
  };
  const content = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      // Written whole to a temp file and linked into place: no reader ever sees it half-written.
      await writeFileAtomic(path, content, { exclusive: true, mode: 0o644 });
      return { path, holder, release: () => releaseLock(path, content) };
    } catch (error) {
      if (!(error instanceof AirlockError) || error.code !== 'FILE_EXISTS') throw error;
    }
    const existing = await readLock(path);
    if (existing === 'missing') continue;
    if (existing !== 'unreadable' && isAlive(existing)) {
      throw lockedError(dir, existing, options.what ?? 'The ledger in');
    }
    await removeStale(path, existing);
  }
  throw new AirlockError(
    'LEDGER_LOCKED',
    `${options.what ?? 'The ledger in'} ${dir} is being locked by other processes at the same moment; try again.`,
    { dir },
  );
}

function lockedError(dir: string, holder: LockHolder, what: string): AirlockError {
  return new AirlockError(
    'LEDGER_LOCKED',
    `${what} ${dir} is in use by process ${holder.pid} on ${holder.host} (${holder.purpose}, since ${holder.since}). ` +
      `Stop it first, or wait for it; if no such process runs, delete ${join(dir, 'LOCK')}.`,
    { dir, pid: holder.pid, host: holder.host, purpose: holder.purpose, since: holder.since },
  );
}

/** The holder recorded in the lock file; 'unreadable' for an empty or damaged file (a crash). */
async function readLock(path: string): Promise<LockHolder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
  if (text.length > MAX_LOCK_BYTES) return 'unreadable';
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return 'unreadable';
    const { pid, host, purpose, since } = value as Record<string, unknown>;
    if (
      typeof pid !== 'number' ||
      !Number.isSafeInteger(pid) ||
      pid < 1 ||
      typeof host !== 'string' ||
      typeof purpose !== 'string' ||
      typeof since !== 'string'
    ) {
      return 'unreadable';
    }
    return { pid, host, purpose, since };
  } catch {
    return 'unreadable';
  }
}

/** A holder on another host cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // alive, but another user's
  }
}

/**
 * Removes a stale lock without ever removing a live one: the file is first renamed aside (one
 * atomic step), and if what was moved is no longer the stale lock (another process took over
 * meanwhile) it is put back.
 */
async function removeStale(path: string, stale: LockHolder | 'unreadable'): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await readLock(aside);
  const same =
    moved === 'unreadable' ||
    moved === 'missing' ||
    (stale !== 'unreadable' && moved.pid === stale.pid && moved.since === stale.since);
  if (!same) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function releaseLock(path: string, content: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === content) await unlink(path).catch(() => undefined);
}

/** Who holds a lock, for reports (`airlock doctor`) and refusals that do not take it. */
export type LockState =
  | { readonly state: 'free' }
  | { readonly state: 'held'; readonly holder: LockHolder }
  /** A holder on another host: it cannot be checked from here, so it counts as held. */
  | { readonly state: 'elsewhere'; readonly holder: LockHolder }
  /** Left by a process that is gone: the next writer takes it over. */
  | { readonly state: 'stale'; readonly holder: LockHolder }
  | { readonly state: 'unreadable' };

export async function inspectLock(dir: string): Promise<LockState> {
  const found = await readLock(join(dir, 'LOCK'));
  if (found === 'missing') return { state: 'free' };
  if (found === 'unreadable') return { state: 'unreadable' };
  if (found.host !== hostname()) return { state: 'elsewhere', holder: found };
  return isAlive(found) ? { state: 'held', holder: found } : { state: 'stale', holder: found };
}

/** LEDGER_LOCKED naming a live holder, for callers that refuse without taking the lock. */
export function lockedBy(dir: string, holder: LockHolder, what = 'The ledger in'): AirlockError {
  return lockedError(dir, holder, what);
}
