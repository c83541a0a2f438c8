// The vendor's log of appliances' usage reports (DESIGN flow 7): reports.json in the vendor
// directory keeps, per appliance, the ledger checkpoint of the last report that moved forward, so
// that a report from an appliance whose ledger was restored from an older copy is caught.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dateOf } from '../core/dates.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type LedgerCheckpoint,
  type UsageReport,
  verifyUsageReport,
} from '../core/formats/usage-report.ts';
import { formatId } from '../core/ids.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { assertVendorDir, readRegister, type RegisterEntry } from './revocation-register.ts';
import { readTrustFile } from './trust-file.ts';
import { VENDOR_FILES } from './vendor-dir.ts';
import { withVendorLock } from './vendor-lock.ts';

export const REPORTS_FILE = 'reports.json';
export const REPORTS_FORMAT = 'airlock-vendor-reports/v1';
const MAX_LOG_BYTES = 64 * 1024 * 1024;
/** Earlier checkpoints kept per appliance, to recognise an old report verified again. */
const EARLIER_KEPT = 1000;

export interface SeenCheckpoint extends LedgerCheckpoint {
  readonly issuedAt: number;
}

export interface SeenReport {
  /** The ledger checkpoint of the last report that moved forward, and when it was issued. */
  readonly ledger: LedgerCheckpoint;
  readonly issuedAt: number;
  /** Vendor's time, Unix seconds. */
  readonly verifiedAt: number;
  /** Reports seen before it, newest last. */
  readonly earlier: readonly SeenCheckpoint[];
}

/**
 * first: no report of the appliance was seen; forward: its previous report is the last one seen;
 * forward-gap: it moved on from a report the vendor never saw; unchanged: the same checkpoint as
 * the last one seen; earlier: a report seen before, verified again; rolled-back: its ledger is
 * behind the last report seen, or does not know of it (restored from an older copy).
 */
export type ReportVerdict =
  'first' | 'forward' | 'forward-gap' | 'unchanged' | 'earlier' | 'rolled-back';

export interface AcceptedReport {
  readonly report: UsageReport;
  readonly verdict: Exclude<ReportVerdict, 'rolled-back'>;
  /** The last report seen before this one; null for the first. */
  readonly lastSeen: SeenReport | null;
  /** Whether reports.json now holds this report as the appliance's last. */
  readonly recorded: boolean;
  /** The appliance certificate's entry in the vendor's revocation register, if it is revoked. */
  readonly certificateRevoked: RegisterEntry | null;
}

const same = (a: LedgerCheckpoint, b: LedgerCheckpoint) => a.seq === b.seq && a.hash === b.hash;

/** Where the report's ledger stands against the last one seen (pure; see ReportVerdict). */
export function judgeReport(
  last: SeenReport | undefined,
  report: Pick<UsageReport, 'ledger' | 'previous' | 'issuedAt'>,
): ReportVerdict {
  if (last === undefined) return 'first';
  if (same(report.ledger, last.ledger)) return 'unchanged';
  if (last.earlier.some((e) => same(e, report.ledger) && e.issuedAt === report.issuedAt))
    return 'earlier';
  const previous = report.previous;
  // Behind the last checkpoint seen, or unaware of the export that made it: an older copy.
  if (report.ledger.seq < last.ledger.seq || previous === null) return 'rolled-back';
  if (same(previous, last.ledger)) return 'forward';
  if (previous.seq > last.ledger.seq) return 'forward-gap';
  // previous.seq below the last seen, or the same seq with another hash: another history.
  return 'rolled-back';
}

/**
 * Verifies a usage report against the vendor's trust file, judges it against the last report
 * seen of its appliance, and records it when it moves forward. A rolled-back ledger is refused
 * with REPORT_ROLLBACK and recorded nowhere.
 */
export function acceptReport(
  vendorDir: string,
  input: string | Uint8Array,
  options: { readonly now: number },
): Promise<AcceptedReport> {
  return withVendorLock(vendorDir, 'airlock vendor verify-report', () =>
    acceptReportLocked(vendorDir, input, options),
  );
}

async function acceptReportLocked(
  vendorDir: string,
  input: string | Uint8Array,
  options: { readonly now: number },
): Promise<AcceptedReport> {
  await assertVendorDir(vendorDir);
  const trust = await readTrustFile(join(vendorDir, VENDOR_FILES.trust));
  const report = verifyUsageReport(input, { trust, verifier: nodeSuite, now: options.now });
  const log = await readReportLog(vendorDir);
  const last = log.get(report.applianceId);
  const verdict = judgeReport(last, report);
  if (verdict === 'rolled-back') throw rollback(report, last!);
  const recorded = verdict === 'first' || verdict === 'forward' || verdict === 'forward-gap';
  if (recorded) {
    const earlier: SeenCheckpoint[] =
      last === undefined ? [] : [...last.earlier, { ...last.ledger, issuedAt: last.issuedAt }];
    log.set(report.applianceId, {
      ledger: report.ledger,
      issuedAt: report.issuedAt,
      verifiedAt: options.now,
      earlier: earlier.slice(-EARLIER_KEPT),
    });
    await writeReportLog(vendorDir, log);
  }
  const certificateId = formatId('certificate', report.certificate.certificateId);
  const revoked = (await readRegister(vendorDir)).certificates.find((e) => e.id === certificateId);
  return { report, verdict, lastSeen: last ?? null, recorded, certificateRevoked: revoked ?? null };
}

function rollback(report: UsageReport, last: SeenReport): AirlockError {
  const previous = report.previous;
  const why =
    report.ledger.seq < last.ledger.seq
      ? `its ledger is at record ${report.ledger.seq}, behind record ${last.ledger.seq} of the last report seen`
      : previous === null
        ? `it says it never exported a report, but a report at ledger record ${last.ledger.seq} was seen`
        : previous.seq < last.ledger.seq
          ? `its previous report was at ledger record ${previous.seq}: it does not know of the report seen at record ${last.ledger.seq}`
          : `its ledger's history differs from the one the last report (record ${last.ledger.seq}) showed`;
  // Clocks decide nothing here, but an old file verified late deserves a hint.
  const older =
    report.issuedAt < last.issuedAt
      ? ` (It was issued on ${dateOf(report.issuedAt)}, before the last report seen: if it is an old report verified late, nothing is wrong.)`
      : '';
  return new AirlockError(
    'REPORT_ROLLBACK',
    `ROLLED BACK: the usage report of appliance ${report.applianceId} is signed, but ${why}: its ledger was restored from an older copy, and activations since then may be missing from it. The report was not recorded.${older}`,
    {
      applianceId: report.applianceId,
      lastSeenSeq: last.ledger.seq,
      reportSeq: report.ledger.seq,
      ...(previous === null ? {} : { previousSeq: previous.seq }),
    },
  );
}

// ---- The file -----------------------------------------------------------------------------------

export async function readReportLog(vendorDir: string): Promise<Map<string, SeenReport>> {
  const path = join(vendorDir, REPORTS_FILE);
  const log = new Map<string, SeenReport>();
  if ((await stat(path).catch(() => undefined)) === undefined) return log;
  const damaged = (what: string) =>
    new AirlockError(
      'FORMAT_INVALID',
      `The report log ${path} is damaged: ${what}. Restore it from a backup.`,
    );
  let json: unknown;
  try {
    const bytes = await readFileBounded(path, MAX_LOG_BYTES, 'report log');
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof AirlockError) throw error;
    throw damaged('it is not JSON');
  }
  const file = (json ?? {}) as Record<string, unknown>;
  const appliances = file['appliances'];
  if (file['format'] !== REPORTS_FORMAT || typeof appliances !== 'object' || appliances === null)
    throw damaged(`it is not an ${REPORTS_FORMAT} file`);
  for (const [id, value] of Object.entries(appliances)) {
    const seen = (value ?? {}) as Record<string, unknown>;
    const earlier = seen['earlier'];
    if (
      !/^apl_[0-9a-f]{8}$/.test(id) ||
      !isCheckpoint(seen['ledger']) ||
      !isSeconds(seen['issuedAt']) ||
      !isSeconds(seen['verifiedAt']) ||
      !Array.isArray(earlier) ||
      !earlier.every((e) => isCheckpoint(e) && isSeconds((e as SeenCheckpoint).issuedAt))
    ) {
      throw damaged(`the entry of ${id.slice(0, 20)} is malformed`);
    }
    log.set(id, seen as unknown as SeenReport);
  }
  return log;
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isCheckpoint(value: unknown): value is LedgerCheckpoint {
  const c = (value ?? {}) as Partial<LedgerCheckpoint>;
  return (
    typeof c.seq === 'number' &&
    Number.isSafeInteger(c.seq) &&
    c.seq >= 0 &&
    typeof c.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(c.hash)
  );
}

async function writeReportLog(vendorDir: string, log: Map<string, SeenReport>): Promise<void> {
  const appliances = Object.fromEntries(
    [...log.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, s]) => [
        id,
        {
          ledger: { seq: s.ledger.seq, hash: s.ledger.hash },
          issuedAt: s.issuedAt,
          verifiedAt: s.verifiedAt,
          earlier: s.earlier.map((e) => ({ seq: e.seq, hash: e.hash, issuedAt: e.issuedAt })),
        },
      ]),
  );
  const text = JSON.stringify({ format: REPORTS_FORMAT, appliances }, null, 2);
  await writeFileAtomic(join(vendorDir, REPORTS_FILE), `${text}\n`);
}
