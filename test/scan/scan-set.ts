// The kept set of photographed and distorted QR images (test/scan/set/, written by
// scripts/make-scan-set.ts): its manifest, and the images read from it, for the set's test and the
// scanning benchmarks.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { sniffImageFormat } from '../../src/scan/image.ts';

export const SET_DIRECTORY = join(import.meta.dirname, 'set');

export type Category =
  | 'perspective'
  | 'rotation'
  | 'blur'
  | 'motion'
  | 'glare'
  | 'low-light'
  | 'noise'
  | 'moire'
  | 'jpeg'
  | 'dark-mode'
  | 'screenshot';

export interface ManifestEntry {
  /** The file's name in SET_DIRECTORY. */
  readonly file: string;
  readonly category: Category;
  /** What was done to the code, for a person reading the benchmark. */
  readonly description: string;
  /** The text a decoder must read. */
  readonly text: string;
}

export interface Manifest {
  readonly generator: string;
  readonly images: readonly ManifestEntry[];
}

export interface SetImage extends ManifestEntry {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(SET_DIRECTORY, 'manifest.json'), 'utf8')) as Manifest;
}

/** Every image of the set with its file's bytes, in the manifest's order. */
export function readScanSet(): SetImage[] {
  return readManifest().images.map((entry) => {
    const path = join(SET_DIRECTORY, entry.file);
    return { ...entry, path, bytes: new Uint8Array(readFileSync(path)) };
  });
}

/** An image file's own RGBA pixels, as a browser's canvas hands them to a decoder. */
export function rgbaOf(bytes: Uint8Array): Uint8ClampedArray {
  if (sniffImageFormat(bytes) === 'png') {
    return new Uint8ClampedArray(PNG.sync.read(Buffer.from(bytes)).data);
  }
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
}
