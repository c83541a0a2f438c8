// The USB stick, as a folder: what `sync import` reads (revocation bundles, checked against the
// manifests found beside them) and what `sync export` writes (the site bundle, the usage report
// and a manifest with their hashes). Untrusted ground: names, links, sizes and hashes are checked
// before any byte is used; every file is written atomically, the manifest last.

import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { formatId } from '../core/ids.ts';
import { MAX_BUNDLE_BYTES } from '../core/formats/revocation-bundle.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import type { OfferedBundle, SyncExport } from './site-sync.ts';

/** Revocation bundles on a stick end in this; `sync import FILE` takes any name. */
export const BUNDLE_SUFFIX = '.revocations';
export const MANIFEST_PREFIX = 'airlock-sync-';
export const MANIFEST_FORMAT = 'airlock-sync/v1';
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_FOLDER_ENTRIES = 10_000;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly applianceId: string;
  readonly exportedAt: number;
  readonly siteSequence: number;
  readonly ledger: { readonly seq: number; readonly hash: string };
  readonly files: readonly {
    readonly name: string;
    readonly bytes: number;
    readonly sha256: string;
  }[];
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function unsafe(path: string, why: string): AirlockError {
  return new AirlockError('SYNC_PATH_UNSAFE', `${path} ${why}; nothing was imported.`, { path });
}

/** A regular file, not a link, not larger than `max`: read whole. */
async function readPlainFile(path: string, max: number, what: string): Promise<Uint8Array> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined) {
    throw new AirlockError('FILE_NOT_FOUND', `${path} does not exist.`, { path });
  }
  if (stats.isSymbolicLink()) throw unsafe(path, 'is a symbolic link');
  if (!stats.isFile()) throw unsafe(path, 'is not a regular file');
  if (stats.size > max) {
    throw new AirlockError(
      'FILE_TOO_LARGE',
      `${path} has ${stats.size} bytes; a ${what} has at most ${max}. Nothing was imported.`,
      { path, size: stats.size },
    );
  }
  return readFileBounded(path, max, what);
}

function parseManifest(path: string, bytes: Uint8Array): Manifest {
  let m: Partial<Manifest> | null = null;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<Manifest>;
  } catch {
    m = null;
  }
  if (m?.format !== MANIFEST_FORMAT || !Array.isArray(m.files)) {
    throw new AirlockError('FORMAT_INVALID', `${path} is not an Airlock sync manifest.`, { path });
  }
  for (const f of m.files) {
    const name = (f as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !SAFE_NAME.test(name) || name.includes('..')) {
      throw unsafe(path, `names a file outside its folder (${JSON.stringify(name).slice(0, 60)})`);
    }
    if (!Number.isSafeInteger(f.bytes) || typeof f.sha256 !== 'string') {
      throw new AirlockError('FORMAT_INVALID', `${path} is not an Airlock sync manifest.`, {
        path,
      });
    }
  }
  return m as Manifest;
}

/**
 * The bundles at `path`: the file itself, or in a folder every `*.revocations` file at its top,
 * each checked against any manifest beside it that lists it (a torn or altered export is refused).
 */
export async function readOffered(path: string): Promise<OfferedBundle[]> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined)
    throw new AirlockError('FILE_NOT_FOUND', `${path} does not exist.`, { path });
  if (stats.isSymbolicLink()) throw unsafe(path, 'is a symbolic link');
  if (!stats.isDirectory()) {
    return [
      {
        name: basename(path),
        bytes: await readPlainFile(path, MAX_BUNDLE_BYTES, 'revocation bundle'),
      },
    ];
  }
  const names = await readdir(path);
  if (names.length > MAX_FOLDER_ENTRIES) {
    throw new AirlockError(
      'FILE_TOO_LARGE',
      `${path} holds more than ${MAX_FOLDER_ENTRIES} entries.`,
      { path },
    );
  }
  const expected = new Map<string, { bytes: number; sha256: string; manifest: string }>();
  for (const name of names
    .filter((n) => n.startsWith(MANIFEST_PREFIX) && n.endsWith('.json'))
    .sort()) {
    const manifestPath = join(path, name);
    const manifest = parseManifest(
      manifestPath,
      await readPlainFile(manifestPath, MAX_MANIFEST_BYTES, 'sync manifest'),
    );
    for (const f of manifest.files) expected.set(f.name, { ...f, manifest: name });
  }
  const offered: OfferedBundle[] = [];
  for (const name of names.filter((n) => n.endsWith(BUNDLE_SUFFIX)).sort()) {
    const bytes = await readPlainFile(join(path, name), MAX_BUNDLE_BYTES, 'revocation bundle');
    const listed = expected.get(name);
    if (listed && (listed.bytes !== bytes.length || listed.sha256 !== sha256Hex(bytes))) {
      throw new AirlockError(
        'SYNC_MANIFEST_MISMATCH',
        `${join(path, name)} does not match ${listed.manifest} (the export was cut short or the file was changed); nothing was imported. Export again.`,
        { path: join(path, name) },
      );
    }
    offered.push({ name, bytes });
  }
  return offered;
}

/** The file names of one appliance's export: several appliances can share one stick. */
export function exportNames(applianceId: Uint8Array) {
  const id = formatId('appliance', applianceId);
  return {
    bundle: `site-${id}${BUNDLE_SUFFIX}`,
    report: `usage-report-${id}.json`,
    manifest: `${MANIFEST_PREFIX}${id}.json`,
  };
}

/** The files of an export, the manifest last: for a folder, or one archive over HTTP. */
export function exportFiles(
  applianceId: Uint8Array,
  exported: SyncExport,
): { manifest: Manifest; files: { name: string; bytes: Uint8Array }[] } {
  const names = exportNames(applianceId);
  const report = new TextEncoder().encode(exported.report);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    applianceId: formatId('appliance', applianceId),
    exportedAt: exported.exportedAt,
    siteSequence: exported.siteSequence,
    ledger: exported.checkpoint,
    files: [
      { name: names.bundle, bytes: exported.bundle.length, sha256: sha256Hex(exported.bundle) },
      { name: names.report, bytes: report.length, sha256: sha256Hex(report) },
    ],
  };
  return {
    manifest,
    files: [
      { name: names.bundle, bytes: exported.bundle },
      { name: names.report, bytes: report },
      {
        name: names.manifest,
        bytes: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      },
    ],
  };
}

/**
 * Refuses to write over a newer export of this appliance in `dir` (a restored, older appliance
 * must not hide it). Checked before the export is made, and again before it is written.
 */
export async function assertNoNewerExport(
  dir: string,
  applianceId: Uint8Array,
  next: { readonly siteSequence: number; readonly ledgerSeq: number },
): Promise<void> {
  const manifestPath = join(dir, exportNames(applianceId).manifest);
  if ((await lstat(manifestPath).catch(() => undefined)) === undefined) return;
  const held = parseManifest(
    manifestPath,
    await readPlainFile(manifestPath, MAX_MANIFEST_BYTES, 'sync manifest'),
  );
  if (held.siteSequence > next.siteSequence || held.ledger.seq > next.ledgerSeq) {
    throw new AirlockError(
      'SYNC_EXPORT_OLDER',
      `${dir} holds a newer export of this appliance (site bundle ${held.siteSequence}, ledger record ${held.ledger.seq}) than this one (${next.siteSequence}, ${next.ledgerSeq}): it was left as it is. Is this appliance running on an old copy of its data?`,
      { held: held.siteSequence, offered: next.siteSequence },
    );
  }
}

/** Writes an export into `dir`: its files atomically, the manifest last. */
export async function writeExport(
  dir: string,
  applianceId: Uint8Array,
  exported: SyncExport,
): Promise<{ manifest: Manifest; paths: string[] }> {
  await assertNoNewerExport(dir, applianceId, {
    siteSequence: exported.siteSequence,
    ledgerSeq: exported.checkpoint.seq,
  });
  const { manifest, files } = exportFiles(applianceId, exported);
  for (const file of files) await writeFileAtomic(join(dir, file.name), file.bytes);
  return { manifest, paths: files.map((f) => join(dir, f.name)) };
}
