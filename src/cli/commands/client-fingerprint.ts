// `airlock client fingerprint`: which identity components this machine has (names, never values)
// and the fp_… value a vendor needs to bind a license to it.

import { AirlockError } from '../../core/errors.ts';
import { decodeLicenseKey, parseLicenseKey } from '../../core/formats/license-key.ts';
import { formatId } from '../../core/ids.ts';
import { computeFingerprint, FINGERPRINT_SLOTS, matchFingerprint } from '../../core/fingerprint.ts';
import { readMachineComponents } from '../../sdk/node/machine.ts';
import type { Command } from '../command.ts';
import { readCodeArgument } from '../inputs.ts';
import { list, outcome } from '../output.ts';

export const fingerprint: Command = {
  group: 'client',
  name: 'fingerprint',
  summary: "show this machine's identity components and its fingerprint for a product",
  usage: '[--product NAME | --license KEY]',
  help: [
    'Lists which identity components this machine has (names only: raw values never leave the',
    'machine). With a product (or a license key, which names its product), prints the fp_… value',
    'to give the vendor for a license bound to this machine. AIRLOCK_MACHINE_ID, when set,',
    'replaces all components (containers, tests, simulated machines).',
  ].join('\n'),
  options: {
    product: { type: 'string', value: 'NAME', help: 'the product the fingerprint is for' },
    license: {
      type: 'string',
      value: 'KEY',
      help: 'a license key: its product, and whether its machine binding matches this machine',
    },
  },
  async run(args, ctx) {
    const components = readMachineComponents(ctx.env);
    const found = FINGERPRINT_SLOTS.filter((slot) => (components[slot] ?? '') !== '');
    const missing = FINGERPRINT_SLOTS.filter((slot) => !found.includes(slot));
    const explicit = (ctx.env['AIRLOCK_MACHINE_ID'] ?? '') !== '';
    const licenseArg = args.string('license');
    if (licenseArg !== undefined && args.string('product') !== undefined) {
      throw new AirlockError(
        'USAGE',
        'Give --product or --license, not both. See `airlock client fingerprint --help`.',
      );
    }
    const license =
      licenseArg === undefined
        ? undefined
        : parseLicenseKey(decodeLicenseKey(await readCodeArgument(licenseArg, 'license key', ctx)));
    const product = license?.product ?? args.string('product');
    const fp = product === undefined ? undefined : computeFingerprint(product, components);
    const binding =
      license?.fingerprint && fp ? matchFingerprint(license.fingerprint, fp).matches : undefined;
    const lines = [
      explicit
        ? "This machine's identity is set by AIRLOCK_MACHINE_ID."
        : found.length === 0
          ? 'No identity component was found on this machine: set AIRLOCK_MACHINE_ID to give it a stable identity.'
          : `This machine's identity comes from ${found.length} of ${FINGERPRINT_SLOTS.length} components: ${list(found)}${missing.length > 0 ? ` (not found: ${list(missing)})` : ''}. Raw values never leave this machine.`,
    ];
    if (product !== undefined && fp !== undefined) {
      lines.push(`Fingerprint for "${product}": ${formatId('fingerprint', fp)}`);
      if (binding === undefined) {
        lines.push(
          `For a license bound to this machine, give it to the vendor: airlock license issue … --product ${product} --fingerprint ${formatId('fingerprint', fp)}`,
        );
      } else {
        lines.push(
          binding
            ? 'The license is bound to this machine: it matches.'
            : `The license is bound to another machine (${formatId('fingerprint', license!.fingerprint!)}); it will not activate here.`,
        );
      }
    }
    return outcome(
      {
        components: found,
        missing,
        explicit,
        ...(product === undefined ? {} : { product }),
        ...(fp === undefined ? {} : { fingerprint: formatId('fingerprint', fp) }),
        ...(binding === undefined ? {} : { bindingMatches: binding }),
      },
      lines,
    );
  },
};
