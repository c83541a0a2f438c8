// The helpers that make jsQR cheaper and surer: the binarizer whose flat limit follows the
// picture, the finder patterns that show where a code is (or that none is), and the size of a
// module measured along any line through one.

import test from 'ava';
import { binarize, JSQR_FLAT_LIMIT } from '../../src/scan/binarize.ts';
import { findFinderPatterns, moduleAlong } from '../../src/scan/finder.ts';
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

test('measures a module along any line through a finder pattern', async (t) => {
  const code = await d.qrImage(CODES.challenge); // 6 pixels a module
  const binary = binarize(code, JSQR_FLAT_LIMIT);
  const finders = { binary, inverted: false, patterns: findFinderPatterns(binary) };
  const corner = finders.patterns.reduce((p, q) => (p.x + p.y < q.x + q.y ? p : q));
  const across = moduleAlong(finders, corner, { x: corner.x + 100, y: corner.y });
  const diagonal = moduleAlong(finders, corner, { x: corner.x + 100, y: corner.y + 100 });
  t.true(Math.abs(across! - 6) < 0.5, `across: ${across}`);
  t.true(Math.abs(diagonal! - 6 * Math.SQRT2) < 1, `diagonally: ${diagonal}`);
  const nowhere = { ...corner, x: 2, y: 2 };
  t.is(moduleAlong(finders, nowhere, { x: 100, y: 2 }), undefined, 'not on a pattern');
});
