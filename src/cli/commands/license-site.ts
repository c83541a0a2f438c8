// `airlock license add|create|redeem|list|show --data DIR`: the licenses an appliance holds.
// Vendor-signed keys are added; appliance-held licenses are created here, their `S…` key shown
// once and kept only as a keyed hash.

import type { LicenseSummary } from '../../appliance/appliance.ts';
import { toHex } from '../../core/bytes.ts';
import { AirlockError } from '../../core/errors.ts';
import { parseId } from '../../core/ids.ts';
import { openVendor } from '../../vendor/vendor-dir.ts';
import { DATA_FILES } from '../../appliance/data-dir.ts';
import { DATA_OPTION, withAppliance } from '../appliance-session.ts';
import type { Command } from '../command.ts';
import { readCodeArgument } from '../inputs.ts';
import { list, outcome, plural, rows, when } from '../output.ts';
import { TERMS_OPTIONS, termsOf } from './license-issue.ts';
import { join } from 'node:path';
import { table } from '../table.ts';
import { activationTable } from './activations.ts';

function seatsText(l: LicenseSummary): string {
  return l.seats === 0
    ? `${l.seatsUsed} in use (unlimited)`
    : `${l.seatsUsed} of ${l.seats} in use`;
}

function licenseRows(l: LicenseSummary): string[] {
  return rows([
    ['product', l.product],
    ['type', l.held ? `${l.type}, held by this appliance` : l.type],
    ['seats', seatsText(l)],
    ['expires', when(l.expiresAt)],
    ['features', list(l.features)],
    ['status', l.revoked ? 'revoked' : 'in force'],
  ]);
}

const { fingerprint: _fingerprint, user: _user, ...HELD_TERMS_OPTIONS } = TERMS_OPTIONS;

export const add: Command = {
  group: 'license',
  name: 'add',
  summary: 'add a vendor-signed license key to an appliance',
  usage: 'KEY --data DIR',
  help: [
    'Verifies the key against the vendor roots the appliance trusts and records it in the ledger.',
    'Adding the same key again changes nothing. KEY is the key, - (standard input) or @FILE.',
  ].join('\n'),
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['KEY'],
  async run(args, ctx) {
    const text = await readCodeArgument(args.positionals[0]!, 'license key', ctx);
    return withAppliance(args, ctx, 'airlock license add', async ({ appliance }) => {
      const { outcome: result, license } = await appliance.addLicense(text);
      return outcome({ outcome: result, license }, [
        result === 'added'
          ? `Added license ${license.licenseId}:`
          : `License ${license.licenseId} was already held:`,
        ...licenseRows(license),
      ]);
    });
  },
};

export const create: Command = {
  group: 'license',
  name: 'create',
  summary: 'create a license held by the appliance, with an opaque key',
  usage:
    '--data DIR --product NAME [--type TYPE] [--expires DATE|+30d] [--seats N] [--features a,b] [--lease DAYS] [--grace DAYS]',
  help: [
    'Creates a license whose terms the appliance holds, and prints its key once: 29 characters',
    'starting with S, random, kept by the appliance only as a keyed hash (it cannot be shown',
    'again). Customers trade it for the signed license key with `airlock license redeem` (or the',
    'API, or the SDK online mode), then activate as with any key.',
    '',
    'The license key is signed with the vendor root key, so only a standalone appliance can',
    'create these (AIRLOCK_PASSPHRASE unlocks the key when it is encrypted).',
  ].join('\n'),
  options: { ...DATA_OPTION, ...HELD_TERMS_OPTIONS },
  required: ['data', 'product'],
  async run(args, ctx) {
    const now = ctx.now();
    const terms = termsOf(args, now); // no --fingerprint or --user: held licenses bind neither
    return withAppliance(args, ctx, 'airlock license create', async ({ identity, appliance }) => {
      if (identity.settings.mode !== 'standalone') {
        throw new AirlockError(
          'VENDOR_KEY_REQUIRED',
          'This appliance is delegated: it does not hold the vendor root key that signs the license keys of appliance-held licenses. Ask the vendor for signed keys (`airlock license issue`) and add them with `airlock license add`.',
        );
      }
      const vendor = await openVendor(join(identity.dir, DATA_FILES.vendor), {
        passphrase: ctx.passphrase,
      });
      const made = await appliance.createHeldLicense(terms, vendor.signer);
      const { license } = made;
      return outcome({ heldKey: made.heldKey, license }, [
        `Created license ${license.licenseId}, held by this appliance:`,
        ...licenseRows(license),
        '',
        made.heldKey,
        '',
        'This key is shown once. Give it to the customer; they redeem it for the license key with',
        `  airlock license redeem KEY --data ${identity.dir}`,
        'or through the API (POST /api/v1/redeem).',
      ]);
    });
  },
};

export const redeem: Command = {
  group: 'license',
  name: 'redeem',
  summary: 'trade an appliance-held key (S…) for its signed license key',
  usage: 'HELD_KEY --data DIR',
  help: [
    'Looks up the license of an appliance-held key and prints its signed license key, which the',
    "customer's machines verify offline and use to activate. HELD_KEY may be - or @FILE.",
  ].join('\n'),
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['HELD_KEY'],
  async run(args, ctx) {
    const text = await readCodeArgument(args.positionals[0]!, 'held license key', ctx);
    return withAppliance(args, ctx, 'airlock license redeem', async ({ appliance }) => {
      const license = appliance.redeem(text);
      return outcome({ key: license.key, license }, [
        `License ${license.licenseId}:`,
        ...licenseRows(license),
        '',
        license.key,
      ]);
    });
  },
};

export const listLicenses: Command = {
  group: 'license',
  name: 'list',
  summary: 'list the licenses an appliance holds, with their seats',
  usage: '--data DIR',
  help: 'One line per license: ID, product, type, seats in use, expiry.',
  options: DATA_OPTION,
  required: ['data'],
  async run(args, ctx) {
    return withAppliance(args, ctx, 'airlock license list', async ({ appliance }) => {
      const licenses = appliance.licenses();
      const lines = table(
        ['license', 'product', 'type', 'seats', 'expires', ''],
        licenses.map((l) => [
          l.licenseId,
          l.product,
          `${l.type}${l.held ? ' (held)' : ''}`,
          seatsText(l),
          when(l.expiresAt),
          l.revoked ? ctx.paint('red', 'REVOKED') : '',
        ]),
        ctx.paint,
      );
      return outcome({ licenses }, [
        `${plural(licenses.length, 'license')}${licenses.length > 0 ? ':' : '.'}`,
        ...lines,
      ]);
    });
  },
};

export const show: Command = {
  group: 'license',
  name: 'show',
  summary: 'show a license an appliance holds, with its activations',
  usage: 'LICENSE_ID --data DIR',
  help: 'Shows the license and every activation of it (active, deactivated or revoked).',
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['LICENSE_ID'],
  async run(args, ctx) {
    const id = toHex(parseId('license', args.positionals[0]));
    return withAppliance(args, ctx, 'airlock license show', async ({ appliance }) => {
      const license = appliance.license(id);
      return outcome({ license }, [
        `License ${license.licenseId}:`,
        ...licenseRows(license),
        '',
        `${plural(license.activations.length, 'activation')}${license.activations.length > 0 ? ':' : '.'}`,
        ...activationTable(license.activations, ctx.paint, false),
      ]);
    });
  },
};
