// The manifest at the end of every backup archive (`airlock-backup.json`): which airlock and data
// format wrote it, where the ledger copy ends (or which database holds the ledger, not copied), and
// each file's size, mode and SHA-256. Pure: the text written, and a strict reader that bounds and
// checks every field before anything trusts it.

import { AirlockError } from '../core/errors.ts';
import { isSafeName } from './ustar.ts';

export const MANIFEST_NAME = 'airlock-backup.json';
export const MANIFEST_FORMAT = 'airlock-backup/v1';
/** A manifest lists at most this many files: a data directory holds a few dozen, plus segments. */
export const MAX_FILES = 100_000;
/** About 200 bytes per file listed. */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
/** No file of a data directory comes near this (journal segments are 64 MiB, snapshots less than 512). */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;

export interface ManifestFile {
  readonly path: string;
  readonly size: number;
  /** Permission bits of the original, "0600". */
  readonly mode: string;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly airlockVersion: string;
  readonly dataFormat: number;
  /** Unix seconds. */
  readonly createdAt: number;
  /** The ledger: copied from the journal, or kept in a PostgreSQL database (not copied). */
  readonly ledger: CopiedLedger | DatabaseLedger;
  readonly files: readonly ManifestFile[];
}

/** The journal copied: its records, the last one's seq and hash; the snapshot included, if any. */
export interface CopiedLedger {
  readonly records: number;
  readonly seq: number;
  readonly hash: string;
  readonly snapshotSeq: number | null;
}

/** A node whose ledger is in PostgreSQL: the database's backup is PostgreSQL's (pg_dump). */
export interface DatabaseLedger {
  /** host:port/database (never a user or password). */
  readonly database: string;
  /** What to do about it, for whoever reads the manifest. */
  readonly note: string;
}

export const isDatabaseLedger = (ledger: BackupManifest['ledger']): ledger is DatabaseLedger =>
  'database' in ledger;

export function databaseLedgerNote(database: string): DatabaseLedger {
  return {
    database,
    note: `the ledger is in PostgreSQL at ${database}: back it up with pg_dump`,
  };
}

const HASH = /^[0-9a-f]{64}$/;
const MODE = /^0[0-7]{3}$/;
const VERSION = /^[0-9A-Za-z.+-]{1,64}$/;

export function manifestText(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function invalid(problem: string): AirlockError {
  return new AirlockError(
    'BACKUP_INVALID',
    `The backup's manifest ${problem}: this is not a whole Airlock backup.`,
  );
}

/** A database's host:port/name, as messages show it. */
const MAX_LABEL = 512;

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && !/\p{Cc}/u.test(value);

const isCount = (value: unknown, max = Number.MAX_SAFE_INTEGER): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;

function exactKeys(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
}

/** Reads a manifest's bytes (bounded first): every field checked, no file listed twice. */
export function parseManifest(bytes: Uint8Array): BackupManifest {
  if (bytes.length > MAX_MANIFEST_BYTES)
    throw invalid(`is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('is not JSON');
  }
  const top = ['format', 'airlockVersion', 'dataFormat', 'createdAt', 'ledger', 'files'];
  if (!exactKeys(json, top) || json['format'] !== MANIFEST_FORMAT) {
    throw invalid(`is not ${MANIFEST_FORMAT}`);
  }
  const { airlockVersion, dataFormat, createdAt, ledger, files } = json;
  if (typeof airlockVersion !== 'string' || !VERSION.test(airlockVersion)) {
    throw invalid('has no valid airlockVersion');
  }
  if (!isCount(dataFormat) || dataFormat < 1) throw invalid('has no valid dataFormat');
  if (!isCount(createdAt)) throw invalid('has no valid createdAt');
  if (exactKeys(ledger, ['database', 'note'])) {
    if (!isText(ledger['database'], MAX_LABEL) || /[@\s]/.test(ledger['database'])) {
      throw invalid('names no valid ledger database');
    }
    if (!isText(ledger['note'], MAX_LABEL * 2)) throw invalid('has no valid ledger note');
  } else if (
    !exactKeys(ledger, ['records', 'seq', 'hash', 'snapshotSeq']) ||
    !isCount(ledger['records']) ||
    !isCount(ledger['seq']) ||
    ledger['records'] !== ledger['seq'] ||
    typeof ledger['hash'] !== 'string' ||
    !HASH.test(ledger['hash']) ||
    !(ledger['snapshotSeq'] === null || isCount(ledger['snapshotSeq'], ledger['seq']))
  ) {
    throw invalid('has no valid ledger head');
  }
  if (!Array.isArray(files) || files.length > MAX_FILES) {
    throw invalid(`does not list at most ${MAX_FILES} files`);
  }
  const seen = new Set<string>();
  const checked: ManifestFile[] = [];
  for (const file of files as unknown[]) {
    if (
      !exactKeys(file, ['path', 'size', 'mode', 'sha256']) ||
      typeof file['path'] !== 'string' ||
      !isSafeName(file['path']) ||
      file['path'] === MANIFEST_NAME ||
      !isCount(file['size'], MAX_FILE_BYTES) ||
      typeof file['mode'] !== 'string' ||
      !MODE.test(file['mode']) ||
      typeof file['sha256'] !== 'string' ||
      !HASH.test(file['sha256'])
    ) {
      throw invalid('lists a file without a safe path, size, mode or SHA-256');
    }
    if (seen.has(file['path'])) throw invalid(`lists ${file['path']} twice`);
    seen.add(file['path']);
    checked.push({
      path: file['path'],
      size: file['size'],
      mode: file['mode'],
      sha256: file['sha256'],
    });
  }
  return {
    format: MANIFEST_FORMAT,
    airlockVersion,
    dataFormat,
    createdAt,
    ledger:
      'database' in ledger
        ? { database: ledger['database'] as string, note: ledger['note'] as string }
        : {
            records: ledger['records'] as number,
            seq: ledger['seq'] as number,
            hash: ledger['hash'] as string,
            snapshotSeq: ledger['snapshotSeq'] as number | null,
          },
    files: checked,
  };
}
