// The one call the CLI (`airlock scan`) and the HTTP upload make: image bytes in, every QR code in
// the picture out with the kind of code it looks like, or a refusal a person can act on.

import { AirlockError } from '../core/errors.ts';
import { classifyCode, type CodeKind } from './classify.ts';
import { type DecodeOptions, decodeQrCodes } from './decode.ts';
import { decodeImage } from './image.ts';

export interface ScannedCode {
  readonly text: string;
  readonly kind: CodeKind;
}

export const NO_CODE_FOUND =
  'No QR code was found in this image: fill the frame with the code, avoid glare and reflections, and hold the camera steady.';

/**
 * Every QR code in a PNG or JPEG image, in the order found. Refuses with FORMAT_INVALID what is
 * not a readable PNG or JPEG (or is too large), and with CODE_EMPTY an image without a code.
 */
export function scanImage(bytes: Uint8Array, options: DecodeOptions = {}): ScannedCode[] {
  const texts = decodeQrCodes(decodeImage(bytes), options);
  if (texts.length === 0) throw new AirlockError('CODE_EMPTY', NO_CODE_FOUND);
  return texts.map((text) => ({ text, kind: classifyCode(text) }));
}
