// `airlock restore`: a backup archive back into a new data directory. Everything is bounded and
// checked before it is trusted (the archive's headers, then its manifest), extracted into a temp
// directory beside the target, each file checked against its SHA-256, the ledger's chain verified,
// the restore recorded in the ledger (its counters jump past the replaced appliance's), and only
// then renamed into place: a refused restore leaves no target behind. A node whose ledger is in
// PostgreSQL has none in its backup: the database is restored with PostgreSQL's tools (and
// mark-restored.ts jumps its counters). docs/OPERATIONS.md.

import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type RestoreJump, restoreJump } from '../appliance/counters.ts';
import { DATA_FILES } from '../appliance/data-dir.ts';
import { checkDataFormat, DATA_FORMAT, readDataFormat } from '../appliance/data-format.ts';
import type { ApplianceEvents } from '../appliance/events.ts';
import { applianceReducer } from '../appliance/service.ts';
import { AirlockError } from '../core/errors.ts';
import { openLedger } from '../ledger/ledger.ts';
import { inspectLock, lockedBy } from '../ledger/lock.ts';
import type { ChainHead } from '../ledger/record.ts';
import { verifyLedger } from '../ledger/verify.ts';
import { errorCode, syncDirectory } from '../node/atomic-file.ts';
import {
  type BackupManifest,
  type CopiedLedger,
  isDatabaseLedger,
  MANIFEST_NAME,
  MAX_FILE_BYTES,
  MAX_FILES,
  MAX_MANIFEST_BYTES,
  parseManifest,
} from './backup-manifest.ts';
import { isPrivatePath } from './private-paths.ts';
import { type ArchiveEntry, readArchiveIndex } from './tar-reader.ts';

export interface RestoreOptions {
  /** Unix seconds: when the restore happens (how far the counters jump depends on it). */
  readonly now: number;
  /** The airlock version restoring, recorded in the ledger. */
  readonly airlockVersion: string;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface RestoreResult {
  readonly target: string;
  readonly manifest: BackupManifest;
  /** The restored directory is of an older data format: `airlock upgrade` comes next. */
  readonly needsUpgrade: boolean;
  /**
   * The record of the restore appended to the ledger: the new head, and where the counters went.
   * Null for a node whose ledger is in PostgreSQL (`database`): the backup holds no ledger.
   */
  readonly recorded: ({ readonly head: ChainHead } & RestoreJump) | null;
  /** host:port/database of a ledger kept in PostgreSQL (not in the backup), or null. */
  readonly database: string | null;
}

const CHUNK = 1024 * 1024;

/**
 * Restored modes: private stays private; secrets, and all of the ledger, are private whatever the
 * archive says.
 */
function restoredMode(path: string, mode: string): number {
  const original = Number.parseInt(mode, 8);
  const secret = isPrivatePath(path) || path.startsWith('ledger/');
  return secret || (original & 0o077) === 0 ? 0o600 : original & 0o644;
}

function mismatch(from: string, problem: string): AirlockError {
  return new AirlockError(
    'BACKUP_MISMATCH',
    `${from} does not match its manifest: ${problem}. It was changed or damaged; nothing was restored.`,
    { path: from },
  );
}

/** A target that exists must be an empty directory that no process holds. */
async function checkTarget(target: string): Promise<void> {
  const found = await stat(target).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  });
  if (found !== null) {
    if (!found.isDirectory()) {
      throw new AirlockError(
        'FILE_EXISTS',
        `${target} exists and is not a directory; it was left as it is.`,
        {
          path: target,
        },
      );
    }
    const lock = await inspectLock(join(target, 'ledger'));
    if (lock.state === 'held' || lock.state === 'elsewhere')
      throw lockedBy(join(target, 'ledger'), lock.holder);
    if ((await readdir(target)).length > 0) {
      throw new AirlockError(
        'FILE_EXISTS',
        `${target} is not empty; it was left as it is. Restore into a new directory (or an empty one), then swap it in.`,
        { path: target },
      );
    }
  }
  const parent = dirname(resolve(target));
  if ((await stat(parent).catch(() => null))?.isDirectory() !== true) {
    throw new AirlockError('FILE_NOT_FOUND', `The directory ${parent} does not exist.`, {
      path: parent,
    });
  }
}

async function readEntry(handle: FileHandle, entry: ArchiveEntry): Promise<Buffer> {
  const buffer = Buffer.alloc(entry.size);
  const { bytesRead } = await handle.read(buffer, 0, entry.size, entry.offset);
  return buffer.subarray(0, bytesRead);
}

/** The manifest, read after the headers bounded it, and the entries it must describe. */
async function readManifest(
  handle: FileHandle,
  from: string,
): Promise<{ manifest: BackupManifest; entries: ArchiveEntry[] }> {
  const index = await readArchiveIndex(handle, from, {
    maxEntries: MAX_FILES + 1,
    maxEntryBytes: MAX_FILE_BYTES,
  });
  const last = index.at(-1);
  if (last === undefined || last.name !== MANIFEST_NAME || last.size > MAX_MANIFEST_BYTES) {
    throw new AirlockError(
      'BACKUP_INVALID',
      `${from} is not an Airlock backup: it does not end with its manifest (${MANIFEST_NAME}).`,
      { path: from },
    );
  }
  const manifest = parseManifest(await readEntry(handle, last));
  if (manifest.dataFormat > DATA_FORMAT) {
    checkDataFormat({ format: manifest.dataFormat, writtenBy: manifest.airlockVersion }, from);
  }
  const entries = index.slice(0, -1);
  if (entries.length !== manifest.files.length) {
    throw mismatch(
      from,
      `it holds ${entries.length} files and its manifest lists ${manifest.files.length}`,
    );
  }
  for (const [i, entry] of entries.entries()) {
    const listed = manifest.files[i]!;
    if (listed.path !== entry.name || listed.size !== entry.size) {
      throw mismatch(from, `${entry.name} (${entry.size} bytes) is not the file listed there`);
    }
    if (isDatabaseLedger(manifest.ledger) && entry.name.startsWith('ledger/')) {
      throw mismatch(from, `it holds ${entry.name}, but its ledger is in a database`);
    }
  }
  return { manifest, entries };
}

async function extract(
  handle: FileHandle,
  from: string,
  entries: readonly ArchiveEntry[],
  manifest: BackupManifest,
  temp: string,
  options: RestoreOptions,
): Promise<void> {
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  let done = 0;
  options.onProgress?.(0, total);
  const directories = new Set<string>([temp]);
  const buffer = Buffer.alloc(CHUNK);
  for (const [i, entry] of entries.entries()) {
    const listed = manifest.files[i]!;
    const path = join(temp, ...entry.name.split('/'));
    for (let dir = dirname(path); !directories.has(dir); dir = dirname(dir)) directories.add(dir);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const out = await open(path, 'wx', 0o600);
    const hash = createHash('sha256');
    try {
      await out.chmod(restoredMode(entry.name, listed.mode));
      for (let at = 0; at < entry.size;) {
        const want = Math.min(CHUNK, entry.size - at);
        const { bytesRead } = await handle.read(buffer, 0, want, entry.offset + at);
        if (bytesRead !== want) throw mismatch(from, `${entry.name} is cut short`);
        const chunk = buffer.subarray(0, want);
        hash.update(chunk);
        await out.write(chunk, 0, want, at);
        at += want;
        done += want;
        options.onProgress?.(done, total);
      }
      await out.sync();
    } finally {
      await out.close();
    }
    if (hash.digest('hex') !== listed.sha256)
      throw mismatch(from, `${entry.name} fails its SHA-256`);
  }
  for (const dir of directories) {
    await chmod(dir, 0o700);
    await syncDirectory(dir);
  }
}

/** The restored ledger verifies and ends exactly where the manifest says. */
async function checkLedger(from: string, temp: string, ledger: CopiedLedger): Promise<void> {
  const { seq, hash } = ledger;
  const journal = await stat(join(temp, 'ledger', 'journal')).catch(() => null);
  if (journal === null) {
    if (seq === 0) return;
    throw mismatch(from, `its ledger has no journal, but the manifest names record ${seq}`);
  }
  const verified = await verifyLedger(join(temp, 'ledger'));
  if (!verified.ok) {
    throw mismatch(
      from,
      `its ledger does not verify (record ${verified.firstBad!.seq}: ${verified.firstBad!.reason})`,
    );
  }
  if (verified.lastSeq !== seq || verified.lastHash !== hash) {
    throw mismatch(
      from,
      `its ledger ends at record ${verified.lastSeq}, not at record ${seq} with hash ${hash}`,
    );
  }
}

/**
 * Appends `appliance.restored` to the restored ledger, through the ledger itself (its lock, its
 * chain, the appliance's reducer, a snapshot on close): the activation IDs and site bundle
 * sequences jump past what the appliance the backup replaces may have issued since the backup.
 */
async function recordRestore(
  temp: string,
  manifest: BackupManifest,
  copied: CopiedLedger,
  options: RestoreOptions,
): Promise<NonNullable<RestoreResult['recorded']>> {
  const dir = join(temp, DATA_FILES.ledger);
  await mkdir(dir, { recursive: true, mode: 0o700 }); // a backup of a ledger never written to
  const ledger = await openLedger({
    dir,
    reducer: applianceReducer,
    purpose: 'airlock restore',
    now: () => options.now * 1000,
  });
  try {
    const jump = restoreJump(ledger.state, manifest.createdAt, options.now);
    const event: ApplianceEvents['appliance.restored'] = {
      at: options.now,
      backup: { createdAt: manifest.createdAt, seq: copied.seq, hash: copied.hash },
      elapsed: jump.elapsed,
      lastActivationId: jump.lastActivationId,
      siteSequence: jump.siteSequence,
      airlockVersion: options.airlockVersion,
    };
    const record = await ledger.append('appliance.restored', event, options.now * 1000);
    return { head: { seq: record.seq, hash: record.hash }, ...jump };
  } finally {
    await ledger.close();
  }
}

export async function restoreBackup(
  from: string,
  target: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  await checkTarget(target);
  const handle = await open(from, 'r').catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') {
      throw new AirlockError('FILE_NOT_FOUND', `The backup ${from} does not exist.`, {
        path: from,
      });
    }
    throw error;
  });
  const temp = join(
    dirname(resolve(target)),
    `.${basename(target)}.restore-${randomBytes(6).toString('hex')}`,
  );
  try {
    const { manifest, entries } = await readManifest(handle, from);
    let recorded: RestoreResult['recorded'];
    await mkdir(temp, { mode: 0o700 });
    try {
      await extract(handle, from, entries, manifest, temp, options);
      const format = await readDataFormat(temp).catch(() => null);
      if (format === null || format.format !== manifest.dataFormat) {
        throw mismatch(from, `its settings file is not of data format ${manifest.dataFormat}`);
      }
      if (isDatabaseLedger(manifest.ledger)) {
        recorded = null; // the database is PostgreSQL's to back up and restore
      } else {
        await checkLedger(from, temp, manifest.ledger);
        recorded = await recordRestore(temp, manifest, manifest.ledger, options);
      }
      await checkTarget(target); // nothing appeared there meanwhile
      await rename(temp, target); // over an empty directory too (rename(2))
      await syncDirectory(dirname(resolve(target)));
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    return {
      target,
      manifest,
      needsUpgrade: manifest.dataFormat < DATA_FORMAT,
      recorded,
      database: isDatabaseLedger(manifest.ledger) ? manifest.ledger.database : null,
    };
  } finally {
    await handle.close();
  }
}
