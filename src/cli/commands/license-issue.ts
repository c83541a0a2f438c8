// `airlock license issue`: reads the license's fields from the options, checks every rule of the
// format before the vendor key is unlocked, and signs the key.

import { AirlockError } from '../../core/errors.ts';
import { licenseKeyText, LICENSE_TYPES, type LicenseType } from '../../core/formats/license-key.ts';
import { NAME_PATTERN, parseId } from '../../core/ids.ts';
import {
  issueVendorLicense,
  type LicenseTerms,
  licenseTermsProblem,
} from '../../vendor/issue-license.ts';
import { openVendor } from '../../vendor/vendor-dir.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { outcome } from '../output.ts';
import { parseDuration, parseExpiry } from '../time.ts';
import { explain, licenseJson } from './license-fields.ts';

function usage(message: string): AirlockError {
  return new AirlockError('USAGE', `${message} See \`airlock license issue --help\`.`);
}

function parseType(text: string | undefined): LicenseType {
  if (text === undefined) return 'perpetual';
  const type = LICENSE_TYPES.find((t) => t === text);
  if (type === undefined) throw usage(`--type must be one of ${LICENSE_TYPES.join(', ')}.`);
  return type;
}

function parseSeats(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 0xffff)
    throw usage(`--seats must be a whole number from 0 (unlimited) to 65535, not "${text}".`);
  return Number(text);
}

function parseFeatures(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = [
    ...new Set(
      text
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== ''),
    ),
  ].sort();
  const bad = names.find((f) => !NAME_PATTERN.test(f));
  if (bad !== undefined) {
    throw usage(
      `"${bad.slice(0, 40)}" is not a feature name: use a-z, 0-9, ".", "_" or "-", at most 32 characters.`,
    );
  }
  return names;
}

/** Reads the license terms from the options; every rule of the format is checked here. */
export function termsOf(args: ParsedArgs, now: number): LicenseTerms {
  const product = args.required('product');
  if (!NAME_PATTERN.test(product)) {
    throw usage(
      `"${product.slice(0, 40)}" is not a product name: use a-z, 0-9, ".", "_" or "-", at most 32 characters.`,
    );
  }
  const type = parseType(args.string('type'));
  const expires = args.string('expires');
  if (expires === undefined && (type === 'trial' || type === 'subscription')) {
    throw usage(`A ${type} license needs --expires (a date, or a time from now such as +30d).`);
  }
  const lease = args.string('lease');
  const grace = args.string('grace');
  const fingerprint = args.string('fingerprint');
  const user = args.string('user');
  let boundTo: Uint8Array | undefined;
  if (fingerprint !== undefined) {
    try {
      boundTo = parseId('fingerprint', fingerprint);
    } catch (error) {
      throw usage(
        `--fingerprint: ${(error as Error).message} Run \`airlock client fingerprint --product ${product}\` on the customer's machine.`,
      );
    }
  }
  const terms: LicenseTerms = {
    type,
    expiresAt: expires === undefined ? null : parseExpiry(expires, now),
    seats: parseSeats(args.string('seats')),
    leaseSeconds: lease === undefined ? 0 : parseDuration(lease, '--lease'),
    graceSeconds: grace === undefined ? 0 : parseDuration(grace, '--grace'),
    product,
    features: parseFeatures(args.string('features')),
    fingerprint: boundTo,
    user,
  };
  const problem = licenseTermsProblem(terms, now);
  if (problem !== undefined) throw usage(`Cannot issue this license: ${problem}.`);
  return terms;
}

/** The options that state a license's terms, shared by `license issue` and `license create`. */
export const TERMS_OPTIONS = {
  product: { type: 'string', value: 'NAME', help: 'the product: a-z, 0-9, . _ -, at most 32' },
  type: {
    type: 'string',
    value: 'TYPE',
    help: 'perpetual (default), trial, subscription or floating',
  },
  expires: {
    type: 'string',
    value: 'DATE|+30d',
    help: 'expiry: a date (UTC) or a time from now; trial and subscription need one',
  },
  seats: {
    type: 'string',
    value: 'N',
    help: 'machines, or concurrent leases (default 1; 0 = unlimited)',
  },
  features: {
    type: 'string',
    value: 'a,b',
    help: 'named features, comma-separated (at most 16)',
  },
  fingerprint: {
    type: 'string',
    value: 'fp_…',
    help: 'bind to one machine (from `airlock client fingerprint --product NAME` there)',
  },
  user: { type: 'string', value: 'ID', help: 'bind to a user, as you name your users' },
  lease: {
    type: 'string',
    value: 'DAYS',
    help: 'activations must be renewed within this time (floating licenses need one)',
  },
  grace: { type: 'string', value: 'DAYS', help: 'use allowed after a lease ends unrenewed' },
} as const;

export const issue: Command = {
  group: 'license',
  name: 'issue',
  summary: 'issue a signed license key',
  usage:
    '--vendor DIR --product NAME [--type TYPE] [--expires DATE|+30d] [--seats N] [--features a,b] [--fingerprint fp_…] [--user ID] [--lease DAYS] [--grace DAYS]',
  help: [
    'Signs a license key with the vendor root key (AIRLOCK_PASSPHRASE when it is encrypted). The',
    'key is self-describing: the client verifies it offline against the trust file. Its license ID',
    'is random. Durations are days (30), or a number with a unit: 30d, 12h, 90m, 1y.',
  ].join('\n'),
  options: {
    vendor: { type: 'string', value: 'DIR', help: 'the vendor directory (airlock vendor init)' },
    ...TERMS_OPTIONS,
  },
  required: ['vendor', 'product'],
  async run(args, ctx) {
    const now = ctx.now();
    const terms = termsOf(args, now);
    const vendor = await openVendor(args.required('vendor'), { passphrase: ctx.passphrase });
    const key = issueVendorLicense(vendor, terms, { now, random: ctx.random });
    const text = licenseKeyText(key);
    const data = licenseJson(key);
    return outcome({ key: text, ...data }, [
      `Issued license ${String(data['licenseId'])}:`,
      ...explain(key, now),
      '',
      text,
      '',
      // The customer has no vendor directory: their clients trust a copy of its trust.json.
      'Give this key to the customer. Their machines trust the trust.json shipped with the',
      `application (a copy of ${vendor.dir}/trust.json), or the site appliance's DATA/trust.json:`,
      '  airlock client challenge --license KEY --store DIR --trust FILE',
    ]);
  },
};
