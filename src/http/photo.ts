// The codes in an uploaded photo or screenshot: decode the image, read every QR code in it; for
// an activation, keep the one challenge and refuse anything else with what was found instead.

import { AirlockError } from '../core/errors.ts';
import { classifyCode } from '../scan/classify.ts';
import { decodeQrCodes } from '../scan/decode.ts';
import { decodeImage } from '../scan/image.ts';
import type { ScannedCode } from '../scan/scan-image.ts';
import { HttpError } from './errors.ts';

/** Every QR code in the picture, each with the kind it looks like; QR_NOT_FOUND when there is none. */
export function codesInPhoto(bytes: Uint8Array): ScannedCode[] {
  // Synchronous and CPU-bound (tens of milliseconds for a photo); the routes are rate-limited.
  const texts = decodeQrCodes(decodeImage(bytes));
  if (texts.length === 0) {
    throw new HttpError(
      'QR_NOT_FOUND',
      'No QR code could be read in this picture. Photograph the code so that it fills a good part of the picture, in focus and without glare.',
    );
  }
  return texts.map((text) => ({ text, kind: classifyCode(text) }));
}

export function challengeInPhoto(bytes: Uint8Array): string {
  const texts = codesInPhoto(bytes).map((c) => c.text);
  const challenges = texts.filter((t) => classifyCode(t) === 'challenge');
  if (challenges.length === 1) return challenges[0]!.trim();
  if (challenges.length > 1) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `This picture shows ${challenges.length} different challenges; photograph only the one to answer.`,
    );
  }
  const kinds = [...new Set(texts.map(classifyCode))].map((k) =>
    k === 'unknown' ? 'not an Airlock code' : `a ${k} code`,
  );
  throw new AirlockError(
    'CODE_WRONG_KIND',
    `The QR code in this picture is ${kinds.join(' and ')}, not a challenge. Photograph the challenge the machine shows.`,
  );
}
