// Black and white from grey, for the decoder: ZXing's hybrid binarizer (a threshold per 8×8 block
// from the 5×5 blocks around it), with one change. ZXing and jsQR call a block flat, and copy its
// colour from its neighbours, when it spans 24 grey levels or fewer; here the limit follows the
// picture's own contrast, so a dim code is not flattened away and the texture of a bright, noisy
// background is not turned into thousands of speckles the decoder then takes for patterns.

import type { GreyImage } from './grey-image.ts';

const BLOCK = 8;
/** A block is flat below this share of the picture's strong contrast (the 90th percentile range). */
const FLAT_SHARE = 0.3;
const MIN_FLAT_LIMIT = 6;
/** ... and above this multiple of the range a quarter of all blocks stay within (their noise). */
const NOISE_FLOOR_FACTOR = 1.5;

/** jsQR's own flat limit, to see an image as jsQR will. */
export const JSQR_FLAT_LIMIT = 24;

/**
 * 0 (black) or 255 (white) per pixel. A picture with no contrast at all comes back white.
 * `flatLimit` replaces the adaptive limit (JSQR_FLAT_LIMIT binarizes exactly as jsQR does).
 */
export function binarize(image: GreyImage, flatLimit?: number): GreyImage {
  const { width, height, data } = image;
  const bw = Math.ceil(width / BLOCK);
  const bh = Math.ceil(height / BLOCK);
  const blocks = bw * bh;
  const min = new Uint8Array(blocks);
  const max = new Uint8Array(blocks);
  const sum = new Uint32Array(blocks);
  for (let by = 0, b = 0; by < bh; by++) {
    const y1 = Math.min(height, (by + 1) * BLOCK);
    for (let bx = 0; bx < bw; bx++, b++) {
      const x0 = bx * BLOCK;
      const x1 = Math.min(width, x0 + BLOCK);
      let lo = 255;
      let hi = 0;
      let total = 0;
      for (let y = by * BLOCK; y < y1; y++) {
        for (let i = y * width + x0, end = y * width + x1; i < end; i++) {
          const v = data[i]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          total += v;
        }
      }
      min[b] = lo;
      max[b] = hi;
      sum[b] = total;
    }
  }

  const ranges = new Uint32Array(256);
  for (let b = 0; b < blocks; b++) ranges[max[b]! - min[b]!]!++;
  const strong = percentile(ranges, blocks, 0.9);
  const floor = percentile(ranges, blocks, 0.25);
  const out = new Uint8Array(width * height);
  if (flatLimit === undefined && strong < MIN_FLAT_LIMIT * 2) {
    return { data: out.fill(255), width, height };
  }
  // Flat: below a share of the strong contrast (a dim code keeps its blocks), and above the
  // noise floor most blocks show (a noisy background does not turn into specks).
  const limit =
    flatLimit ?? Math.max(MIN_FLAT_LIMIT, strong * FLAT_SHARE, floor * NOISE_FLOOR_FACTOR);

  const black = new Float32Array(blocks);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const b = by * bw + bx;
      const count =
        (Math.min(BLOCK, width - bx * BLOCK) * Math.min(BLOCK, height - by * BLOCK)) | 0;
      let point = sum[b]! / count;
      if (max[b]! - min[b]! <= limit) {
        // A flat block is all light or all dark: light unless darker than its neighbours' black
        // points (ZXing's rule: a code is surrounded by light, estimated before its interior).
        point = min[b]! / 2;
        if (by > 0 && bx > 0) {
          const around = (black[b - bw]! + 2 * black[b - 1]! + black[b - bw - 1]!) / 4;
          if (min[b]! < around) point = around;
        }
      }
      black[b] = point;
    }
  }

  for (let by = 0; by < bh; by++) {
    const top = Math.min(Math.max(by, 2), Math.max(bh - 3, 2));
    for (let bx = 0; bx < bw; bx++) {
      const left = Math.min(Math.max(bx, 2), Math.max(bw - 3, 2));
      let total = 0;
      let n = 0;
      for (let dy = -2; dy <= 2; dy++) {
        const yy = top + dy;
        if (yy < 0 || yy >= bh) continue;
        for (let dx = -2; dx <= 2; dx++) {
          const xx = left + dx;
          if (xx < 0 || xx >= bw) continue;
          total += black[yy * bw + xx]!;
          n++;
        }
      }
      // Grey levels are whole: at or below the threshold is at or below its floor. Branch-free
      // (the sign of floor - v picks 0 or 255): on speckle a branch is mispredicted half the time.
      const threshold = Math.floor(total / n);
      const y1 = Math.min(height, (by + 1) * BLOCK);
      const x1 = Math.min(width, (bx + 1) * BLOCK);
      for (let y = by * BLOCK; y < y1; y++) {
        for (let i = y * width + bx * BLOCK, end = y * width + x1; i < end; i++) {
          out[i] = ((threshold - data[i]!) >> 31) & 255;
        }
      }
    }
  }
  return { data: out, width, height };
}

/** The smallest range that at least `share` of the blocks stay within, from a histogram. */
function percentile(histogram: Uint32Array, total: number, share: number): number {
  let seen = 0;
  for (let r = 0; r < histogram.length; r++) {
    seen += histogram[r]!;
    if (seen >= total * share) return r;
  }
  return histogram.length - 1;
}
