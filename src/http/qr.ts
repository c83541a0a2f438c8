// QR images of the codes the API returns: SVG inline in JSON, PNG on its own endpoint. Error
// correction level M, as everywhere in Airlock (DESIGN "Numbers"); upper-case codes take QR's
// compact alphanumeric mode.

import QRCode from 'qrcode';
import { AirlockError } from '../core/errors.ts';

const ERROR_CORRECTION = 'M';
/** More than the combined response form (response + certificate) needs at version 10-M. */
export const MAX_QR_TEXT = 512;
/** The characters of Airlock's codes: Base32 groups, their dashes, and the '+' of the combined form. */
const CODE_TEXT = /^[0-9A-Z+-]+$/;

export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: ERROR_CORRECTION, margin: 4 });
}

/** Renders a code as PNG; refuses text that is not one of Airlock's codes. */
export async function qrPng(text: string): Promise<Uint8Array> {
  if (!CODE_TEXT.test(text)) {
    throw new AirlockError(
      'FORMAT_INVALID',
      text.includes(' ')
        ? 'The text contains a space: in a query string, write the "+" of a response as %2B.'
        : 'Only Airlock codes (upper-case letters, digits, "-" and "+") are drawn as QR codes.',
    );
  }
  try {
    const png = await QRCode.toBuffer(text, {
      type: 'png',
      errorCorrectionLevel: ERROR_CORRECTION,
      margin: 4,
      width: 400,
    });
    return new Uint8Array(png);
  } catch {
    throw new AirlockError('FORMAT_INVALID', 'This text is too long for a QR code.');
  }
}
