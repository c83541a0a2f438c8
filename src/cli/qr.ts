// QR codes of typed codes: drawn in the terminal, or written as PNG or SVG files. Error-correction
// level M (DESIGN "Numbers"); upper-case codes use the compact alphanumeric mode automatically.

import { extname } from 'node:path';
import { AirlockError } from '../core/errors.ts';

const ERROR_CORRECTION = 'M';

/** Loaded only when a QR code is drawn: most runs print none, and every run pays for imports. */
async function qrcode() {
  return (await import('qrcode')).default;
}

export async function terminalQr(text: string): Promise<string> {
  return (await qrcode()).toString(text, {
    type: 'terminal',
    small: true,
    errorCorrectionLevel: ERROR_CORRECTION,
  });
}

/** Checks the file name before any work is done, so a bad --qr refuses the whole command. */
export function qrFileType(path: string): 'png' | 'svg' {
  const ext = extname(path).toLowerCase();
  if (ext === '.png' || ext === '.svg') return ext === '.png' ? 'png' : 'svg';
  throw new AirlockError(
    'USAGE',
    `--qr ${path}: the file name must end in .png or .svg, which decides the image format.`,
  );
}

export async function writeQrFile(path: string, text: string): Promise<void> {
  const type = qrFileType(path);
  const options = { errorCorrectionLevel: ERROR_CORRECTION, margin: 4 } as const;
  const QRCode = await qrcode();
  await (type === 'png'
    ? QRCode.toFile(path, text, { ...options, type: 'png', width: 400 })
    : QRCode.toFile(path, text, { ...options, type: 'svg' }));
}
