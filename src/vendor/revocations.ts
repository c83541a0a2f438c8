// The vendor's revocation register (DESIGN flow 6): revoked licenses and appliance certificates in
// the vendor directory's revocations.json, and every bundle published from it, so that a bundle of
// the next sequence can be signed in full or as a delta onto any earlier one (docs/FORMATS.md §11).

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import {
  MAX_BUNDLE_ENTRIES,
  REVOCATION_REASONS,
  type RevocationReason,
  signBundle,
} from '../core/formats/revocation-bundle.ts';
import { formatId, parseId } from '../core/ids.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import { VENDOR_FILES, type Vendor } from './vendor-dir.ts';

export const REVOCATIONS_FILE = 'revocations.json';
export const REGISTER_FORMAT = 'airlock-vendor-revocations/v1';
/** Two full lists of a million entries each fit with room to spare. */
const MAX_REGISTER_BYTES = 512 * 1024 * 1024;
const MAX_NOTE_LENGTH = 500;
const U32_MAX = 0xffffffff;

export type RevocableKind = 'license' | 'certificate';

export interface RegisterEntry {
  /** lic_… or crt_… */
  readonly id: string;
  /** Unix seconds. */
  readonly revokedAt: number;
  readonly reason: RevocationReason;
  /** Free text given instead of a reason name (the reason is then 'unspecified'). */
  readonly note?: string;
  /**
   * The first bundle that carried the entry; null until one does. A full bundle N carried every
   * entry with published ≤ N, a delta N onto B those with B < published ≤ N.
   */
  readonly published: number | null;
}

export interface PublishedBundle {
  readonly sequence: number;
  /** 0 for a full bundle, else the sequence the delta applies onto. */
  readonly baseSequence: number;
  readonly issuedAt: number;
  readonly nextUpdate: number;
  readonly licenses: number;
  readonly certificates: number;
  /** False from when its sequence is taken until its file is written; a delta never builds on it. */
  readonly written: boolean;
}

export interface Register {
  readonly licenses: readonly RegisterEntry[];
  readonly certificates: readonly RegisterEntry[];
  /** Ascending by sequence; never shortened, so a sequence is never used twice. */
  readonly bundles: readonly PublishedBundle[];
}

export interface RevokeResult {
  readonly outcome: 'revoked' | 'already-revoked';
  readonly kind: RevocableKind;
  /** The stored entry: for 'already-revoked', the first revocation's, unchanged. */
  readonly entry: RegisterEntry;
}

export interface PublishOptions {
  /** Unix seconds: the bundle's issue time. */
  readonly now: number;
  /** Seconds from now until a newer bundle is due. */
  readonly nextUpdateSeconds: number;
  /** Make a delta onto this published sequence instead of a full bundle. */
  readonly deltaSince?: number | undefined;
  /** Where the bundle file is written (atomically). */
  readonly out: string;
}

export interface PublishResult {
  readonly sequence: number;
  readonly baseSequence: number;
  readonly scope: 'full' | 'delta';
  readonly issuedAt: number;
  readonly nextUpdate: number;
  readonly counts: { readonly licenses: number; readonly certificates: number };
  readonly bytes: Uint8Array;
  readonly out: string;
}

const EMPTY: Register = { licenses: [], certificates: [], bundles: [] };

/**
 * `--reason TEXT`: a reason name of §11 (any case) is that reason; any other text is kept as a
 * note, with the reason 'unspecified' (bundles carry only the reason's number).
 */
export function reasonFromText(text: string): { reason: RevocationReason; note?: string } {
  if (typeof text !== 'string') throw new TypeError('a reason is a string');
  const trimmed = text.trim();
  const named = REVOCATION_REASONS.find((r) => r === trimmed.toLowerCase());
  if (named !== undefined) return { reason: named };
  if (trimmed === '' || trimmed.length > MAX_NOTE_LENGTH || /[\p{Cc}]/u.test(trimmed)) {
    throw new AirlockError(
      'USAGE',
      `A revocation reason is one of ${REVOCATION_REASONS.join(', ')}, or a note of 1 to ${MAX_NOTE_LENGTH} characters on one line.`,
    );
  }
  return { reason: 'unspecified', note: trimmed };
}

/** lic_… or crt_…: the prefix is required, since both are 16 hex digits. */
export function parseRevocableId(text: string): { kind: RevocableKind; id: string } {
  if (typeof text !== 'string') throw new TypeError('an ID must be a string');
  const trimmed = text.length > 64 ? '' : text.trim().toLowerCase();
  if (trimmed.startsWith('lic_'))
    return { kind: 'license', id: formatId('license', parseId('license', trimmed)) };
  if (trimmed.startsWith('crt_')) {
    return { kind: 'certificate', id: formatId('certificate', parseId('certificate', trimmed)) };
  }
  throw new AirlockError(
    'FORMAT_INVALID',
    trimmed.startsWith('apl_')
      ? `${trimmed} is an appliance; revoke its certificate instead (crt_…, which \`airlock appliance info\` shows).`
      : `"${text.slice(0, 40)}" is neither a license ID (lic_ and 16 hex digits) nor a certificate ID (crt_ and 16 hex digits).`,
  );
}

/** Revokes a license or an appliance certificate; revoking it again changes nothing. */
export async function revoke(
  vendorDir: string,
  id: string,
  options: { readonly reason: string; readonly now: number },
): Promise<RevokeResult> {
  const { kind, id: canonical } = parseRevocableId(id);
  const { reason, note } = reasonFromText(options.reason);
  if (!Number.isInteger(options.now) || options.now < 0 || options.now > U32_MAX) {
    throw new TypeError('now must be the time in whole Unix seconds');
  }
  await assertVendorDir(vendorDir);
  const register = await readRegister(vendorDir);
  const list = kind === 'license' ? register.licenses : register.certificates;
  const held = list.find((e) => e.id === canonical);
  if (held !== undefined) return { outcome: 'already-revoked', kind, entry: held };
  const entry: RegisterEntry = {
    id: canonical,
    revokedAt: options.now,
    reason,
    ...(note === undefined ? {} : { note }),
    published: null,
  };
  const next = [...list, entry].sort((a, b) => (a.id < b.id ? -1 : 1));
  await writeRegister(
    vendorDir,
    kind === 'license' ? { ...register, licenses: next } : { ...register, certificates: next },
  );
  return { outcome: 'revoked', kind, entry };
}

/**
 * Signs the bundle of the next sequence, full or a delta onto `deltaSince`, and writes it to
 * `out`. The sequence is recorded before the file is written, so a failed write never lets a
 * sequence be used twice; the bundle is marked written once its file is.
 */
export async function publish(vendor: Vendor, options: PublishOptions): Promise<PublishResult> {
  const { now, nextUpdateSeconds, deltaSince } = options;
  if (!Number.isInteger(now) || now < 0 || !Number.isInteger(nextUpdateSeconds)) {
    throw new TypeError('now and nextUpdateSeconds are whole seconds');
  }
  if (nextUpdateSeconds < 1 || now + nextUpdateSeconds > U32_MAX) {
    throw new TypeError('the next update is after now and before 2106');
  }
  const register = await readRegister(vendor.dir);
  const sequence = (register.bundles.at(-1)?.sequence ?? 0) + 1;
  if (sequence > U32_MAX) throw new AirlockError('FORMAT_INVALID', 'Bundle sequences ran out.');
  const baseSequence = deltaSince === undefined ? 0 : deltaBase(register, deltaSince);
  const stamp = (e: RegisterEntry): RegisterEntry =>
    e.published === null ? { ...e, published: sequence } : e;
  const licenses = register.licenses.map(stamp);
  const certificates = register.certificates.map(stamp);
  const carried = (e: RegisterEntry) => baseSequence === 0 || e.published! > baseSequence;
  const inBundle = {
    licenses: licenses.filter(carried),
    certificates: certificates.filter(carried),
  };
  if (Math.max(inBundle.licenses.length, inBundle.certificates.length) > MAX_BUNDLE_ENTRIES) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `A revocation bundle carries at most ${MAX_BUNDLE_ENTRIES} entries of each kind; publish a delta.`,
    );
  }
  const nextUpdate = now + nextUpdateSeconds;
  // Signed before anything is recorded: signing fails only by misuse.
  const bundle = signBundle(
    {
      issuer: 'vendor',
      sequence,
      baseSequence,
      issuedAt: now,
      nextUpdate,
      licenses: inBundle.licenses.map((e) => ({
        licenseId: parseId('license', e.id),
        revokedAt: e.revokedAt,
        reason: e.reason,
      })),
      activations: [],
      certificates: inBundle.certificates.map((e) => ({
        certificateId: parseId('certificate', e.id),
        revokedAt: e.revokedAt,
        reason: e.reason,
      })),
    },
    vendor.signer,
  );
  const record: PublishedBundle = {
    sequence,
    baseSequence,
    issuedAt: now,
    nextUpdate,
    licenses: inBundle.licenses.length,
    certificates: inBundle.certificates.length,
    written: false,
  };
  await writeRegister(vendor.dir, {
    licenses,
    certificates,
    bundles: [...register.bundles, record],
  });
  await writeFileAtomic(options.out, bundle.bytes);
  // Read again: a revocation recorded meanwhile is kept.
  const current = await readRegister(vendor.dir);
  await writeRegister(vendor.dir, {
    ...current,
    bundles: current.bundles.map((b) => (b.sequence === sequence ? { ...b, written: true } : b)),
  });
  return {
    sequence,
    baseSequence,
    scope: baseSequence === 0 ? 'full' : 'delta',
    issuedAt: now,
    nextUpdate,
    counts: { licenses: record.licenses, certificates: record.certificates },
    bytes: bundle.bytes,
    out: options.out,
  };
}

function deltaBase(register: Register, deltaSince: number): number {
  if (!Number.isInteger(deltaSince) || deltaSince < 1)
    throw new TypeError('deltaSince is a bundle sequence (1 or more)');
  const base = register.bundles.find((b) => b.sequence === deltaSince);
  const written = register.bundles.filter((b) => b.written).map((b) => b.sequence);
  const range =
    written.length === 0
      ? 'none has been published yet'
      : `published: ${written[0]} to ${written.at(-1)}`;
  if (base === undefined) {
    throw new AirlockError(
      'BUNDLE_BASE_MISMATCH',
      `No revocation bundle with sequence ${deltaSince} was published (${range}); a delta applies only onto a bundle machines may hold. Publish a full bundle, or name one of those.`,
      { deltaSince },
    );
  }
  if (!base.written) {
    throw new AirlockError(
      'BUNDLE_BASE_MISMATCH',
      `Revocation bundle ${deltaSince} was signed but its file was never written (its publish failed), so no machine holds it. Publish a full bundle, or a delta onto another sequence (${range}).`,
      { deltaSince },
    );
  }
  return deltaSince;
}

// ---- The file -----------------------------------------------------------------------------------

/** Refuses a directory that holds no vendor root key (before anything is written into it). */
export async function assertVendorDir(dir: string): Promise<void> {
  if ((await stat(join(dir, VENDOR_FILES.key)).catch(() => undefined)) === undefined) {
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `${dir} is not a vendor directory (it has no ${VENDOR_FILES.key}). Create one with \`airlock vendor init --dir ${dir}\`.`,
    );
  }
}

/** The register of a vendor directory; an empty one when nothing was revoked or published yet. */
export async function readRegister(vendorDir: string): Promise<Register> {
  const path = join(vendorDir, REVOCATIONS_FILE);
  if ((await stat(path).catch(() => undefined)) === undefined) return EMPTY;
  const bytes = await readFileBounded(path, MAX_REGISTER_BYTES, 'revocation register');
  const damaged = (what: string) =>
    new AirlockError(
      'FORMAT_INVALID',
      `The revocation register ${path} is damaged: ${what}. Restore it from a backup.`,
    );
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw damaged('it is not JSON');
  }
  const file = (json ?? {}) as Record<string, unknown>;
  if (file['format'] !== REGISTER_FORMAT) throw damaged(`"format" is not "${REGISTER_FORMAT}"`);
  const bundles = listOf(file['bundles'], 'bundles', damaged).map((b, i) =>
    bundleOf(b, i, damaged),
  );
  bundles.forEach((b, i) => {
    if (i > 0 && b.sequence <= bundles[i - 1]!.sequence)
      throw damaged('bundle sequences are not ascending');
  });
  const last = bundles.at(-1)?.sequence ?? 0;
  const entries = (name: 'licenses' | 'certificates', prefix: string) => {
    const list = listOf(file[name], name, damaged).map((e) => entryOf(e, prefix, last, damaged));
    list.forEach((e, i) => {
      if (i > 0 && e.id <= list[i - 1]!.id) throw damaged(`"${name}" is not sorted by id`);
    });
    return list;
  };
  return {
    licenses: entries('licenses', 'lic_'),
    certificates: entries('certificates', 'crt_'),
    bundles,
  };
}

type Damaged = (what: string) => AirlockError;

function listOf(value: unknown, name: string, damaged: Damaged): unknown[] {
  if (!Array.isArray(value)) throw damaged(`"${name}" is not a list`);
  return value;
}

function u32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= U32_MAX;
}

function entryOf(value: unknown, prefix: string, last: number, damaged: Damaged): RegisterEntry {
  const e = (value ?? {}) as Record<string, unknown>;
  const id = e['id'];
  if (typeof id !== 'string' || !new RegExp(`^${prefix}[0-9a-f]{16}$`).test(id))
    throw damaged(`an entry's id is not ${prefix} and 16 hex digits`);
  const reason = REVOCATION_REASONS.find((r) => r === e['reason']);
  const published = e['published'];
  const note = e['note'];
  if (
    !u32(e['revokedAt']) ||
    reason === undefined ||
    (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE_LENGTH)) ||
    (published !== null && (!u32(published) || published < 1 || published > last))
  ) {
    throw damaged(`the entry of ${id} is malformed`);
  }
  return {
    id,
    revokedAt: e['revokedAt'] as number,
    reason,
    ...(note === undefined ? {} : { note: note as string }),
    published: published as number | null,
  };
}

function bundleOf(value: unknown, index: number, damaged: Damaged): PublishedBundle {
  const b = (value ?? {}) as Record<string, unknown>;
  const { sequence, baseSequence, issuedAt, nextUpdate, licenses, certificates, written } = b;
  if (
    !u32(sequence) ||
    sequence < 1 ||
    !u32(baseSequence) ||
    baseSequence >= sequence ||
    !u32(issuedAt) ||
    !u32(nextUpdate) ||
    !u32(licenses) ||
    !u32(certificates) ||
    typeof written !== 'boolean'
  ) {
    throw damaged(`published bundle ${index + 1} is malformed`);
  }
  return { sequence, baseSequence, issuedAt, nextUpdate, licenses, certificates, written };
}

/** One entry per line: readable, and a diff of two versions shows what changed. */
async function writeRegister(vendorDir: string, register: Register): Promise<void> {
  const list = (items: readonly object[]) =>
    items.length === 0
      ? '[]'
      : `[\n${items.map((i) => `    ${JSON.stringify(i)}`).join(',\n')}\n  ]`;
  const text = [
    '{',
    `  "format": ${JSON.stringify(REGISTER_FORMAT)},`,
    `  "licenses": ${list(register.licenses)},`,
    `  "certificates": ${list(register.certificates)},`,
    `  "bundles": ${list(register.bundles)}`,
    '}',
    '',
  ].join('\n');
  await writeFileAtomic(join(vendorDir, REVOCATIONS_FILE), text);
}
