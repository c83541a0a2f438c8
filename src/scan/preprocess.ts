// Pixel operations that turn a photo into something a QR decoder reads more easily: area-averaged
// downscaling, smoothing away speckle, local contrast stretching, sharpening, and painting over a
// code already found.

import { binarize, JSQR_FLAT_LIMIT } from './binarize.ts';
import type { GreyImage } from './grey-image.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * Shrinks the image by the whole factor that brings its longest side closest to `side` (never
 * enlarging), averaging each factor×factor block into one pixel. Averaging, unlike sampling,
 * keeps thin QR modules and turns sensor noise, JPEG blocks and moiré into grey instead of
 * speckle; a whole factor keeps it exact and fast. Up to factor-1 edge pixels are dropped.
 */
export function downscale(image: GreyImage, side: number): GreyImage {
  const { width, height, data } = image;
  const factor = downscaleFactor(image, side);
  if (factor === 1) return image;
  const w = Math.max(1, Math.floor(width / factor));
  const h = Math.max(1, Math.floor(height / factor));
  const out = new Uint8Array(w * h);
  const area = factor * factor;
  const half = area >> 1;
  for (let y = 0; y < h; y++) {
    const top = y * factor * width;
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let row = top + x * factor, dy = 0; dy < factor; dy++, row += width) {
        for (let k = row, end = row + factor; k < end; k++) sum += data[k]!;
      }
      out[y * w + x] = ((sum + half) / area) | 0;
    }
  }
  return { data: out, width: w, height: h };
}

/** The whole factor `downscale` shrinks by for `side`. */
export function downscaleFactor(image: { width: number; height: number }, side: number): number {
  return Math.max(1, Math.round(Math.max(image.width, image.height) / side));
}

/** The share of neighbouring pixel pairs in a row that differ: ~0.01–0.05 for photos and screenshots. */
function transitions(binary: GreyImage): number {
  const { width, height, data } = binary;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let i = y * width + 1, end = (y + 1) * width; i < end; i++) {
      if (data[i] !== data[i - 1]) count++;
    }
  }
  return count / (width * height);
}

/** Beyond this share of transitions a binarized image is speckle, not shapes. */
const MAX_TRANSITIONS = 0.08;
const MAX_SMOOTHING_ROUNDS = 3;

/**
 * Smooths an image until jsQR's binarization of it stops being speckle. Sensor noise, JPEG blocks
 * and moiré binarize into thousands of specks, and jsQR takes every speck for a possible
 * alignment pattern: seconds of work on one photo, for nothing. A code's modules cover several
 * pixels, so a 3×3 box blur (up to three times) leaves them readable. Clean images are returned
 * as they are.
 */
export function denoise(image: GreyImage): GreyImage {
  let current = image;
  for (let round = 0; round < MAX_SMOOTHING_ROUNDS; round++) {
    if (transitions(binarize(current, JSQR_FLAT_LIMIT)) <= MAX_TRANSITIONS) break;
    current = smooth(current);
  }
  return current;
}

/** A 3×3 box blur in integers (edges clamped). */
function smooth(image: GreyImage): GreyImage {
  const { width, height, data } = image;
  const rows = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      rows[i] = data[x > 0 ? i - 1 : i]! + data[i]! + data[x < width - 1 ? i + 1 : i]!;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const up = y > 0 ? -width : 0;
    const down = y < height - 1 ? width : 0;
    for (let i = y * width, end = i + width; i < end; i++) {
      out[i] = (rows[i + up]! + rows[i]! + rows[i + down]! + 4) / 9;
    }
  }
  return { data: out, width, height };
}

/**
 * Local contrast stretch: every pixel is mapped from its neighbourhood's darkest..brightest range
 * to 0..255. Low light, glare and shadows leave the code with only a few grey levels of contrast,
 * below what a binarizer accepts as signal (jsQR ignores blocks spanning 24 levels or fewer).
 * `block` is the neighbourhood's tile size; ranges under `minRange` (flat areas) are not amplified.
 */
export function stretchContrast(image: GreyImage, block = 16, minRange = 6): GreyImage {
  const { width, height, data } = image;
  const bw = Math.ceil(width / block);
  const bh = Math.ceil(height / block);
  const lo = new Uint8Array(bw * bh).fill(255);
  const hi = new Uint8Array(bw * bh);
  for (let y = 0; y < height; y++) {
    const row = ((y / block) | 0) * bw;
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!;
      const b = row + ((x / block) | 0);
      if (v < lo[b]!) lo[b] = v;
      if (v > hi[b]!) hi[b] = v;
    }
  }
  // Each tile's range is widened to its 3×3 neighbours, so a module on a tile edge sees both
  // colours and neighbouring tiles agree on nearly the same mapping.
  const lo3 = new Uint8Array(bw * bh);
  const hi3 = new Uint8Array(bw * bh);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let l = 255;
      let h = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = by + dy;
        if (yy < 0 || yy >= bh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = bx + dx;
          if (xx < 0 || xx >= bw) continue;
          l = Math.min(l, lo[yy * bw + xx]!);
          h = Math.max(h, hi[yy * bw + xx]!);
        }
      }
      lo3[by * bw + bx] = l;
      hi3[by * bw + bx] = Math.max(h, l + minRange);
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = ((y / block) | 0) * bw;
    for (let x = 0; x < width; x++) {
      const b = row + ((x / block) | 0);
      const l = lo3[b]!;
      const v = ((data[y * width + x]! - l) * 255) / (hi3[b]! - l);
      out[y * width + x] = v > 255 ? 255 : v;
    }
  }
  return { data: out, width, height };
}

/** Unsharp mask: the image plus `amount` times its difference from a (2r+1)² box blur. */
export function sharpen(image: GreyImage, radius = 1, amount = 1.5): GreyImage {
  const { width, height, data } = image;
  const blurred = boxBlur(image, radius);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const v = data[i]! + amount * (data[i]! - blurred[i]!);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { data: out, width, height };
}

/** Separable box blur with clamped edges, through a running sum per row and per column. */
function boxBlur(image: GreyImage, radius: number): Float32Array {
  const { width, height, data } = image;
  const size = 2 * radius + 1;
  const tmp = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += data[row + clamp(k, width)]!;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = sum / size;
      sum += data[row + clamp(x + radius + 1, width)]! - data[row + clamp(x - radius, width)]!;
    }
  }
  const out = new Float32Array(width * height);
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += tmp[clamp(k, height) * width + x]!;
    for (let y = 0; y < height; y++) {
      out[y * width + x] = sum / size;
      sum +=
        tmp[clamp(y + radius + 1, height) * width + x]! -
        tmp[clamp(y - radius, height) * width + x]!;
    }
  }
  return out;
}

function clamp(i: number, length: number): number {
  return i < 0 ? 0 : i >= length ? length - 1 : i;
}

/**
 * Paints the convex quadrilateral `corners` (grown by `margin` of its size around its centre) with
 * `value`, in place, so the decoder's next search skips a code it has already read.
 */
export function fillQuad(
  image: { readonly data: Uint8Array; readonly width: number; readonly height: number },
  corners: readonly Point[],
  value: number,
  margin = 0.15,
): void {
  const cx = corners.reduce((s, p) => s + p.x, 0) / corners.length;
  const cy = corners.reduce((s, p) => s + p.y, 0) / corners.length;
  const grown = corners.map((p) => ({
    x: cx + (p.x - cx) * (1 + margin),
    y: cy + (p.y - cy) * (1 + margin),
  }));
  // Scanline fill: on each row, the span between the leftmost and rightmost edge crossings.
  const ys = grown.map((p) => p.y);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(image.height - 1, Math.ceil(Math.max(...ys)));
  for (let y = y0; y <= y1; y++) {
    const mid = y + 0.5;
    let left = Infinity;
    let right = -Infinity;
    for (let i = 0; i < grown.length; i++) {
      const a = grown[i]!;
      const b = grown[(i + 1) % grown.length]!;
      if ((a.y <= mid && b.y > mid) || (b.y <= mid && a.y > mid)) {
        const x = a.x + ((mid - a.y) * (b.x - a.x)) / (b.y - a.y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    if (left > right) continue;
    const from = Math.max(0, Math.ceil(left - 0.5));
    const to = Math.min(image.width - 1, Math.floor(right - 0.5));
    if (from <= to) image.data.fill(value, y * image.width + from, y * image.width + to + 1);
  }
}
