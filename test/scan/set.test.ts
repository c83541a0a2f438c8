// The kept set of photographed and distorted QR images (test/scan/set/, from
// scripts/make-scan-set.ts): its manifest matches its folder, and the photo decoder reads at least
// as many of its images as it did when the count below was recorded, so a regression fails here.

import { readdirSync } from 'node:fs';
import test from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import { scanImage } from '../../src/scan/scan-image.ts';
import { CODES } from './codes.ts';
import { type Category, readManifest, readScanSet, SET_DIRECTORY } from './scan-set.ts';

/** Raise this when the decoder reads more; `npm run bench -- scan` lists what it misses. */
const MIN_READ = 35;

const CATEGORIES: readonly Category[] = [
  'perspective',
  'rotation',
  'blur',
  'motion',
  'glare',
  'low-light',
  'noise',
  'moire',
  'jpeg',
  'dark-mode',
  'screenshot',
];

test('the manifest lists every image in the folder, each a challenge in a known category', (t) => {
  const { images } = readManifest();
  const files = readdirSync(SET_DIRECTORY).filter((name) => name !== 'manifest.json');
  t.deepEqual(images.map((image) => image.file).sort(), files.sort());
  t.true(images.length >= 30, `${images.length} images`);
  for (const image of images) {
    t.true(CATEGORIES.includes(image.category), image.file);
    t.true(image.description.length > 10, image.file);
    t.is(image.text, CODES.challenge, image.file);
  }
  t.deepEqual([...new Set(images.map((image) => image.category))].sort(), [...CATEGORIES].sort());
});

test(`the photo decoder reads at least ${MIN_READ} images of the set`, (t) => {
  const missed: string[] = [];
  const set = readScanSet();
  for (const image of set) {
    let texts: string[] = [];
    try {
      texts = scanImage(image.bytes).map((code) => code.text);
    } catch (error) {
      if (!(error instanceof AirlockError && error.code === 'CODE_EMPTY')) throw error;
    }
    // Exactly the expected text: a misread would be a second, wrong code.
    if (texts.length !== 1 || texts[0] !== image.text) missed.push(image.file);
  }
  const read = set.length - missed.length;
  t.log(`read ${read} of ${set.length}; missed ${missed.join(', ')}`);
  t.true(read >= MIN_READ, `read ${read} of ${set.length}, fewer than ${MIN_READ}`);
});
