// A renewed license key — the same license ID issued again later: a later expiry, a trial made
// paid — replaces the key this machine's activation holds and keeps its seat; an older key with
// that ID is a downgrade and is refused (docs/SDK.md "Leases and renewal").

import { equalBytes } from '../core/bytes.ts';
import { dateOf } from '../core/dates.ts';
import { AirlockError } from '../core/errors.ts';
import { decodeLicenseKey, type LicenseKey, parseLicenseKey } from '../core/formats/license-key.ts';
import { formatId } from '../core/ids.ts';
import type { StoredActivation } from './state.ts';

/**
 * What a response to a challenge with `presented` will do to the activation held:
 * 'lease' renews it with the same key, 'license-key' renews it and replaces its key with a later
 * one, null means a first activation (or one for another license, which takes its own seat).
 */
export type Renews = 'lease' | 'license-key' | null;

/** Decides how `presented` relates to the held activation's key; refuses a downgrade. */
export function renewsWith(held: StoredActivation | undefined, presented: LicenseKey): Renews {
  if (held === undefined) return null;
  // The held key was verified when it was applied, and status verifies it again: parsing suffices.
  const current = parseLicenseKey(decodeLicenseKey(held.licenseKey));
  if (!equalBytes(current.licenseId, presented.licenseId)) return null;
  if (equalBytes(current.bytes, presented.bytes)) return 'lease';
  const id = formatId('license', presented.licenseId);
  // The appliance keeps the same rule (a later issue time, the same product) for the key it holds.
  if (presented.product !== current.product) {
    throw new AirlockError(
      'LICENSE_EXISTS',
      `This key for license ${id} is for "${presented.product}", but this machine holds that license for "${current.product}": a renewed key keeps its product.`,
      { licenseId: id, reason: 'product' },
    );
  }
  if (presented.issuedAt > current.issuedAt) return 'license-key';
  // Same ID, not later: an older key (perhaps with more seats, features or a longer trial) must not
  // take back what its renewal changed. Equal issue times cannot be ordered, so they are refused
  // too.
  throw new AirlockError(
    'LICENSE_SUPERSEDED',
    presented.issuedAt === current.issuedAt
      ? `This machine already holds another key for license ${id}, issued at the same time (${dateOf(current.issuedAt)}); which one is newer cannot be told. Ask the vendor for a renewed key.`
      : `This key for license ${id} (issued ${dateOf(presented.issuedAt)}) is older than the one this machine holds (issued ${dateOf(current.issuedAt)}), which replaced it. Keep using the newer key.`,
    {
      licenseId: id,
      reason: 'superseded',
      heldIssuedAt: current.issuedAt,
      issuedAt: presented.issuedAt,
    },
  );
}
