// Pixel operations that turn a photo into something a QR decoder reads more easily: area-averaged
// downscaling, smoothing away speckle, local contrast stretching, sharpening, and painting over a
// code already found.

import { binarize, JSQR_FLAT_LIMIT } from './binarize.ts';
import { type GreyImage, LITTLE_ENDIAN } from './grey-image.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * Shrinks the image by the whole factor that brings its longest side closest to `side` (never
 * enlarging), averaging each factor×factor block into one pixel. Averaging, unlike sampling,
 * keeps thin QR modules and turns sensor noise, JPEG blocks and moiré into grey instead of
 * speckle; a whole factor keeps it exact and fast. Up to factor-1 edge pixels are dropped; a side
 * shorter than the factor is averaged whole.
 */
export function downscale(image: GreyImage, side: number): GreyImage {
  const { width, height, data } = image;
  const factor = downscaleFactor(image, side);
  if (factor === 1) return image;
  const bw = Math.min(factor, width);
  const bh = Math.min(factor, height);
  const w = Math.floor(width / bw);
  const h = Math.floor(height / bh);
  if (bw === 2 && bh === 2) return halve(image);
  const out = new Uint8Array(w * h);
  const area = bw * bh;
  const half = area >> 1;
  // Row by row through the source, each block's sum gathered in `sums`: memory read in order.
  const sums = new Uint32Array(w);
  for (let y = 0; y < h; y++) {
    sums.fill(0);
    for (let row = y * bh, end = row + bh; row < end; row++) {
      let i = row * width;
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let k = 0; k < bw; k++) sum += data[i++]!;
        sums[x]! += sum;
      }
    }
    for (let x = 0, o = y * w; x < w; x++, o++) out[o] = ((sums[x]! + half) / area) | 0;
  }
  return { data: out, width: w, height: h };
}

const LOW_BYTES = 0x00ff00ff;

/**
 * `downscale` by 2, the usual case (1280×720 to 640×360). Four pixels of a row come in one 32-bit
 * read, and both pairs are summed at once in the two 16-bit halves of a word (no carry crosses:
 * four pixels sum to at most 1020); the plain loop does rows that do not start on a 4-byte
 * boundary, and the last odd pixels.
 */
function halve(image: GreyImage): GreyImage {
  const { width, height, data } = image;
  const w = width >> 1;
  const h = height >> 1;
  const out = new Uint8Array(w * h);
  const aligned = LITTLE_ENDIAN && width % 4 === 0 && data.byteOffset % 4 === 0;
  const words = aligned
    ? new Uint32Array(data.buffer, data.byteOffset, (width * height) >> 2)
    : undefined;
  for (let y = 0, o = 0; y < h; y++) {
    let x = 0;
    if (words !== undefined) {
      const quads = width >> 2;
      for (let top = (2 * y * width) >> 2, bottom = top + quads, q = 0; q < quads; q++, x += 2) {
        const a = words[top++]!;
        const b = words[bottom++]!;
        // [p0 + p1 + q0 + q1, p2 + p3 + q2 + q3] in the low and high halves.
        const sums =
          (a & LOW_BYTES) + ((a >>> 8) & LOW_BYTES) + (b & LOW_BYTES) + ((b >>> 8) & LOW_BYTES);
        out[o++] = ((sums & 0xffff) + 2) >> 2;
        out[o++] = ((sums >>> 16) + 2) >> 2;
      }
    }
    for (let top = 2 * y * width + 2 * x, bottom = top + width; x < w; x++, o++) {
      out[o] = (data[top++]! + data[top++]! + data[bottom++]! + data[bottom++]! + 2) >> 2;
    }
  }
  return { data: out, width: w, height: h };
}

/** The whole factor `downscale` shrinks by for `side`. */
export function downscaleFactor(image: { width: number; height: number }, side: number): number {
  return Math.max(1, Math.round(Math.max(image.width, image.height) / side));
}

/**
 * The share of neighbouring pixel pairs in a row that differ: ~0.01–0.05 for photos and
 * screenshots. Every fourth row is counted: speckle covers the picture, so a sample says as much.
 */
function transitions(binary: GreyImage): number {
  const { width, height, data } = binary;
  let count = 0;
  let rows = 0;
  for (let y = 0; y < height; y += 4, rows++) {
    for (let i = y * width + 1, end = (y + 1) * width; i < end; i++) {
      if (data[i] !== data[i - 1]) count++;
    }
  }
  return count / (width * rows);
}

/** Beyond this share of transitions a binarized image is speckle, not shapes. */
const MAX_TRANSITIONS = 0.08;
const MAX_SMOOTHING_ROUNDS = 3;

/** An image smoothed by `denoise`, and its binarization as jsQR sees it. */
export interface Denoised {
  readonly image: GreyImage;
  /** binarize(image, JSQR_FLAT_LIMIT), when denoise computed it (all but after its last round). */
  readonly binary: GreyImage | undefined;
}

/**
 * Smooths an image until jsQR's binarization of it stops being speckle. Sensor noise, JPEG blocks
 * and moiré binarize into thousands of specks, and jsQR takes every speck for a possible
 * alignment pattern: seconds of work on one photo, for nothing. A code's modules cover several
 * pixels, so a 3×3 box blur (up to three times) leaves them readable. Clean images are returned
 * as they are. The binarization that judged the result is returned with it: the decoder's
 * finder-pattern check needs the same one.
 */
export function denoiseWithBinary(image: GreyImage): Denoised {
  let current = image;
  for (let round = 0; round < MAX_SMOOTHING_ROUNDS; round++) {
    const binary = binarize(current, JSQR_FLAT_LIMIT);
    if (transitions(binary) <= MAX_TRANSITIONS) return { image: current, binary };
    current = smooth(current);
  }
  return { image: current, binary: undefined };
}

/** `denoiseWithBinary`'s image alone. */
export function denoise(image: GreyImage): GreyImage {
  return denoiseWithBinary(image).image;
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

/** The convex polygon `corners` grown by `margin` of its size around its centre. */
function grow(corners: readonly Point[], margin: number): Point[] {
  const cx = corners.reduce((s, p) => s + p.x, 0) / corners.length;
  const cy = corners.reduce((s, p) => s + p.y, 0) / corners.length;
  return corners.map((p) => ({
    x: cx + (p.x - cx) * (1 + margin),
    y: cy + (p.y - cy) * (1 + margin),
  }));
}

/** Where the row of pixel centres at `mid` crosses the convex polygon: [left, right], if it does. */
function spanAt(polygon: readonly Point[], mid: number): [number, number] | undefined {
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i]!;
    const b = polygon[(i + 1) % polygon.length]!;
    if ((a.y <= mid && b.y > mid) || (b.y <= mid && a.y > mid)) {
      const x = a.x + ((mid - a.y) * (b.x - a.x)) / (b.y - a.y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  return left > right ? undefined : [left, right];
}

/** Code corners are grown by this share of their size: the quiet zone and a misplaced corner. */
const QUAD_MARGIN = 0.15;

/**
 * Paints the convex quadrilateral `corners` (grown by `margin` of its size around its centre) with
 * `value`, in place, so the decoder's next search skips a code it has already read.
 */
export function fillQuad(
  image: { readonly data: Uint8Array; readonly width: number; readonly height: number },
  corners: readonly Point[],
  value: number,
  margin = QUAD_MARGIN,
): void {
  const grown = grow(corners, margin);
  // Scanline fill: on each row, the span between the leftmost and rightmost edge crossings.
  const ys = grown.map((p) => p.y);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(image.height - 1, Math.ceil(Math.max(...ys)));
  for (let y = y0; y <= y1; y++) {
    const span = spanAt(grown, y + 0.5);
    if (span === undefined) continue;
    const from = Math.max(0, Math.ceil(span[0] - 0.5));
    const to = Math.min(image.width - 1, Math.floor(span[1] - 0.5));
    if (from <= to) image.data.fill(value, y * image.width + from, y * image.width + to + 1);
  }
}

/** Whether `point` lies in what `fillQuad(image, corners, value, margin)` paints. */
export function insideQuad(corners: readonly Point[], point: Point, margin = QUAD_MARGIN): boolean {
  const span = spanAt(grow(corners, margin), point.y);
  return span !== undefined && point.x >= span[0] && point.x <= span[1];
}
