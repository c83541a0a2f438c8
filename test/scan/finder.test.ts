// The helpers that make jsQR cheaper and surer: the binarizer whose flat limit follows the
// picture, the finder-pattern count that skips hopeless attempts, and the boxes around L-shaped
// threes that separate codes side by side.

import test from 'ava';
import { binarize, JSQR_FLAT_LIMIT } from '../../src/scan/binarize.ts';
import { codeRegions, findFinderPatterns } from '../../src/scan/finder.ts';
import { denoise } from '../../src/scan/preprocess.ts';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

function blackShare(image: d.GreyImage): number {
  return image.data.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / image.data.length;
}

test('binarizes a clean code as jsQR does, and a dim one where jsQR sees nothing', async (t) => {
  const code = await d.qrImage(CODES.challenge);
  t.deepEqual(binarize(code).data, binarize(code, JSQR_FLAT_LIMIT).data);
  t.deepEqual(binarize(code).data, code.data, 'black stays black and white stays white');

  // 20 grey levels of contrast: every block is "flat" at jsQR's fixed limit of 24.
  const dim = d.darken(code, 100, 120);
  t.is(blackShare(binarize(dim, JSQR_FLAT_LIMIT)), 0);
  t.true(blackShare(binarize(dim)) > 0.2, 'most modules kept');
});

test('binarizes a noisy wall to white, not to speckle', (t) => {
  const wall = d.noise(d.blank(320, 240, 200), 6);
  t.true(blackShare(binarize(wall, JSQR_FLAT_LIMIT)) > 0.1, 'jsQR would see speckle');
  t.true(blackShare(binarize(wall)) < 0.01);
  t.is(blackShare(binarize(d.blank(50, 50, 128))), 0, 'no contrast at all: white');
});

test('finds the three finder patterns of a code, turned or not, and none on a smoothed wall', async (t) => {
  const code = await d.qrImage(CODES.challenge);
  for (const degrees of [0, 20, 45]) {
    const patterns = findFinderPatterns(binarize(d.rotate(code, degrees), JSQR_FLAT_LIMIT));
    const strong = patterns.filter((p) => p.strength === 3);
    t.true(strong.length >= 3, `${degrees}°: ${strong.length} strong patterns`);
  }
  // A noisy wall binarizes to speckle full of chance patterns; smoothed first, it has none.
  const wall = d.noise(d.blank(320, 240, 200), 12);
  t.true(findFinderPatterns(binarize(wall, JSQR_FLAT_LIMIT)).length >= 3);
  t.is(findFinderPatterns(binarize(denoise(wall), JSQR_FLAT_LIMIT)).length, 0);
  t.true(findFinderPatterns(binarize(d.invert(code)), true).length >= 3, 'dark mode');
});

test('puts a box around each of two codes side by side', async (t) => {
  const left = await d.qrImage(CODES.challenge);
  const right = await d.qrImage(CODES.deactivation);
  const picture = d.sideBySide([left, right]);
  const boxes = codeRegions(
    findFinderPatterns(binarize(picture, JSQR_FLAT_LIMIT)),
    picture.width,
    picture.height,
  );
  // sideBySide puts the codes 40 px from the edges and 40 px apart.
  const holds = (x: number, width: number) =>
    boxes.some((b) => b.x <= x + 24 && b.x + b.width >= x + width - 24);
  t.true(holds(40, left.width), JSON.stringify(boxes));
  t.true(holds(80 + left.width, right.width), JSON.stringify(boxes));
});
