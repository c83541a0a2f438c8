// The vendor's revocations (DESIGN flow 6): revoking licenses and appliance certificates in the
// register (revocation-register.ts), and publishing them as signed bundles of the next sequence,
// in full or as a delta onto any earlier one (docs/FORMATS.md §11).

import { AirlockError } from '../core/errors.ts';
import {
  MAX_BUNDLE_ENTRIES,
  REVOCATION_REASONS,
  type RevocationReason,
  signBundle,
} from '../core/formats/revocation-bundle.ts';
import { formatId, parseId } from '../core/ids.ts';
import { writeFileAtomic } from '../node/atomic-file.ts';
import {
  assertVendorDir,
  MAX_NOTE_LENGTH,
  readRegister,
  type PublishedBundle,
  type Register,
  type RegisterEntry,
  writeRegister,
} from './revocation-register.ts';
import type { Vendor } from './vendor-dir.ts';
import { withVendorLock } from './vendor-lock.ts';

const U32_MAX = 0xffffffff;

export type RevocableKind = 'license' | 'certificate';

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
export function revoke(
  vendorDir: string,
  id: string,
  options: { readonly reason: string; readonly now: number },
): Promise<RevokeResult> {
  return withVendorLock(vendorDir, 'airlock vendor revoke', () =>
    revokeLocked(vendorDir, id, options),
  );
}

async function revokeLocked(
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
export function publish(vendor: Vendor, options: PublishOptions): Promise<PublishResult> {
  return withVendorLock(vendor.dir, 'airlock vendor publish-revocations', () =>
    publishLocked(vendor, options),
  );
}

async function publishLocked(vendor: Vendor, options: PublishOptions): Promise<PublishResult> {
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
