// `airlock upgrade`: migrates a data directory to this airlock's data format. It holds the ledger's
// lock throughout (never beside a serving appliance), takes a backup first, gathers the facts each
// migration (migrations.ts) plans from, applies the steps in order, and records the upgrade in the
// ledger's audit trail. Already current: nothing to do. Newer: DATA_FORMAT_NEWER, never a downgrade.
// A ledger in PostgreSQL is neither locked nor copied here: the audit record goes to the database.

import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { base64urlnopad } from '@scure/base';
import { equalBytes } from '../core/bytes.ts';
import { AirlockError } from '../core/errors.ts';
import { DATA_FILES, publishCertificate, readCertificateFile } from '../appliance/data-dir.ts';
import type { Certificate } from '../core/formats/certificate.ts';
import { readTrustFile } from '../vendor/trust-file.ts';
import {
  DATA_FORMAT,
  readApplianceDataFormat,
  readSettingsJson,
} from '../appliance/data-format.ts';
import { generateTlsCertificate, TLS_CERT_FILE } from '../appliance/tls-files.ts';
import { acquireLock } from '../ledger/lock.ts';
import { openJournal } from '../ledger/journal.ts';
import { openPgLedger } from '../ledger-pg/pg-ledger.ts';
import { applianceReducer } from '../appliance/service.ts';
import { errorCode, readFileBounded, syncDirectory, writeFileAtomic } from '../node/atomic-file.ts';
import { createBackup } from './backup.ts';
import { type DataFacts, migrationsFrom, type Step } from './migrations.ts';

export interface UpgradeOptions {
  /** Unix seconds. */
  readonly now: number;
  readonly airlockVersion: string;
  /** Where the backup goes (default: beside the data directory); null: no backup. */
  readonly backup?: string | null | undefined;
  /** From the serving configuration: certificate files named outside DATA, and tls_hosts. */
  readonly tlsConfigured: boolean;
  readonly tlsHosts: readonly string[];
  /**
   * The ledger setting: a PostgreSQL URL when the ledger is in that database. Then no journal is
   * locked, backed up or written: the backup names the database, and the upgrade is audited in
   * it (its schema is the ledger's own business, migrated when a node opens it).
   */
  readonly ledger?: string | undefined;
  /** A test seam: runs after each step is applied (a throw stands for a crash there). */
  readonly afterStep?: (step: Step, index: number) => void | Promise<void>;
}

export interface UpgradeResult {
  readonly dir: string;
  readonly from: number;
  readonly to: number;
  /** The backup taken first, or null (none asked for, or nothing to do). */
  readonly backup: string | null;
  readonly steps: readonly Step[];
}

const LEFTOVER = [/^\..+\.[0-9a-f]{12}\.tmp$/, /^LOCK\.[0-9a-f]{12}\.stale$/, /^\.probe$/];

async function gatherFacts(dir: string, options: UpgradeOptions): Promise<DataFacts> {
  const settings = (await readSettingsJson(dir)) as Record<string, unknown>;
  const directories = [{ path: '', mode: (await stat(dir)).mode }];
  const leftovers: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (entry.isDirectory()) directories.push({ path, mode: (await stat(join(dir, path))).mode });
    else if (entry.isFile() && LEFTOVER.some((pattern) => pattern.test(entry.name))) {
      leftovers.push(path);
    }
  }
  return {
    settings,
    directories: directories.sort((a, b) => a.path.localeCompare(b.path)),
    leftovers: leftovers.sort(),
    tlsCertificate: (await stat(join(dir, TLS_CERT_FILE)).catch(() => null)) !== null,
    tlsConfigured: options.tlsConfigured,
    tlsHosts: options.tlsHosts,
    rotatedCertificatePending: await rotatedCertificatePending(dir),
    certificatePublished: await certificatePublished(dir),
  };
}

/** The appliance key's public key, from its key file's clear fields (sealed or not). */
async function publicKeyOf(path: string): Promise<Uint8Array | null> {
  try {
    const json: unknown = JSON.parse(
      new TextDecoder().decode(await readFileBounded(path, 64 * 1024, 'key file')),
    );
    const text = (json as { publicKey?: unknown } | null)?.publicKey;
    return typeof text === 'string' ? base64urlnopad.decode(text) : null;
  } catch {
    return null;
  }
}

async function rotatedCertificatePending(dir: string): Promise<boolean> {
  const key = await publicKeyOf(join(dir, DATA_FILES.key));
  if (key === null) return false;
  const read = (name: string) => readCertificateFile(join(dir, name)).catch(() => undefined);
  const current = await read(DATA_FILES.certificate);
  const next = await read(DATA_FILES.nextCertificate);
  return (
    next !== undefined &&
    equalBytes(next.publicKey, key) &&
    (current === undefined || !equalBytes(current.publicKey, key))
  );
}

/** The certificate that is the appliance's once pending moves are done (appliance.cert or .next). */
async function currentCertificate(dir: string): Promise<Certificate | undefined> {
  const key = await publicKeyOf(join(dir, DATA_FILES.key));
  for (const name of [DATA_FILES.certificate, DATA_FILES.nextCertificate]) {
    const found = await readCertificateFile(join(dir, name)).catch(() => undefined);
    if (found !== undefined && key !== null && equalBytes(found.publicKey, key)) return found;
  }
  return undefined;
}

async function certificatePublished(dir: string): Promise<boolean | null> {
  const certificate = await currentCertificate(dir);
  if (certificate === undefined) return null;
  const trust = await readTrustFile(join(dir, DATA_FILES.trust));
  return trust.certificates.some((c) => equalBytes(c.bytes, certificate.bytes));
}

async function apply(dir: string, step: Step, options: UpgradeOptions): Promise<void> {
  switch (step.kind) {
    case 'chmod':
      await chmod(join(dir, step.path), step.mode);
      return;
    case 'remove':
      await rm(join(dir, step.path), { force: true });
      await syncDirectory(dirname(join(dir, step.path)));
      return;
    case 'rename':
      await rename(join(dir, step.from), join(dir, step.to));
      await syncDirectory(dir);
      return;
    case 'publish-certificate': {
      const certificate = await currentCertificate(dir);
      if (certificate === undefined) throw new TypeError('no certificate to publish');
      await publishCertificate(dir, await readTrustFile(join(dir, DATA_FILES.trust)), certificate);
      return;
    }
    case 'tls-certificate':
      await generateTlsCertificate(dir, { hosts: step.hosts, now: options.now });
      return;
    case 'settings':
      await writeFileAtomic(
        join(dir, DATA_FILES.settings),
        `${JSON.stringify(step.settings, null, 2)}\n`,
      );
      return;
  }
}

/** "data-before-upgrade-20270115T000000Z.tar" beside the data directory. */
export function defaultBackupPath(dir: string, now: number): string {
  const stamp = new Date(now * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
  return join(dirname(resolve(dir)), `${basename(resolve(dir))}-before-upgrade-${stamp}.tar`);
}

function auditEntry(from: number, options: UpgradeOptions) {
  return {
    at: options.now,
    action: 'airlock upgrade',
    result: 'ok',
    actor: 'cli',
    detail: `data format ${from} to ${DATA_FORMAT}, by airlock ${options.airlockVersion}`,
  };
}

/** Records the upgrade in the audit trail; the lock is held, so nothing else appends. */
async function audit(dir: string, from: number, options: UpgradeOptions): Promise<void> {
  const journal = await openJournal({ dir: join(dir, DATA_FILES.ledger) });
  try {
    await journal.append('audit', auditEntry(from, options), options.now * 1000);
  } finally {
    await journal.close();
  }
}

/**
 * Where the upgrade is audited: the data directory's journal, under its lock (never beside a
 * serving appliance); or the PostgreSQL ledger, opened first so that a database out of reach
 * refuses the upgrade before anything changed. No lock then: a serving airlock refuses a
 * directory of an older format, so none serves it while it is upgraded.
 */
async function openAuditTrail(
  dir: string,
  options: UpgradeOptions,
): Promise<{ record(from: number): Promise<void>; close(): Promise<void> }> {
  if (options.ledger === undefined) {
    await mkdir(join(dir, DATA_FILES.ledger), { recursive: true, mode: 0o700 });
    const lock = await acquireLock(join(dir, DATA_FILES.ledger), { purpose: 'airlock upgrade' });
    return { record: (from) => audit(dir, from, options), close: () => lock.release() };
  }
  const ledger = await openPgLedger({
    url: options.ledger,
    reducer: applianceReducer,
    purpose: 'airlock upgrade',
  });
  return {
    async record(from) {
      await ledger.append('audit', auditEntry(from, options), options.now * 1000);
    },
    close: () => ledger.close(),
  };
}

export async function upgradeDataDir(dir: string, options: UpgradeOptions): Promise<UpgradeResult> {
  const found = await readApplianceDataFormat(dir);
  if (found.format === DATA_FORMAT) {
    return { dir, from: found.format, to: found.format, backup: null, steps: [] };
  }
  const trail = await openAuditTrail(dir, options);
  try {
    const backup =
      options.backup === null ? null : (options.backup ?? defaultBackupPath(dir, options.now));
    if (backup !== null) {
      await createBackup(dir, {
        out: backup,
        now: options.now,
        airlockVersion: options.airlockVersion,
        ledger: options.ledger,
      }).catch((error: unknown) => {
        if (!['EACCES', 'EPERM', 'EROFS'].includes(errorCode(error) ?? '')) throw error;
        throw new AirlockError(
          'USAGE',
          `The backup ${backup} cannot be written there (${errorCode(error) === 'EROFS' ? 'a read-only file system' : 'permission denied'}); nothing was changed. ` +
            'Give --backup FILE in a folder this user can write (or --no-backup when a backup exists).',
          { path: backup },
        );
      });
    }
    const steps: Step[] = [];
    for (const migration of migrationsFrom(found.format)) {
      const planned = migration.plan(await gatherFacts(dir, options), options.airlockVersion);
      for (const step of planned) {
        await apply(dir, step, options);
        steps.push(step);
        await options.afterStep?.(step, steps.length - 1);
      }
    }
    await trail.record(found.format);
    return { dir, from: found.format, to: DATA_FORMAT, backup, steps };
  } finally {
    await trail.close();
  }
}
