// `airlock respond` and `airlock deactivate`: the operator's desk at the site. A challenge (typed,
// @FILE, - or a photo of its QR code) is answered from the appliance's ledger; a deactivation
// code frees its seat. Both record in the ledger before anything is printed.

import { AirlockError } from '../../core/errors.ts';
import { readFileBounded } from '../../node/atomic-file.ts';
import { MAX_IMAGE_BYTES } from '../../scan/image.ts';
import { scanImage } from '../../scan/scan-image.ts';
import { DATA_OPTION, withAppliance } from '../appliance-session.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command, CommandGroup } from '../command.ts';
import type { CliContext } from '../context.ts';
import { readCodeArgument } from '../inputs.ts';
import { outcome, plural, when } from '../output.ts';
import { qrFileType, terminalQr, writeQrFile } from '../qr.ts';

const IMAGE_OPTION = {
  image: {
    type: 'string',
    value: 'FILE',
    help: 'read the code from a photo or screenshot of its QR code (PNG or JPEG)',
  },
} as const;

/** The code as typed, or the one QR code of the kind wanted in --image. */
async function codeFrom(
  args: ParsedArgs,
  ctx: CliContext,
  what: string,
  kind: 'challenge' | 'deactivation',
): Promise<string> {
  const image = args.string('image');
  const typed = args.positionals[0];
  if ((image === undefined) === (typed === undefined)) {
    throw new AirlockError('USAGE', `Give the ${what} either as text or with --image, not both.`);
  }
  if (typed !== undefined) return readCodeArgument(typed, what, ctx);
  const codes = scanImage(await readFileBounded(image!, MAX_IMAGE_BYTES, 'image'));
  const found = codes.find((c) => c.kind === kind);
  if (found === undefined) {
    throw new AirlockError(
      'CODE_EMPTY',
      codes.length === 0
        ? `No QR code was found in ${image}.`
        : `The QR code in ${image} is not a ${what}.`,
    );
  }
  return found.text;
}

export const respond: Command = {
  group: 'respond',
  name: '',
  summary: 'answer a challenge from the appliance’s ledger (operator)',
  usage: 'CHALLENGE --data DIR [--qr FILE.png|FILE.svg] | --image PHOTO --data DIR',
  help: [
    'Checks the license and its seats in the ledger, records the activation (the same machine',
    'asking again renews its activation and takes no seat) and prints the signed response: the',
    'text to type (149 characters), and a QR code that also carries the appliance certificate',
    '(drawn in the terminal when it is one; --qr writes an image file). CHALLENGE may be - or',
    '@FILE; --image reads it from a photo of the QR code on the machine’s screen.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    ...IMAGE_OPTION,
    qr: { type: 'string', value: 'FILE.png|FILE.svg', help: 'also write the QR code to this file' },
  },
  required: ['data'],
  positionals: ['CHALLENGE?'],
  async run(args, ctx) {
    const qrFile = args.string('qr');
    if (qrFile !== undefined) qrFileType(qrFile);
    const challenge = await codeFrom(args, ctx, 'challenge', 'challenge');
    const r = await withAppliance(args, ctx, 'airlock respond', ({ appliance }) =>
      appliance.respond(challenge, { channel: 'offline' }),
    );
    if (qrFile !== undefined) await writeQrFile(qrFile, r.qr);
    const qr = ctx.interactive ? await terminalQr(r.qr) : undefined;
    const seats = r.seats === 0 ? `${r.seatsUsed} in use` : `${r.seatsUsed} of ${r.seats} in use`;
    return outcome({ ...r, ...(qrFile === undefined ? {} : { qrFile }) }, [
      `${r.renewal ? 'Renewed' : 'Granted'} activation ${r.activationId} of license ${r.licenseId} (${r.product}); seats: ${seats}.`,
      r.leaseEndsAt === null
        ? 'The activation lasts as long as the license.'
        : `Its lease ends ${when(r.leaseEndsAt)} by the machine's clock.`,
      '',
      'Response, to type on the machine:',
      r.response,
      ...(qr === undefined ? [] : ['', 'or scan:', qr]),
      ...(qrFile === undefined ? [] : [`QR code written to ${qrFile}.`]),
    ]);
  },
};

export const deactivateCode: Command = {
  group: 'deactivate',
  name: '',
  summary: 'take a deactivation code and free its seat (operator)',
  usage: 'CODE --data DIR | --image PHOTO --data DIR',
  help: [
    'Checks the proof in the deactivation code (59 characters, starting with D) against the',
    'activation it names and frees its seat. The same code again changes nothing. How many',
    'seats a license may free this way in 30 days is limited (DEACTIVATION_LIMIT).',
  ].join('\n'),
  options: { ...DATA_OPTION, ...IMAGE_OPTION },
  required: ['data'],
  positionals: ['CODE?'],
  async run(args, ctx) {
    const code = await codeFrom(args, ctx, 'deactivation code', 'deactivation');
    return withAppliance(args, ctx, 'airlock deactivate', async ({ appliance }) => {
      const r = await appliance.deactivate(code);
      const license = appliance.licenses().find((l) => l.licenseId === r.licenseId);
      const free =
        license === undefined || license.seats === 0
          ? ''
          : ` ${plural(license.seats - license.seatsUsed, 'seat')} of ${license.seats} free now.`;
      return outcome({ ...r, ...(license ? { seatsUsed: license.seatsUsed } : {}) }, [
        r.outcome === 'freed'
          ? `Activation ${r.activationId} of license ${r.licenseId} is deactivated.${free}`
          : `Activation ${r.activationId} of license ${r.licenseId} was already deactivated; nothing changed.`,
      ]);
    });
  },
};

export const respondCommands: CommandGroup = {
  name: 'respond',
  title: 'Operators: answer a challenge',
  commands: [respond],
};

export const deactivateCommands: CommandGroup = {
  name: 'deactivate',
  title: 'Operators: take a deactivation code',
  commands: [deactivateCode],
};
