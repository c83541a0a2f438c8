// The thin shell of `airlock doctor`: gathers the facts doctor.ts decides on, reading only (no
// lock, no passphrase): modes and owners, certificates, the revocations held, free space, the
// ledger's lock and a quick check of its chain (for a ledger in PostgreSQL: its database, schema
// and rows, ledger-db-check.ts). A fact that cannot be read becomes a finding.

import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { equalBytes } from '../core/bytes.ts';
import { formatId } from '../core/ids.ts';
import { applianceKeyFiles, DATA_FILES, readCertificateFile } from '../appliance/data-dir.ts';
import {
  DATA_FORMAT,
  type DataFormatFound,
  readDataFormat,
  readSettingsJson,
} from '../appliance/data-format.ts';
import { openRevocationStore } from '../appliance/revocation-store.ts';
import { readTlsCredentials, tlsPaths } from '../appliance/tls-files.ts';
import type { ServeConfig } from '../http/config.ts';
import { inspectLock } from '../ledger/lock.ts';
import { base64urlnopad } from '@scure/base';
import { type DoctorFacts, type PathFacts, vendorRevocations } from './doctor-facts.ts';
import { problemOf } from './doctor-words.ts';
import { checkLedgerDatabase } from './ledger-db-check.ts';
import { quickCheckLedger } from './ledger-quick-check.ts';

export interface GatherOptions {
  /** Unix seconds. */
  readonly now: number;
  /** When this airlock was built (Unix seconds), or the earliest it can have been. */
  readonly builtAt: number;
  /** The serving configuration as `airlock serve` would read it. */
  readonly config:
    | { readonly kind: 'none'; readonly serve: ServeConfig }
    | { readonly kind: 'valid'; readonly path: string; readonly serve: ServeConfig }
    | { readonly kind: 'invalid'; readonly problem: string };
  /** Verify every record of the ledger, not only the last segment and the boundaries. */
  readonly full: boolean;
}

async function formatOf(dir: string): Promise<DataFormatFound | null | 'unreadable'> {
  try {
    return await readDataFormat(dir);
  } catch {
    return 'unreadable';
  }
}

async function pathsOf(dir: string): Promise<PathFacts[]> {
  const top = await lstat(dir);
  const paths: PathFacts[] = [{ path: '', directory: true, mode: top.mode, uid: top.uid }];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    const s = await lstat(full).catch(() => null);
    if (s === null || s.isSymbolicLink()) continue;
    const path = relative(dir, full).split(sep).join('/');
    paths.push({ path, directory: s.isDirectory(), mode: s.mode, uid: s.uid });
  }
  return paths;
}

async function tlsOf(dir: string, options: GatherOptions): Promise<DoctorFacts['tls']> {
  const serve = options.config.kind === 'invalid' ? undefined : options.config.serve;
  if (serve !== undefined && !serve.tls) return { kind: 'plain-http' };
  const configured = serve?.tlsCert !== undefined && serve.tlsKey !== undefined;
  const files = configured
    ? { certFile: serve!.tlsCert!, keyFile: serve!.tlsKey!, keySetting: `The key ${serve!.tlsKey}` }
    : tlsPaths(dir);
  if (!configured && (await lstat(files.certFile).catch(() => null)) === null) {
    return { kind: 'missing' };
  }
  try {
    const read = await readTlsCredentials(files);
    return { kind: 'present', file: files.certFile, notAfter: read.notAfter };
  } catch (error) {
    return { kind: 'unusable', file: files.certFile, problem: problemOf(error) };
  }
}

async function certificateOf(dir: string): Promise<DoctorFacts['certificate']> {
  try {
    const certificate = await readCertificateFile(join(dir, DATA_FILES.certificate));
    if (certificate === undefined) return { kind: 'missing' };
    const key = JSON.parse(await readFile(join(dir, DATA_FILES.key), 'utf8')) as {
      publicKey?: unknown;
    };
    const publicKey =
      typeof key.publicKey === 'string' ? base64urlnopad.decode(key.publicKey) : null;
    if (publicKey === null || !equalBytes(publicKey, certificate.publicKey)) {
      return {
        kind: 'unusable',
        problem: `${DATA_FILES.certificate} certifies another key than ${DATA_FILES.key} holds.`,
      };
    }
    return {
      kind: 'present',
      id: formatId('certificate', certificate.certificateId),
      notAfter: certificate.notAfter,
    };
  } catch (error) {
    return { kind: 'unusable', problem: problemOf(error) };
  }
}

async function revocationsOf(dir: string): Promise<DoctorFacts['revocations']> {
  try {
    return vendorRevocations((await openRevocationStore(dir)).streams);
  } catch (error) {
    return { kind: 'unreadable', problem: problemOf(error) };
  }
}

async function keysOf(dir: string): Promise<DoctorFacts['keys']> {
  const keys = [];
  for (const path of await applianceKeyFiles(dir)) {
    const text = await readFile(path, 'utf8').catch(() => '');
    keys.push({
      path: relative(dir, path).split(sep).join('/'),
      sealed: text.includes('"encrypted"'),
    });
  }
  return keys;
}

async function modeOf(dir: string): Promise<DoctorFacts['mode']> {
  const settings = (await readSettingsJson(dir).catch(() => null)) as { mode?: unknown } | null;
  return settings?.mode === 'standalone' || settings?.mode === 'delegated' ? settings.mode : null;
}

/** Stand-ins for a directory whose layout is not read (diagnose reports only its format then). */
const UNKNOWN = {
  paths: [],
  mode: null,
  tls: { kind: 'missing' },
  certificate: { kind: 'missing' },
  revocations: { kind: 'none' },
  disk: null,
  lastRecordAt: null,
  lock: { state: 'free' },
  config: { kind: 'none' },
  ledger: { kind: 'ok', records: 0, segments: 0, full: false },
  keys: [],
} as const satisfies Omit<DoctorFacts, 'dir' | 'now' | 'uid' | 'format' | 'builtAt'>;

export async function gatherFacts(dir: string, options: GatherOptions): Promise<DoctorFacts> {
  const format = await formatOf(dir);
  const base = {
    dir,
    now: options.now,
    uid: process.getuid?.() ?? null,
    format,
    builtAt: options.builtAt,
  };
  if (format === null || format === 'unreadable' || format.format > DATA_FORMAT) {
    return { ...base, ...UNKNOWN }; // no layout this airlock knows: only the format is reported
  }
  const ledgerDir = join(dir, DATA_FILES.ledger);
  // The ledger setting: a ledger in PostgreSQL is checked there, with the revocations it holds.
  const url = options.config.kind === 'invalid' ? undefined : options.config.serve.ledger;
  const [paths, tls, certificate, fileRevocations, keys, mode, lock] = await Promise.all([
    pathsOf(dir),
    tlsOf(dir, options),
    certificateOf(dir),
    url === undefined ? revocationsOf(dir) : null,
    keysOf(dir),
    modeOf(dir),
    inspectLock(ledgerDir).catch(() => ({ state: 'unreadable' }) as const),
  ]);
  const disk = await statfs(dir)
    .then((s) => ({ available: s.bavail * s.bsize, total: s.blocks * s.bsize }))
    .catch(() => null);
  const inDatabase =
    url === undefined ? undefined : await checkLedgerDatabase(url, { full: options.full });
  const ledger =
    inDatabase !== undefined
      ? { result: inDatabase.ledger, lastRecordAt: inDatabase.lastRecordAt }
      : await quickCheckLedger(ledgerDir, options.full).catch((error: unknown) => ({
          result: { kind: 'unreadable', problem: problemOf(error) } as const,
          lastRecordAt: null,
        }));
  const revocations = inDatabase?.revocations ?? fileRevocations ?? { kind: 'none' };
  return {
    ...base,
    paths,
    mode,
    tls,
    certificate,
    revocations,
    disk,
    lastRecordAt: ledger.lastRecordAt,
    lock,
    config:
      options.config.kind === 'invalid'
        ? { kind: 'invalid', problem: options.config.problem }
        : options.config.kind === 'valid'
          ? { kind: 'valid', path: options.config.path }
          : { kind: 'none' },
    ledger: ledger.result,
    keys,
    ...(inDatabase === undefined ? {} : { database: inDatabase.database }),
  };
}
