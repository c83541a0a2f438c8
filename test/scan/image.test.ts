// Image files to pixels: PNG and JPEG only, recognised by their first bytes, every size bounded
// before decoding, and anything damaged refused with FORMAT_INVALID rather than a crash.

import test from 'ava';
import { PNG } from 'pngjs';
import { AirlockError } from '../../src/core/errors.ts';
import { decodeQrCodes } from '../../src/scan/decode.ts';
import {
  decodeImage,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_PIXELS,
  sniffImageFormat,
} from '../../src/scan/image.ts';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

const invalid = { instanceOf: AirlockError, code: 'FORMAT_INVALID' } as const;

test('decodes a PNG to the same grey pixels', async (t) => {
  const image = d.rotate(await d.qrImage(CODES.challenge), 10);
  const decoded = decodeImage(d.toPng(image));
  t.is(decoded.width, image.width);
  t.is(decoded.height, image.height);
  t.deepEqual(decoded.data, image.data);
});

test('decodes a JPEG to nearly the same grey pixels', async (t) => {
  const image = await d.qrImage(CODES.challenge);
  const decoded = decodeImage(d.toJpeg(image, 95));
  t.is(decoded.width, image.width);
  t.is(decoded.height, image.height);
  const worst = decoded.data.reduce((m, v, i) => Math.max(m, Math.abs(v - image.data[i]!)), 0);
  t.true(worst < 64, `largest difference ${worst}`);
  t.deepEqual(decodeQrCodes(decoded), [CODES.challenge]);
});

test('sees colour as luma and transparency as the white page behind it', async (t) => {
  const code = await d.qrImage(CODES.challenge);
  // Black modules on a fully transparent ground, as many QR generators write them.
  const png = new PNG({ width: code.width, height: code.height });
  for (let i = 0; i < code.data.length; i++) png.data.set([0, 0, 0, 255 - code.data[i]!], i * 4);
  const transparent = decodeImage(PNG.sync.write(png));
  t.is(transparent.data[0], 255);
  t.deepEqual(decodeQrCodes(transparent), [CODES.challenge]);

  const colours = new PNG({ width: 3, height: 1 });
  colours.data.set([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
  const luma = [...decodeImage(PNG.sync.write(colours)).data];
  const bt601 = [0.299, 0.587, 0.114].map((weight) => weight * 255);
  luma.forEach((v, i) => t.true(Math.abs(v - bt601[i]!) <= 1, `${v} for ${bt601[i]}`));
});

test('refuses what is not a PNG or JPEG with FORMAT_INVALID', (t) => {
  const notImages = [
    new Uint8Array(0),
    new TextEncoder().encode('C5DNR000H-000000RDW'),
    new TextEncoder().encode('GIF89a\x01\x00\x01\x00'),
    new TextEncoder().encode('%PDF-1.7\n'),
    new Uint8Array([0x89, 0x50, 0x4e, 0x47]), // half a PNG signature
    new Uint8Array([0xff, 0xd8]), // two bytes of a JPEG
  ];
  for (const bytes of notImages) {
    t.is(sniffImageFormat(bytes), undefined);
    const error = t.throws(() => decodeImage(bytes), invalid);
    t.regex(error.message, /^This (is not a PNG or JPEG image|image is empty)\.$/);
  }
});

test('refuses a PNG or JPEG cut short with FORMAT_INVALID, not a crash', async (t) => {
  const image = d.noise(await d.qrImage(CODES.challenge), 5);
  for (const [format, bytes] of [
    ['PNG', d.toPng(image)],
    ['JPEG', d.toJpeg(image, 60)],
  ] as const) {
    for (const length of [3, 8, 20, 30, 100, bytes.length >> 1, bytes.length - 10]) {
      const error = t.throws(() => decodeImage(bytes.subarray(0, length)), invalid);
      t.regex(error.message, new RegExp(`^This (${format} image is damaged|is not a PNG)`));
    }
  }
});

test('refuses a damaged PNG (a changed byte) with FORMAT_INVALID', async (t) => {
  const bytes = d.toPng(await d.qrImage(CODES.challenge));
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0xff;
  t.throws(() => decodeImage(bytes), invalid);
});

/** A PNG signature and an IHDR chunk claiming a size, and nothing else. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  const view = new DataView(bytes.buffer);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  return bytes;
}

/** A JPEG start, an APP0 segment to walk past, and a start-of-frame claiming a size. */
function jpegHeader(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0, 6, 0x4a, 0x46, 0x49, 0x46];
  const sof = [
    0xff,
    0xc2,
    0,
    11,
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    1,
    1,
    0x11,
    0,
  ];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof]);
}

test('refuses an image over 40 megapixels from its header, before decoding it', (t) => {
  t.is(MAX_IMAGE_PIXELS, 40_000_000);
  for (const bytes of [pngHeader(8000, 5001), jpegHeader(8000, 5001), pngHeader(2 ** 31, 2)]) {
    const error = t.throws(() => decodeImage(bytes), invalid);
    t.regex(error.message, /pixels; at most 40 megapixels are read/);
  }
  for (const bytes of [pngHeader(0, 100), jpegHeader(100, 0)]) {
    t.throws(() => decodeImage(bytes), { ...invalid, message: /is damaged/ });
  }
});

test('refuses a file over 20 MiB before looking at it', (t) => {
  const bytes = new Uint8Array(MAX_IMAGE_BYTES + 1);
  bytes.set(pngHeader(100, 100));
  t.throws(() => decodeImage(bytes), { ...invalid, message: /MiB; at most 20 MiB are read/ });
});

test('refuses what is not a Uint8Array with a TypeError', (t) => {
  for (const value of [undefined, 'image.png', [0x89, 0x50], new ArrayBuffer(8)]) {
    t.throws(() => decodeImage(value as unknown as Uint8Array), { instanceOf: TypeError });
  }
});
