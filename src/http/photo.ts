// The challenge in an uploaded photo or screenshot: decode the image, read every QR code in it,
// and keep the one challenge. Anything else is refused with what was found instead.

import { AirlockError } from '../core/errors.ts';
import { classifyCode } from '../scan/classify.ts';
import { decodeQrCodes } from '../scan/decode.ts';
import { decodeImage } from '../scan/image.ts';
import { HttpError } from './errors.ts';

export function challengeInPhoto(bytes: Uint8Array): string {
  // Synchronous and CPU-bound (about a second for a large photo); the route is rate-limited.
  const texts = decodeQrCodes(decodeImage(bytes));
  if (texts.length === 0) {
    throw new HttpError(
      'QR_NOT_FOUND',
      'No QR code could be read in this picture. Photograph the challenge so that its QR code fills a good part of the picture, in focus and without glare.',
    );
  }
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
