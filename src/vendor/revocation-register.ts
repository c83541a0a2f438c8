// The vendor's revocation register on disk (revocations.json in the vendor directory): revoked
// licenses and certificates, one entry per line, and the history of bundles published from them.
// Read strictly: a damaged register is refused, never overwritten.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { REVOCATION_REASONS, type RevocationReason } from '../core/formats/revocation-bundle.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import { VENDOR_FILES } from './vendor-dir.ts';

export const REVOCATIONS_FILE = 'revocations.json';
export const REGISTER_FORMAT = 'airlock-vendor-revocations/v1';
/** Two full lists of a million entries each fit with room to spare. */
const MAX_REGISTER_BYTES = 512 * 1024 * 1024;
export const MAX_NOTE_LENGTH = 500;
const U32_MAX = 0xffffffff;

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

const EMPTY: Register = { licenses: [], certificates: [], bundles: [] };

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
export async function writeRegister(vendorDir: string, register: Register): Promise<void> {
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
