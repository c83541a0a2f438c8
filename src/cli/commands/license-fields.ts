// How a license key's fields are shown: as JSON (times in Unix seconds) and in words, one row
// per field, for `license issue` and `license inspect`.

import type { LicenseKey, LicenseType } from '../../core/formats/license-key.ts';
import { formatId } from '../../core/ids.ts';
import { list, plural, relative, rows, span, when } from '../output.ts';

/** The fields of a key, for JSON. Times are Unix seconds. */
export function licenseJson(key: LicenseKey): Record<string, unknown> {
  return {
    licenseId: formatId('license', key.licenseId),
    product: key.product,
    type: key.type,
    issuedAt: key.issuedAt,
    expiresAt: key.expiresAt,
    seats: key.seats,
    features: key.features,
    leaseSeconds: key.leaseSeconds,
    graceSeconds: key.graceSeconds,
    fingerprint: key.fingerprint ? formatId('fingerprint', key.fingerprint) : null,
    user: key.user ?? null,
    vendorKeyId: formatId('key', key.vendorKeyId),
  };
}

const TYPE_MEANING: Readonly<Record<LicenseType, string>> = {
  perpetual: 'perpetual: runs for good, or until its expiry date if it has one',
  trial: 'trial: for evaluation, until its expiry date',
  subscription: 'subscription: runs until its expiry date, then needs renewing',
  floating: 'floating: its seats are concurrent leases, returned when a lease lapses',
};

/** One row per field, in words. */
export function explain(key: LicenseKey, now: number): string[] {
  return rows([
    ['product', key.product],
    ['type', TYPE_MEANING[key.type]],
    ['issued', when(key.issuedAt)],
    [
      'expires',
      key.expiresAt === null ? 'never' : `${when(key.expiresAt)} (${relative(key.expiresAt, now)})`,
    ],
    [
      'seats',
      key.seats === 0
        ? 'unlimited'
        : key.type === 'floating'
          ? `${key.seats} at a time`
          : plural(key.seats, 'machine'),
    ],
    ['features', list(key.features)],
    [
      'lease',
      key.leaseSeconds === 0
        ? 'none: an activation lasts as long as the license'
        : `${span(key.leaseSeconds)}: an activation must be renewed within this time`,
    ],
    [
      'grace',
      key.graceSeconds === 0
        ? 'none'
        : `${span(key.graceSeconds)} of use after a lease ends without renewal`,
    ],
    [
      'machine',
      key.fingerprint
        ? `bound to ${formatId('fingerprint', key.fingerprint)}`
        : 'any machine (not bound)',
    ],
    ['user', key.user === undefined ? 'anyone (not bound)' : `bound to "${key.user}"`],
    ['signed by', `vendor key ${formatId('key', key.vendorKeyId)}`],
  ]);
}
