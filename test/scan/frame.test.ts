// The live camera's decoder: an RGBA frame as a canvas gives it, shrunk and greyed in one pass,
// read with the cheap attempts only; dark-mode codes included, nothing found in a frame without a
// code, and misuse refused.

import test from 'ava';
import { decodeFrame, greyFrame, type RgbaFrame } from '../../src/scan/frame.ts';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import type { QrDecoder } from '../../src/scan/qr-decoder.ts';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

const CHALLENGE = CODES.challenge;

/** A grey picture as a camera frame: a faint colour cast, so the channels differ as they do. */
function rgba(
  image: GreyImage,
  ArrayType: typeof Uint8ClampedArray | typeof Uint8Array = Uint8ClampedArray,
): RgbaFrame {
  const data = new ArrayType(image.width * image.height * 4);
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i]!;
    data[4 * i] = Math.min(255, v + 6);
    data[4 * i + 1] = v;
    data[4 * i + 2] = Math.max(0, v - 10);
    data[4 * i + 3] = 255;
  }
  return { data, width: image.width, height: image.height };
}

test('reads the challenge from a 1280×720 camera frame', async (t) => {
  const frame = rgba(d.noise(d.photo(await d.qrImage(CHALLENGE)), 6));
  t.is(frame.width * frame.height, 1280 * 720);
  t.is(decodeFrame(frame), CHALLENGE);
  t.is(decodeFrame(rgba(d.photo(await d.qrImage(CHALLENGE)), Uint8Array)), CHALLENGE);
});

test('reads a dark-mode (inverted) code', async (t) => {
  const frame = rgba(d.noise(d.invert(d.photo(await d.qrImage(CHALLENGE))), 6));
  t.is(decodeFrame(frame), CHALLENGE);
});

test('reads a frame of any size, including odd ones and ones smaller than the side', async (t) => {
  const code = await d.qrImage(CHALLENGE);
  t.is(decodeFrame(rgba(d.photo(code, 0.03, 1281, 721))), CHALLENGE);
  t.is(decodeFrame(rgba(d.photo(code, 0.03, 1920, 1080))), CHALLENGE);
  t.is(decodeFrame(rgba(code)), CHALLENGE);
});

test('returns undefined for a frame without a code', (t) => {
  t.is(decodeFrame(rgba(d.blank(1280, 720))), undefined);
  t.is(decodeFrame(rgba(d.noise(d.blank(1280, 720, 128), 30))), undefined);
  t.is(decodeFrame(rgba(d.screenshot(d.blank(1, 1), 0, 0))), undefined);
});

test('greys and shrinks in one pass: block means of BT.601 luma', (t) => {
  // 4×2 pixels, factor 2: two blocks of pure red and white over pure green and black.
  const data = new Uint8ClampedArray([
    ...[255, 0, 0, 255, 255, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255],
    ...[0, 255, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255],
  ]);
  const grey = greyFrame({ data, width: 4, height: 2 }, 2);
  t.deepEqual(grey, {
    // (2·77 + 2·150)·255 / (4·256) = 113.06 and 2·256·255 / (4·256) = 127.5, rounded half up.
    data: new Uint8Array([113, 128]),
    width: 2,
    height: 1,
  });
  // Bytes off a 4-byte boundary are read one by one, to the same result.
  const frame = rgba(d.noise(d.blank(30, 20, 128), 60));
  const shifted = new Uint8Array(frame.data.length + 1).subarray(1);
  shifted.set(frame.data);
  for (const factor of [2, 3]) {
    const unaligned = greyFrame({ ...frame, data: shifted }, factor);
    t.deepEqual(unaligned, greyFrame(frame, factor), `factor ${factor}`);
  }
  // A side shorter than the factor is averaged whole rather than read past.
  const thin = greyFrame({ data: new Uint8ClampedArray(4 * 5).fill(255), width: 1, height: 5 }, 3);
  t.deepEqual(thin, { data: new Uint8Array([255]), width: 1, height: 1 });
});

test('hands the decoder the shrunk frame, both ways up, and wants one code', (t) => {
  const attempts: string[] = [];
  const decoder: QrDecoder = {
    decode(image, attempt) {
      attempts.push(`${image.width}×${image.height}${attempt.inverted ? ' inverted' : ''}`);
      return undefined;
    },
  };
  t.is(decodeFrame(rgba(d.blank(1280, 720)), { decoder }), undefined);
  t.deepEqual(attempts, ['640×360', '640×360 inverted']);
  attempts.length = 0;
  t.is(decodeFrame(rgba(d.blank(1280, 720)), { decoder, side: 320 }), undefined);
  t.deepEqual(attempts, ['320×180', '320×180 inverted']);

  let calls = 0;
  const finds: QrDecoder = {
    decode() {
      calls++;
      return {
        text: `code ${calls}`,
        corners: [
          { x: 0, y: 0 },
          { x: 100, y: 0 },
          { x: 100, y: 100 },
          { x: 0, y: 100 },
        ],
      };
    },
  };
  t.is(decodeFrame(rgba(d.blank(1280, 720)), { decoder: finds }), 'code 1');
  t.is(calls, 1, 'no search for a second code');
});

test('refuses a malformed frame or options with a TypeError', (t) => {
  const wrong: unknown[] = [
    undefined,
    null,
    {},
    { data: [0, 0, 0, 255], width: 1, height: 1 },
    { data: new Uint16Array(4), width: 1, height: 1 },
    { data: new Uint8ClampedArray(3), width: 1, height: 1 },
    { data: new Uint8ClampedArray(16), width: 2, height: 1 },
    { data: new Uint8ClampedArray(0), width: 0, height: 0 },
    { data: new Uint8ClampedArray(8), width: 1.5, height: 1 },
    { data: new Uint8ClampedArray(4), width: 1e5, height: 1e5 },
  ];
  for (const frame of wrong) {
    t.throws(() => decodeFrame(frame as RgbaFrame), { instanceOf: TypeError });
  }
  const frame = rgba(d.blank(64, 64));
  for (const side of [0, 16, 640.5, 1e6, Number.NaN]) {
    t.throws(() => decodeFrame(frame, { side }), { instanceOf: TypeError });
  }
  t.throws(() => decodeFrame(frame, { decoder: {} as QrDecoder }), { instanceOf: TypeError });
});
