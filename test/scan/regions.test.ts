// Where codes are: three finder patterns in an L give a box, its corner pattern first and the
// other two clockwise, arms counted in modules measured along them so perspective keeps the L;
// chance shapes in text score worse than the decoder accepts.

import test from 'ava';
import { binarize, JSQR_FLAT_LIMIT } from '../../src/scan/binarize.ts';
import { type Finders, findFinderPatterns } from '../../src/scan/finder.ts';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import { MAX_REGION_SCORE } from '../../src/scan/qr-decoder.ts';
import { codeRegions } from '../../src/scan/regions.ts';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

function findersOf(image: GreyImage, inverted = false): Finders {
  const binary = binarize(image, JSQR_FLAT_LIMIT);
  return { binary, inverted, patterns: findFinderPatterns(binary, inverted) };
}

test('puts a box around each of two codes side by side', async (t) => {
  const left = await d.qrImage(CODES.challenge);
  const right = await d.qrImage(CODES.deactivation);
  const boxes = codeRegions(findersOf(d.sideBySide([left, right])));
  // sideBySide puts the codes 40 px from the edges and 40 px apart.
  const holds = (x: number, width: number) =>
    boxes.some((b) => b.x <= x + 24 && b.x + b.width >= x + width - 24);
  t.true(holds(40, left.width), JSON.stringify(boxes));
  t.true(holds(80 + left.width, right.width), JSON.stringify(boxes));
});

test('names the corner pattern first and the other two clockwise, however the code is turned', async (t) => {
  const code = await d.qrImage(CODES.challenge);
  for (const degrees of [0, 33, 90, 180, 270]) {
    const [best] = codeRegions(findersOf(d.rotate(code, degrees)));
    const [a, b, c] = best!.finders;
    // y grows downwards: clockwise on screen is a positive cross product of the arms.
    t.true((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) > 0, `${degrees}°`);
    t.true(best!.score < 0.5, `${degrees}°: score ${best!.score}`);
  }
});

test('keeps the L of a code under strong perspective, its arms counted in modules', async (t) => {
  const code = await d.qrImage(CODES.challenge);
  const below = d.onDesk(code);
  const [best] = codeRegions(findersOf(below));
  t.true(best!.score < MAX_REGION_SCORE, `score ${best!.score}`);
  // The near arm is longer in pixels, and so are its modules.
  const [atCorner, atRight, , atBelow] = best!.modules;
  t.true(atBelow > 1.5 * atCorner && Math.abs(atRight - atCorner) < 1, `${best!.modules}`);
});

test('scores the chance shapes of busy screenshots worse than the decoder accepts', (t) => {
  for (const seed of [11, 22, 33, 44]) {
    const screenshot = d.screenshot(d.blank(1, 1), 0, 0, 1280, 720, seed);
    for (const inverted of [false, true]) {
      const [best] = codeRegions(findersOf(screenshot, inverted));
      t.true(best === undefined || best.score > MAX_REGION_SCORE, `seed ${seed}, ${inverted}`);
    }
  }
});
