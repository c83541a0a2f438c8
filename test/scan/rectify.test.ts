// A code resampled upright from its three finder patterns: square on or at an angle, turned any
// way, it comes out square at three pixels a module and reads, never mirrored; a square that would
// reach beyond the horizon is refused.

import test from 'ava';
import { binarize, JSQR_FLAT_LIMIT } from '../../src/scan/binarize.ts';
import { findFinderPatterns } from '../../src/scan/finder.ts';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import { createJsqrDecoder } from '../../src/scan/qr-decoder.ts';
import { rectify } from '../../src/scan/rectify.ts';
import { type CodeRegion, codeRegions } from '../../src/scan/regions.ts';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

const CHALLENGE = CODES.challenge; // version 4: 33 modules, 26 between finder centres

function regionOf(image: GreyImage): CodeRegion {
  const binary = binarize(image, JSQR_FLAT_LIMIT);
  const [best] = codeRegions({ binary, inverted: false, patterns: findFinderPatterns(binary) });
  return best!;
}

const views: readonly [string, (code: GreyImage) => GreyImage][] = [
  ['square on', (code) => code],
  ['photographed', (code) => d.photo(code)],
  ['nearly edge-on', (code) => d.edgeOn(code)],
  ['on a desk, seen from the chair', (code) => d.onDesk(code)],
  ['turned by 90°', (code) => d.rotate(code, 90)],
  ['turned by 200°', (code) => d.photo(d.rotate(code, 200))],
  ['turned by 45°', (code) => d.rotate(code, 45)],
];

for (const [what, view] of views) {
  test(`turns a code ${what} upright, three pixels a module`, async (t) => {
    const image = view(await d.qrImage(CHALLENGE));
    const region = regionOf(image);
    const upright = rectify(image, region)!;
    // 26 modules between finder centres and 6.5 beyond each, at 3 pixels: 117 pixels.
    t.is(upright.image.width, upright.image.height);
    t.true(Math.abs(upright.image.width - 117) <= 8, `${upright.image.width} pixels`);
    t.is(createJsqrDecoder().decode(upright.image, { inverted: false })?.text, CHALLENGE);
    // The corner pattern's centre, 6.5 modules in from the top left, maps back onto it.
    const back = upright.toSource({ x: 19.5, y: 19.5 });
    const [corner] = region.finders;
    t.true(Math.hypot(back.x - corner.x, back.y - corner.y) < corner.size / 3, `${what}`);
  });
}

test('refuses a square that would reach beyond the horizon', async (t) => {
  const image = await d.qrImage(CHALLENGE);
  const region = regionOf(image);
  // Modules a hundred times smaller at the right end: w falls below zero before the far edge.
  t.is(rectify(image, { ...region, modules: [1, 100, 1, 1] }), undefined);
});
