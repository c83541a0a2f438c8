// Usage reports (docs/FORMATS.md §15): what an appliance tells its vendor for true-up (seats used
// per license, its ledger checkpoint, the revocations it holds), as readable JSON signed with the
// appliance key. Verified over the exact bytes received, then parsed strictly.

import { equalBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import type { Signer, Verifier } from '../crypto.ts';
import { dateOf } from '../dates.ts';
import { AirlockError } from '../errors.ts';
import { formatId, ID_PREFIX, NAME_PATTERN, parseId } from '../ids.ts';
import { signingInput } from '../signing.ts';
import { type TrustAnchors, verifyCertificateChain } from '../../sdk/trust.ts';
import { type Certificate, certificateText, decodeCertificate } from './certificate.ts';

export const USAGE_REPORT_FORMAT = 'airlock-usage-report/v1';
/** Checked before anything else is done with a report (§15.3). */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
export const MAX_REPORT_LICENSES = 100_000;
const U32_MAX = 0xffffffff;
const DEFAULT_LEEWAY_SECONDS = 300;

/** A point in the appliance's ledger (§14): a record's sequence number and hash. */
export interface LedgerCheckpoint {
  readonly seq: number;
  /** 64 lower-case hex digits. */
  readonly hash: string;
}

export interface LicenseUsage {
  /** lic_ and 16 hex digits. */
  readonly licenseId: string;
  readonly product: string;
  /** 0 means unlimited. */
  readonly seats: number;
  readonly seatsUsed: number;
  /** Activations whose status is active. */
  readonly activations: number;
}

export interface RevocationSequences {
  /** The vendor bundle the appliance holds, or null. */
  readonly vendorSequence: number | null;
  /** The appliance's own latest site bundle, or null. */
  readonly siteSequence: number | null;
}

/** What the appliance states; its ID is its certificate's. */
export interface UsageReportFields {
  readonly certificate: Certificate;
  /** Unix seconds. */
  readonly issuedAt: number;
  /** The ledger's head when the report was made. */
  readonly ledger: LedgerCheckpoint;
  /** The ledger checkpoint of the appliance's previous report; null for its first. */
  readonly previous: LedgerCheckpoint | null;
  readonly licenses: readonly LicenseUsage[];
  readonly revocations: RevocationSequences;
}

export interface UsageReport extends UsageReportFields {
  readonly format: typeof USAGE_REPORT_FORMAT;
  /** apl_ and 8 hex digits. */
  readonly applianceId: string;
  /** The report's text exactly as received. */
  readonly text: string;
}

export interface VerifyUsageReportOptions {
  /** The vendor's pinned roots: the certificate must chain to one. */
  readonly trust: TrustAnchors;
  readonly verifier: Verifier;
  /** Unix seconds: when given, a report issued later than now (plus leeway) is refused. */
  readonly now?: number;
  readonly leewaySeconds?: number;
}

// The signature is spliced in as the last member; the signed text ends with the `}` it replaced.
const SIGNATURE_KEY = ',"signature":"';
const SIGNATURE_HEX = 128;
const SIGNATURE_SUFFIX = new RegExp(`\\n${SIGNATURE_KEY}([0-9a-f]{${SIGNATURE_HEX}})"\\}\\n$`);
const SUFFIX_LENGTH = SIGNATURE_KEY.length + SIGNATURE_HEX + 3; // + `"}` and the final newline
// The canonical text starts with three fixed-length lines: what is needed to check the signature.
const HEADER =
  /^\{\n {2}"format": "([^"\n]{0,64})",\n {2}"applianceId": "(apl_[0-9a-f]{8})",\n {2}"certificate": "([0-9A-Z-]{229})",\n/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

type Fail = (message: string) => Error;
const misuse: Fail = (message) => new TypeError(message);
const invalid: Fail = (message) =>
  new AirlockError('FORMAT_INVALID', `The usage report is invalid: ${message}.`);

// ---- Issuing ------------------------------------------------------------------------------------

/** The report as a file's text, signed with the appliance key its certificate names. */
export function issueUsageReport(fields: UsageReportFields, signer: Signer): string {
  if (typeof fields !== 'object' || fields === null)
    throw new TypeError('fields must be an object');
  const certificate = fields.certificate;
  if (typeof certificate !== 'object' || certificate === null || !certificate.bytes) {
    throw new TypeError('fields.certificate must be a decoded appliance certificate');
  }
  if (!equalBytes(certificate.publicKey, signer.publicKey)) {
    throw new TypeError('a usage report is signed by the key its certificate names');
  }
  const licenses = [...fields.licenses].map((l) => ({
    ...l,
    licenseId: normalLicenseId(l.licenseId),
  }));
  licenses.sort((a, b) => (a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0));
  const report = {
    applianceId: formatId('appliance', certificate.applianceId),
    certificate: certificateText(certificate),
    ...checkedBody({ ...fields, licenses }, misuse),
  };
  const body = canonicalBody(report);
  const signature = signer.sign(signingInput('usageReport', utf8(body)));
  return `${body.slice(0, -1)}${SIGNATURE_KEY}${toHex(signature)}"}\n`;
}

function normalLicenseId(id: unknown): string {
  try {
    return formatId('license', parseId('license', id));
  } catch {
    throw new TypeError(`"${String(id).slice(0, 40)}" is not a license ID`);
  }
}

// ---- Verifying ----------------------------------------------------------------------------------

/**
 * Verifies a report (its text, or the file's bytes) and returns it: bounds and framing, the
 * certificate chain to a pinned root, the signature over the exact bytes, then the fields.
 */
export function verifyUsageReport(
  input: string | Uint8Array,
  options: VerifyUsageReportOptions,
): UsageReport {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.verifier?.verify !== 'function' ||
    !Array.isArray(options.trust?.roots) ||
    (options.now !== undefined && !Number.isInteger(options.now))
  ) {
    throw new TypeError(
      'verifyUsageReport needs options with trust, verifier and whole-second now',
    );
  }
  const text = reportText(input);
  // Framing: the signature line at the end, the three header lines at the start.
  const signature = SIGNATURE_SUFFIX.exec(text.slice(-(SUFFIX_LENGTH + 1)))?.[1];
  if (signature === undefined) {
    throw invalid('it does not end with its signature line (,"signature":"<128 hex digits>"})');
  }
  const header = HEADER.exec(text);
  if (header === null) throw invalid('it does not start with format, applianceId and certificate');
  const [, format, applianceId, certText] = header as unknown as [string, string, string, string];
  if (format !== USAGE_REPORT_FORMAT) {
    if (/^airlock-usage-report\/v\d+$/.test(format)) {
      throw new AirlockError(
        'FORMAT_UNSUPPORTED_VERSION',
        `This usage report is in format ${format}, which this Airlock does not read (it reads ${USAGE_REPORT_FORMAT}).`,
        { version: format },
      );
    }
    throw invalid(`"format" is not "${USAGE_REPORT_FORMAT}"`);
  }
  const certificate = strictCertificate(certText);
  // Signature: the certificate chains to a pinned root, speaks for this appliance, and its key
  // signed exactly the bytes received.
  verifyCertificateChain(certificate, options.trust, options.verifier);
  const certified = formatId('appliance', certificate.applianceId);
  if (applianceId !== certified) {
    throw new AirlockError(
      'SIGNATURE_INVALID',
      `The usage report names appliance ${applianceId} but carries the certificate of appliance ${certified}: it is not that appliance's report.`,
    );
  }
  const body = `${text.slice(0, text.length - SUFFIX_LENGTH)}}`;
  const signatureBytes = fromHex(signature)!;
  if (
    !options.verifier.verify(
      certificate.publicKey,
      signingInput('usageReport', utf8(body)),
      signatureBytes,
    )
  ) {
    throw new AirlockError(
      'SIGNATURE_INVALID',
      `The usage report's signature is not valid: it was altered after appliance ${certified} signed it, or forged.`,
    );
  }
  // Parse: only signed bytes from here on.
  const fields = parseBody(body);
  const report: UsageReport = {
    format: USAGE_REPORT_FORMAT,
    applianceId: certified,
    certificate,
    ...fields,
    text,
  };
  if (canonicalBody({ applianceId, certificate: certText, ...fields }) !== body) {
    throw invalid('it is not written in its one canonical layout (spacing, order or numbers)');
  }
  if (options.now !== undefined) {
    const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
    if (report.issuedAt > options.now + leeway) {
      throw new AirlockError(
        'CLOCK_ROLLBACK',
        `The usage report was issued on ${dateOf(report.issuedAt)}, after this machine's time (${dateOf(options.now)}): the appliance's clock or this one is wrong.`,
      );
    }
  }
  return report;
}

/** The text of the input, bounded first; every byte of a canonical report is printable ASCII. */
function reportText(input: unknown): string {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > MAX_REPORT_BYTES) throw tooLarge();
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.length > MAX_REPORT_BYTES) throw tooLarge();
    if (input.some((b) => b > 0x7e)) throw invalid('it holds bytes that are not ASCII');
    text = new TextDecoder().decode(input);
  } else {
    throw new TypeError('a usage report is a string or a Uint8Array');
  }
  if (/[^\n\x20-\x7e]/.test(text)) throw invalid('it holds characters a usage report never has');
  return text;
}

function tooLarge(): AirlockError {
  return new AirlockError(
    'FORMAT_INVALID',
    `The usage report is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB.`,
  );
}

/** The certificate as the canonical typed text (§7): nothing forgiven, since a program wrote it. */
function strictCertificate(text: string): Certificate {
  let certificate: Certificate;
  try {
    certificate = decodeCertificate(text);
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    throw invalid(`its certificate is damaged (${error.message})`);
  }
  if (certificateText(certificate) !== text) throw invalid('its certificate is not in typed form');
  return certificate;
}

// ---- The fields, for issuing (misuse) and parsing (bad data) alike ------------------------------

type Body = Omit<UsageReportFields, 'certificate'>;

function parseBody(body: string): Body {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw invalid('it is not JSON');
  }
  const top = record(json, 'the report', [
    'format',
    'applianceId',
    'certificate',
    'issuedAt',
    'ledger',
    'previous',
    'licenses',
    'revocations',
  ]);
  const licenses = top['licenses'];
  if (!Array.isArray(licenses)) throw invalid('"licenses" is not a list');
  if (licenses.length > MAX_REPORT_LICENSES) {
    throw invalid(`it lists more than ${MAX_REPORT_LICENSES} licenses`);
  }
  const ledger = record(top['ledger'], '"ledger"', ['seq', 'hash']);
  const previous =
    top['previous'] === null ? null : record(top['previous'], '"previous"', ['seq', 'hash']);
  const revocations = record(top['revocations'], '"revocations"', [
    'vendorSequence',
    'siteSequence',
  ]);
  const parsed = {
    issuedAt: top['issuedAt'],
    ledger: { seq: ledger['seq'], hash: ledger['hash'] },
    previous: previous === null ? null : { seq: previous['seq'], hash: previous['hash'] },
    licenses: licenses.map((l: unknown, i) => {
      const r = record(l, `license ${i + 1}`, [
        'licenseId',
        'product',
        'seats',
        'seatsUsed',
        'activations',
      ]);
      return {
        licenseId: r['licenseId'],
        product: r['product'],
        seats: r['seats'],
        seatsUsed: r['seatsUsed'],
        activations: r['activations'],
      };
    }),
    revocations: {
      vendorSequence: revocations['vendorSequence'],
      siteSequence: revocations['siteSequence'],
    },
  } as unknown as Body;
  const checked = checkedBody(parsed, invalid);
  for (let i = 1; i < checked.licenses.length; i++) {
    if (checked.licenses[i - 1]!.licenseId >= checked.licenses[i]!.licenseId) {
      throw invalid('"licenses" is not sorted by licenseId, or lists a license twice');
    }
  }
  return checked;
}

function record(value: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} is not an object`);
  }
  const present = Object.keys(value);
  const unknown = present.find((k) => !keys.includes(k));
  if (unknown !== undefined)
    throw invalid(`${what} has an unknown field "${unknown.slice(0, 40)}"`);
  const missing = keys.find((k) => !present.includes(k));
  if (missing !== undefined) throw invalid(`${what} lacks "${missing}"`);
  return value as Record<string, unknown>;
}

/** Checks every field's type and range; returns them in canonical order. */
function checkedBody(fields: Body, fail: Fail): Body {
  const u32 = (value: unknown, what: string, min = 0): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > U32_MAX) {
      throw fail(`${what} must be a whole number from ${min} to ${U32_MAX}`);
    }
    return value;
  };
  const checkpoint = (value: unknown, what: string): LedgerCheckpoint => {
    const c = (value ?? {}) as Partial<LedgerCheckpoint>;
    if (typeof c.seq !== 'number' || !Number.isSafeInteger(c.seq) || c.seq < 0) {
      throw fail(`${what}.seq must be a ledger sequence number`);
    }
    if (typeof c.hash !== 'string' || !HASH_PATTERN.test(c.hash)) {
      throw fail(`${what}.hash must be 64 lower-case hex digits`);
    }
    return { seq: c.seq, hash: c.hash };
  };
  const sequence = (value: unknown, what: string): number | null =>
    value === null ? null : u32(value, what, 1);
  if (!Array.isArray(fields.licenses)) throw fail('licenses must be a list');
  if (fields.licenses.length > MAX_REPORT_LICENSES) {
    throw fail(`a usage report lists at most ${MAX_REPORT_LICENSES} licenses`);
  }
  const ledger = checkpoint(fields.ledger, 'ledger');
  const previous = fields.previous === null ? null : checkpoint(fields.previous, 'previous');
  if (
    previous !== null &&
    (previous.seq > ledger.seq || (previous.seq === ledger.seq && previous.hash !== ledger.hash))
  ) {
    throw fail('the previous report’s checkpoint is not in this ledger’s past');
  }
  const seen = new Set<string>();
  const licenses = fields.licenses.map((l, i): LicenseUsage => {
    const what = `license ${i + 1}`;
    if (typeof l.licenseId !== 'string' || !/^lic_[0-9a-f]{16}$/.test(l.licenseId)) {
      throw fail(`${what} needs licenseId as ${ID_PREFIX.license} and 16 hex digits`);
    }
    if (seen.has(l.licenseId)) throw fail(`${l.licenseId} is listed twice`);
    seen.add(l.licenseId);
    if (typeof l.product !== 'string' || !NAME_PATTERN.test(l.product)) {
      throw fail(`${what} needs a product name`);
    }
    return {
      licenseId: l.licenseId,
      product: l.product,
      seats: u32(l.seats, `${what}'s seats`),
      seatsUsed: u32(l.seatsUsed, `${what}'s seatsUsed`),
      activations: u32(l.activations, `${what}'s activations`),
    };
  });
  const r = (fields.revocations ?? {}) as Partial<RevocationSequences>;
  return {
    issuedAt: u32(fields.issuedAt, 'issuedAt'),
    ledger,
    previous,
    licenses,
    revocations: {
      vendorSequence: sequence(r.vendorSequence, 'revocations.vendorSequence'),
      siteSequence: sequence(r.siteSequence, 'revocations.siteSequence'),
    },
  };
}

/** The signed text (§15.1): two-space indented JSON, members in this order. */
function canonicalBody(report: Body & { applianceId: string; certificate: string }): string {
  return JSON.stringify(
    {
      format: USAGE_REPORT_FORMAT,
      applianceId: report.applianceId,
      certificate: report.certificate,
      issuedAt: report.issuedAt,
      ledger: { seq: report.ledger.seq, hash: report.ledger.hash },
      previous:
        report.previous === null ? null : { seq: report.previous.seq, hash: report.previous.hash },
      licenses: report.licenses.map((l) => ({
        licenseId: l.licenseId,
        product: l.product,
        seats: l.seats,
        seatsUsed: l.seatsUsed,
        activations: l.activations,
      })),
      revocations: {
        vendorSequence: report.revocations.vendorSequence,
        siteSequence: report.revocations.siteSequence,
      },
    },
    null,
    2,
  );
}
