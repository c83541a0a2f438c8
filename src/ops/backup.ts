// `airlock backup`: a consistent copy of a data directory into one tar file, taken while the
// appliance serves or not, without the ledger's lock. Every file but the journal is copied whole
// and must be unchanged when the copy ends (else it starts again, three times at most); the journal
// is copied up to its last whole, verified record (journal-copy.ts), and that record must still
// be there at the end. A ledger in PostgreSQL is not copied: the manifest names its database
// (pg_dump backs it up). A manifest (backup-manifest.ts) ends the archive. docs/OPERATIONS.md.

import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { readApplianceDataFormat } from '../appliance/data-format.ts';
import { EMPTY_CHAIN } from '../ledger/record.ts';
import { databaseLabel } from '../ledger-pg/connection.ts';
import {
  type BackupManifest,
  databaseLedgerNote,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  manifestText,
} from './backup-manifest.ts';
import { modeText } from '../node/private-file.ts';
import { copyOpenFile, openRegular, readFully, type Seen, walk } from './backup-files.ts';
import {
  type CopiedFile,
  type CopiedTail,
  copyJournal,
  listJournal,
  tailStillThere,
} from './journal-copy.ts';
import { createTarWriter, type TarWriter } from './tar-writer.ts';

export { classifyEntry, type EntryKind } from './backup-files.ts';

export interface BackupOptions {
  /** The archive to write; refused if it exists or lies inside the data directory. */
  readonly out: string;
  /** Unix seconds: the manifest's time and the entries'. */
  readonly now: number;
  readonly airlockVersion: string;
  /** Called as bytes are copied; `total` is what the copy expects (the journal may grow). */
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Rounds before BACKUP_CHANGING (default 3). */
  readonly attempts?: number;
  /**
   * The ledger setting: a PostgreSQL URL when the ledger is in that database (it is not copied:
   * the manifest names the database), undefined for the journal in the data directory.
   */
  readonly ledger?: string | undefined;
  /** A test seam: runs after everything is copied, before the copy is checked. */
  readonly beforeCheck?: (attempt: number) => Promise<void>;
}

export interface BackupResult {
  readonly out: string;
  readonly manifest: BackupManifest;
  /** Bytes of the archive. */
  readonly bytes: number;
  /** Paths not copied: not files the appliance makes (odd names, sockets, links to nowhere). */
  readonly leftOut: readonly string[];
  readonly attempts: number;
}

const LEDGER = 'ledger';
const SNAPSHOT = `${LEDGER}/snapshot.json`;
const SNAPSHOT_HEAD = /^\{"format":"airlock-snapshot\/v1","seq":(\d{1,15}),"hash":"([0-9a-f]{64})"/;

type Round =
  | { readonly ok: true; readonly manifest: BackupManifest; readonly leftOut: string[] }
  | { readonly ok: false };

async function copyRound(
  dir: string,
  tar: TarWriter,
  options: BackupOptions,
  format: number,
  attempt: number,
): Promise<Round> {
  const { now } = options;
  const database = options.ledger === undefined ? undefined : databaseLabel(options.ledger);
  const walked = await walk(dir);
  // A journal left from before the ledger moved to PostgreSQL is not the ledger: not copied.
  const segments = database === undefined ? await listJournal(join(dir, LEDGER)) : [];
  const ledgerFiles = database === undefined ? [SNAPSHOT] : [];
  let total = 0;
  for (const path of [
    ...walked.files,
    ...ledgerFiles,
    ...segments.map((s) => relative(dir, s.path)),
  ]) {
    total += (await stat(join(dir, path)).catch(() => null))?.size ?? 0;
  }
  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    options.onProgress?.(done, Math.max(total, done));
  };
  options.onProgress?.(0, total);

  const copied: CopiedFile[] = [];
  const seen = new Map<string, Seen>();
  for (const path of walked.files) {
    const opened = await openRegular(join(dir, path));
    if (opened === null) return { ok: false };
    try {
      const result = await copyOpenFile(
        opened.handle,
        opened.seen.size,
        tar,
        path,
        opened.mode,
        now,
        onBytes,
      );
      if (result === null) return { ok: false };
      copied.push(result.file);
      seen.set(path, opened.seen);
    } finally {
      await opened.handle.close();
    }
  }

  if (database !== undefined) {
    return finishRound(dir, tar, options, format, attempt, {
      walked,
      seen,
      copied,
      ledger: databaseLedgerNote(database),
      tail: null,
    });
  }

  // The snapshot is opened before the journal is read: it is written only once its record is
  // durable, so the record it names is in the journal copied after (or the copy leaves it out).
  const snapshot = await openRegular(join(dir, SNAPSHOT));
  try {
    let snapshotHead: { seq: number; hash: string } | null = null;
    if (snapshot !== null) {
      const head = Buffer.alloc(Math.min(200, snapshot.seen.size));
      await readFully(snapshot.handle, head, 0);
      const match = SNAPSHOT_HEAD.exec(head.toString('latin1'));
      if (match) snapshotHead = { seq: Number(match[1]), hash: match[2]! };
    }
    const journal = await copyJournal(tar, {
      ledgerDir: join(dir, LEDGER),
      archiveDir: LEDGER,
      mtime: now,
      hashOfSeq: snapshotHead?.seq ?? null,
      onBytes,
    });
    copied.push(...journal.files);
    let snapshotSeq: number | null = null;
    if (snapshot !== null && snapshotHead !== null && snapshotHead.seq <= journal.head.seq) {
      const matches =
        snapshotHead.seq === 0
          ? snapshotHead.hash === EMPTY_CHAIN.hash
          : journal.hashAt === snapshotHead.hash;
      if (matches) {
        const result = await copyOpenFile(
          snapshot.handle,
          snapshot.seen.size,
          tar,
          SNAPSHOT,
          0o600,
          now,
          onBytes,
        );
        if (result === null) return { ok: false };
        copied.push(result.file);
        snapshotSeq = snapshotHead.seq;
      }
    }

    return await finishRound(dir, tar, options, format, attempt, {
      walked,
      seen,
      copied,
      ledger: {
        records: journal.head.seq,
        seq: journal.head.seq,
        hash: journal.head.hash,
        snapshotSeq,
      },
      tail: journal.tail,
    });
  } finally {
    await snapshot?.handle.close();
  }
}

interface Copied {
  readonly walked: { readonly files: string[]; readonly leftOut: string[] };
  readonly seen: ReadonlyMap<string, Seen>;
  readonly copied: readonly CopiedFile[];
  readonly ledger: BackupManifest['ledger'];
  /** The last journal record copied, which must still be there; null without a journal. */
  readonly tail: CopiedTail | null;
}

/**
 * The check (the same files, each the same inode, size and time; the journal's last record copied
 * still there), then the manifest.
 */
async function finishRound(
  dir: string,
  tar: TarWriter,
  options: BackupOptions,
  format: number,
  attempt: number,
  round: Copied,
): Promise<Round> {
  const { now } = options;
  await options.beforeCheck?.(attempt);
  const again = await walk(dir);
  if (again.files.join('\n') !== round.walked.files.join('\n')) return { ok: false };
  for (const [path, before] of round.seen) {
    const now_ = await stat(join(dir, path)).catch(() => null);
    if (
      now_ === null ||
      now_.ino !== before.ino ||
      now_.size !== before.size ||
      now_.mtimeMs !== before.mtimeMs
    ) {
      return { ok: false };
    }
  }
  if (!(await tailStillThere(round.tail))) return { ok: false };

  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    airlockVersion: options.airlockVersion,
    dataFormat: format,
    createdAt: now,
    ledger: round.ledger,
    files: round.copied.map((f) => ({
      path: f.path,
      size: f.size,
      mode: modeText(f.mode),
      sha256: f.sha256,
    })),
  };
  const entry = tar.begin(MANIFEST_NAME, 0o600, now);
  await entry.write(new TextEncoder().encode(manifestText(manifest)));
  await entry.end();
  return { ok: true, manifest, leftOut: round.walked.leftOut };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

export async function createBackup(dir: string, options: BackupOptions): Promise<BackupResult> {
  // An older format is copied as it is (`airlock upgrade` backs it up first); a newer one is not ours.
  const format = await readApplianceDataFormat(dir);
  if (isInside(options.out, dir)) {
    throw new AirlockError(
      'USAGE',
      `The backup ${options.out} must be written outside the data directory ${dir}.`,
    );
  }
  if ((await stat(options.out).catch(() => null)) !== null) {
    throw new AirlockError(
      'FILE_EXISTS',
      `${options.out} already exists; it was left as it is. Choose a new file name.`,
      {
        path: options.out,
      },
    );
  }
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const tar = await createTarWriter(options.out);
    let round: Round;
    try {
      round = await copyRound(dir, tar, options, format.format, attempt);
      if (round.ok) await tar.commit();
    } catch (error) {
      await tar.discard();
      throw error;
    }
    if (!round.ok) {
      await tar.discard();
      continue;
    }
    const bytes = (await stat(options.out)).size;
    return {
      out: options.out,
      manifest: round.manifest,
      bytes,
      leftOut: round.leftOut,
      attempts: attempt,
    };
  }
  throw new AirlockError(
    'BACKUP_CHANGING',
    `The files of ${dir} kept changing while they were copied (${attempts} tries): a key rotation, token or user change or an import may be running. Run the backup again when it is done.`,
    { dir, attempts },
  );
}
