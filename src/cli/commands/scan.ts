// `airlock scan IMAGE`: every QR code in a photo or screenshot (PNG or JPEG), with the kind of code
// each looks like, so an operator can check a picture before handing it to the appliance.

import { readFileBounded } from '../../node/atomic-file.ts';
import { MAX_IMAGE_BYTES } from '../../scan/image.ts';
import { type ScannedCode, scanImage } from '../../scan/scan-image.ts';
import type { Command, CommandGroup } from '../command.ts';
import { outcome } from '../output.ts';

const KIND_WORDS: Readonly<Record<ScannedCode['kind'], string>> = {
  challenge: 'challenge',
  response: 'response code',
  deactivation: 'deactivation code',
  license: 'license key',
  'held-license': 'appliance-held license key',
  certificate: 'appliance certificate',
  unknown: 'not an Airlock code',
};

// Control characters (C0, DEL, C1) and bidirectional overrides in a QR code's text could move the
// cursor or reorder what a terminal shows; they are printed as \u{…} escapes instead.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

export const scan: Command = {
  group: 'scan',
  name: '',
  summary: 'print every QR code in a photo or screenshot (PNG or JPEG), and what each holds',
  usage: 'IMAGE',
  help: [
    'Reads a PNG or JPEG image (at most 20 MiB and 40 megapixels; - reads standard input) and',
    'prints every QR code in it (up to 4) with the kind of code it looks like: challenge, response,',
    'deactivation, license, certificate or unknown. Photos of screens are read too: tilted, blurred,',
    'dim, glaring, noisy, heavily compressed or in dark mode. With --json:',
    '{"codes":[{"text":"…","kind":"challenge"}]}. No code in the image: CODE_EMPTY (exit code 3).',
  ].join('\n'),
  options: {},
  positionals: ['IMAGE'],
  async run(args, ctx) {
    const path = args.positionals[0]!;
    const bytes =
      path === '-'
        ? await ctx.readStdin(MAX_IMAGE_BYTES, 'image')
        : await readFileBounded(path, MAX_IMAGE_BYTES, 'image');
    const codes = scanImage(bytes);
    const source = path === '-' ? 'the image on standard input' : path;
    const lines = [
      codes.length === 1 ? `1 QR code in ${source}:` : `${codes.length} QR codes in ${source}:`,
    ];
    for (const code of codes) lines.push(`  ${KIND_WORDS[code.kind]}: ${printable(code.text)}`);
    return outcome({ codes: codes.map(({ text, kind }) => ({ text, kind })) }, lines);
  },
};

export const scanCommands: CommandGroup = {
  name: 'scan',
  title: 'Photos and screenshots',
  commands: [scan],
};
