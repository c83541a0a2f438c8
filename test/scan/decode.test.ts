// The photo decoder reads a challenge back from pictures a phone or a screenshot would give: each
// test image is a real challenge's QR code put through the transforms of distort.ts (seeded, so
// every run sees the same pixels). Known limits are `test.failing`: ava says so if one starts
// passing.

import test from 'ava';
import { decodeQrCodes, PHOTO_PASSES } from '../../src/scan/decode.ts';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import type { QrDecoder } from '../../src/scan/qr-decoder.ts';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

const CHALLENGE = CODES.challenge;
const code = (scale?: number) => d.qrImage(CHALLENGE, scale === undefined ? {} : { scale });

const readable: readonly [string, () => Promise<GreyImage>][] = [
  ['a clean code', async () => code()],
  ['a code photographed at an angle', async () => d.photo(await code())],
  ['a code rotated by 17 degrees', async () => d.rotate(await code(), 17)],
  ['a photographed code turned by 133 degrees', async () => d.photo(d.rotate(await code(), 133))],
  [
    'a code under strong perspective',
    async () =>
      d.perspective(
        await code(),
        [
          { x: 0.25, y: 0.15 },
          { x: 0.8, y: 0.3 },
          { x: 0.75, y: 0.7 },
          { x: 0.3, y: 0.9 },
        ],
        1280,
        720,
        220,
      ),
  ],
  ['a code seen almost edge-on', async () => d.edgeOn(await code())],
  ['a code on a screen lying on a desk', async () => d.onDesk(await code())],
  ['a code slightly out of focus', async () => d.blur(d.photo(await code()), 3)],
  ['a code badly out of focus', async () => d.blur(d.photo(await code()), 5)],
  ['a code smeared by a moving hand', async () => d.motionBlur(d.photo(await code()), 14, 20)],
  ['a code in a very noisy photo', async () => d.noise(d.photo(await code()), 50)],
  ['a code in low light', async () => d.noise(d.darken(d.photo(await code()), 2, 14), 1)],
  [
    'a code on a dim, washed-out screen',
    async () => d.noise(d.darken(d.photo(await code()), 100, 130), 2),
  ],
  ['a code under a glare', async () => d.glare(d.photo(await code()), 0.45, 0.4, 0.1, 0.93)],
  [
    'a code under a near-white glare',
    async () => d.glare(d.photo(await code()), 0.5, 0.45, 0.12, 0.97),
  ],
  ['a code shaded from one side', async () => d.shade(d.photo(await code()), 1, 0.05)],
  ['a dark-mode (inverted) code', async () => d.invert(await code())],
  ['a photographed dark-mode code', async () => d.noise(d.invert(d.photo(await code())), 8)],
  [
    'a dim, blurred, dark-mode code',
    async () => d.noise(d.blur(d.darken(d.invert(d.photo(await code())), 5, 40), 2), 3),
  ],
  ['a small code in a busy 1280×720 screenshot', async () => d.screenshot(await code(3), 900, 400)],
  ['a tiny code in a busy 1280×720 screenshot', async () => d.screenshot(await code(2), 900, 400)],
  [
    'a code in a JPEG at quality 5',
    async () => d.jpegRecode(d.noise(d.photo(await code()), 10), 5),
  ],
  ['a code through moiré', async () => d.moire(d.photo(await code()), 5, 80, 0.8)],
  [
    'a tilted, blurred, glaring, noisy code in a JPEG at quality 20',
    async () =>
      d.jpegRecode(
        d.noise(d.blur(d.glare(d.photo(d.rotate(await code(), 25)), 0.55, 0.5, 0.1, 0.5), 2), 12),
        20,
      ),
  ],
];

for (const [what, make] of readable) {
  test(`reads ${what}`, async (t) => {
    t.deepEqual(decodeQrCodes(await make()), [CHALLENGE]);
  });
}

// A smear of two modules averages away the pattern of alternate modules along it: the finder
// patterns no longer look like themselves, and there is nothing left to sharpen.
const beyond: readonly [string, () => Promise<GreyImage>][] = [
  ['a code smeared over two modules', async () => d.motionBlur(d.photo(await code()), 20, 20)],
];

for (const [what, make] of beyond) {
  test.failing(`does not read ${what} yet`, async (t) => {
    t.deepEqual(decodeQrCodes(await make()), [CHALLENGE]);
  });
}

test('finds nothing in a screenshot without a code', (t) => {
  t.deepEqual(decodeQrCodes(d.screenshot(d.blank(1, 1), 0, 0)), []);
});

test('finds nothing in a blank or noisy picture', (t) => {
  t.deepEqual(decodeQrCodes(d.blank(640, 480)), []);
  t.deepEqual(decodeQrCodes(d.noise(d.blank(640, 480, 128), 40)), []);
});

test('finds every code in a picture holding two, and each only once', async (t) => {
  const picture = d.sideBySide([
    await code(),
    d.rotate(await d.qrImage(CODES.deactivation, { scale: 3 }), 30),
  ]);
  t.deepEqual(decodeQrCodes(picture), [CHALLENGE, CODES.deactivation]);

  const twice = d.sideBySide([await code(), await code(4)]);
  t.deepEqual(decodeQrCodes(twice), [CHALLENGE]);
});

test('finds a response and its challenge photographed together', async (t) => {
  const picture = d.noise(
    d.sideBySide([await d.qrImage(CODES.combinedResponse, { scale: 4 }), await code(5)]),
    6,
  );
  t.deepEqual(decodeQrCodes(picture).sort(), [CODES.combinedResponse, CHALLENGE].sort());
});

test('stops after maxCodes codes', async (t) => {
  const picture = d.sideBySide([await code(), await d.qrImage(CODES.deactivation)]);
  t.is(decodeQrCodes(picture, { maxCodes: 1 }).length, 1);
  t.is(decodeQrCodes(picture, { maxCodes: 2 }).length, 2);
});

test("leaves the caller's image as it was", async (t) => {
  const picture = d.sideBySide([await code(), await d.qrImage(CODES.deactivation)]);
  const before = picture.data.slice();
  decodeQrCodes(picture);
  t.deepEqual(picture.data, before);
});

test('uses the decoder it is given, once per distinct pass, cheapest first', (t) => {
  const attempts: string[] = [];
  const decoder: QrDecoder = {
    decode(image, attempt) {
      attempts.push(`${image.width}${attempt.inverted ? ' inverted' : ''}`);
      return undefined;
    },
  };
  t.deepEqual(decodeQrCodes(d.blank(1280, 720), { decoder }), []);
  // ~1000 and ~1600 px both read a 1280-px image whole: that attempt is made once.
  t.deepEqual(attempts, [
    '640',
    '640 inverted',
    '640',
    '640',
    '640 inverted',
    '426',
    '1280',
    '1280',
    '640',
    '426',
    '1280 inverted',
    '1280',
  ]);
  t.is(attempts.length, PHOTO_PASSES.length - 1);
});

test('skips an empty code and keeps looking', (t) => {
  let calls = 0;
  const decoder: QrDecoder = {
    decode() {
      calls++;
      return { text: calls === 1 ? '' : 'FOUND', corners: corners(0, 0, 100) };
    },
  };
  t.deepEqual(decodeQrCodes(d.blank(1280, 720), { decoder, maxCodes: 1 }), ['FOUND']);
});

test('takes its own list of passes, such as one cheap pass for a live camera', async (t) => {
  const camera = [{ side: 640, preparation: 'plain' }] as const;
  t.deepEqual(decodeQrCodes(d.photo(await code()), { passes: camera }), [CHALLENGE]);
  t.deepEqual(decodeQrCodes(d.invert(await code()), { passes: camera }), []);
});

test('refuses a malformed image or options with a TypeError', (t) => {
  const image = d.blank(10, 10);
  const wrong: unknown[] = [
    null,
    {},
    { data: [0, 0, 0, 0], width: 2, height: 2 },
    { data: new Uint8Array(3), width: 2, height: 2 },
    { data: new Uint8Array(0), width: 0, height: 0 },
    { data: new Uint8Array(4), width: 2.5, height: 2 },
  ];
  for (const value of wrong) {
    t.throws(() => decodeQrCodes(value as GreyImage), { instanceOf: TypeError });
  }
  for (const maxCodes of [0, 17, 1.5, Number.NaN]) {
    t.throws(() => decodeQrCodes(image, { maxCodes }), { instanceOf: TypeError });
  }
  for (const passes of [
    [],
    [{ side: 0, preparation: 'plain' }],
    [{ side: 640, preparation: 'x' }],
  ]) {
    t.throws(() => decodeQrCodes(image, { passes: passes as never }), { instanceOf: TypeError });
  }
});

function corners(x: number, y: number, size: number) {
  return [
    { x, y },
    { x: x + size, y },
    { x: x + size, y: y + size },
    { x, y: y + size },
  ] as const;
}
