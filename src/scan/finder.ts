// Finder patterns, the squares in three corners of every QR code, crossed by rows and columns whose
// runs go black, white, black ×3, white, black (1:1:3:1:1). Fewer than three: no code to read,
// known in a few milliseconds where a jsQR attempt costs ten times that. Three in the shape of an
// L: where a code may be.

import type { GreyImage } from './grey-image.ts';

interface Quad {
  startX: number;
  endX: number;
  readonly top: number;
  bottom: number;
}

/** Run lengths match 1:1:3:1:1 within jsQR's own tolerance (locator, "validFinderPattern"). */
function isFinderRun(a: number, b: number, c: number, d: number, e: number): boolean {
  const unit = (a + b + c + d + e) / 7;
  return (
    Math.abs(a - unit) < unit &&
    Math.abs(b - unit) < unit &&
    Math.abs(c - 3 * unit) < 3 * unit &&
    Math.abs(d - unit) < unit &&
    Math.abs(e - unit) < unit
  );
}

export interface FinderPattern {
  /** Centre, in pixels. */
  readonly x: number;
  readonly y: number;
  /** Width of the centre square (3 modules), in pixels. */
  readonly size: number;
  /** How many of the lines down and diagonally through the centre also cross it as a finder. */
  readonly strength: number;
}

/** The number of steps of (dx, dy) from (x, y) that stay `black` (or not), capped. */
function runLength(
  binary: GreyImage,
  x: number,
  y: number,
  dx: number,
  dy: number,
  black: boolean,
  ink: number,
  cap: number,
): number {
  const { width, height, data } = binary;
  let n = 0;
  for (; n < cap && x >= 0 && y >= 0 && x < width && y < height; n++, x += dx, y += dy) {
    if ((data[y * width + x] === ink) !== black) break;
  }
  return n;
}

const NEAR: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

// Down, and both diagonals: a finder turned by up to 45° still crosses one of them squarely.
const CROSSINGS: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 1],
  [1, -1],
];

/**
 * How many lines through (x, y), down and diagonal, cross black, white, black ×3, white, black
 * like a finder pattern, with a centre run close to the row's (`size` pixels): 0 to 3. A real
 * finder pattern not turned much crosses all three; chance patterns in data or text rarely do.
 */
function crossings(binary: GreyImage, x: number, y: number, size: number, ink: number): number {
  const cap = Math.ceil(size * 2) + 2;
  let best = 0;
  // From the centre's pixel or a neighbour: on small codes one pixel of jagged edge decides.
  for (const [ox, oy] of NEAR) {
    const cx = Math.round(x) + ox;
    const cy = Math.round(y) + oy;
    if (cx < 0 || cy < 0 || cx >= binary.width || cy >= binary.height) continue;
    if (binary.data[cy * binary.width + cx] !== ink) continue;
    let count = 0;
    for (const [dx, dy] of CROSSINGS) {
      const run = (fromX: number, fromY: number, sign: number, black: boolean): number =>
        runLength(binary, fromX, fromY, sign * dx, sign * dy, black, ink, cap);
      const up = run(cx, cy, -1, true);
      const down = run(cx, cy, 1, true);
      const whiteUp = run(cx - up * dx, cy - up * dy, -1, false);
      const whiteDown = run(cx + down * dx, cy + down * dy, 1, false);
      const blackUp = run(cx - (up + whiteUp) * dx, cy - (up + whiteUp) * dy, -1, true);
      const blackDown = run(cx + (down + whiteDown) * dx, cy + (down + whiteDown) * dy, 1, true);
      const centre = (up + down - 1) * Math.hypot(dx, dy);
      if (
        isFinderRun(blackUp, whiteUp, up + down - 1, whiteDown, blackDown) &&
        centre < 2 * size &&
        2 * centre > size
      ) {
        count++;
      }
    }
    best = Math.max(best, count);
    if (best === CROSSINGS.length) break;
  }
  return best;
}

const MIN_SIZE = 4;

function patternOf(
  binary: GreyImage,
  ink: number,
  quad: Quad,
  first: number,
  last: number,
): FinderPattern | undefined {
  const x = (first + last + quad.startX + quad.endX) / 4;
  const y = (quad.top + quad.bottom + 1) / 2;
  const size = (last - first + quad.endX - quad.startX) / 2;
  // Under 4 pixels (modules of 1⅓ pixels) no decoder reads the code, and random speckle is full
  // of 1:1:3:1:1 runs of single pixels.
  if (size < MIN_SIZE) return undefined;
  const strength = crossings(binary, x, y, size, ink);
  return strength > 0 ? { x, y, size, strength } : undefined;
}

/**
 * Possible finder patterns (at most `limit`) in an image of 0 (black) and 255 (white), or of 255
 * (black) and 0 (white) when `inverted`: centre runs of 1:1:3:1:1 rows, stacked over at least 3
 * rows, as jsQR requires (beyond the edges counts as white, as in jsQR); and, which jsQR does not
 * ask, crossed by a 1:1:3:1:1 column of a similar size, which most chance 1:1:3:1:1 rows in a
 * code's data or in text fail.
 */
export function findFinderPatterns(
  binary: GreyImage,
  inverted = false,
  limit = 256,
): FinderPattern[] {
  const { width, height, data } = binary;
  const ink = inverted ? 255 : 0;
  const found: FinderPattern[] = [];
  const finish = (quad: Quad & { first: number; last: number }): boolean => {
    const pattern =
      quad.bottom - quad.top >= 2 ? patternOf(binary, ink, quad, quad.first, quad.last) : undefined;
    if (pattern !== undefined) found.push(pattern);
    return found.length >= limit;
  };
  let active: (Quad & { first: number; last: number })[] = [];
  for (let y = 0; y < height; y++) {
    const next: typeof active = [];
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let run = 0;
    let last = false; // white
    for (let x = 0, i = y * width; x <= width; x++, i++) {
      const black = x < width && data[i] === ink;
      if (black === last) {
        run++;
        continue;
      }
      // A colour change: the run that just ended is the fifth of the last five.
      if (!black && isFinderRun(a, b, c, d, run)) {
        const endX = x - d - run;
        const startX = endX - c;
        const quad = active.find((q) => startX <= q.endX && endX >= q.startX);
        if (quad === undefined) {
          next.push({ startX, endX, top: y, bottom: y, first: startX, last: endX });
        } else if (!next.includes(quad)) {
          quad.startX = startX;
          quad.endX = endX;
          quad.bottom = y;
          next.push(quad);
        }
      }
      [a, b, c, d] = [b, c, d, run];
      run = 1;
      last = black;
    }
    for (const quad of active) {
      if (!next.includes(quad) && finish(quad)) return found;
    }
    active = next;
  }
  for (const quad of active) if (finish(quad)) return found;
  return found;
}

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Where codes may be, from their finder patterns: every three of similar size that form an L
 * (a right angle at one of them, two arms of similar length) give the box around the square they
 * span, with a margin for the quiet zone, strongest and best-shaped first (at most `limit`). jsQR picks its
 * three patterns by score alone, so two codes side by side can give it three from different
 * codes; read inside one of these boxes, each code is alone.
 */
export function codeRegions(
  patterns: readonly FinderPattern[],
  width: number,
  height: number,
  limit = 8,
): Region[] {
  const found: { region: Region; strength: number; error: number }[] = [];
  // The 24 strongest: 2024 triples at most.
  const candidates = [...patterns].sort((p, q) => q.strength - p.strength).slice(0, 24);
  const n = candidates.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        const three = [candidates[i]!, candidates[j]!, candidates[k]!];
        const sizes = three.map((p) => p.size);
        if (Math.max(...sizes) > 1.6 * Math.min(...sizes)) continue;
        for (let corner = 0; corner < 3; corner++) {
          const a = three[corner]!;
          const b = three[(corner + 1) % 3]!;
          const c = three[(corner + 2) % 3]!;
          const ab = Math.hypot(b.x - a.x, b.y - a.y);
          const ac = Math.hypot(c.x - a.x, c.y - a.y);
          const unit = (a.size + b.size + c.size) / 3;
          // Centres are 14 to 50 modules apart in versions 1 to 10 (a size is 3 modules).
          if (Math.min(ab, ac) < 3 * unit || Math.max(ab, ac) > 20 * unit) continue;
          const cos = ((b.x - a.x) * (c.x - a.x) + (b.y - a.y) * (c.y - a.y)) / (ab * ac);
          const ratio = ab / ac;
          if (Math.abs(cos) > 0.4 || ratio < 0.6 || ratio > 1 / 0.6) continue;
          const xs = [a.x, b.x, c.x, b.x + c.x - a.x];
          const ys = [a.y, b.y, c.y, b.y + c.y - a.y];
          const margin = 3 * unit; // finder centre to quiet zone's edge: 3.5 + 4 modules
          const x0 = Math.max(0, Math.floor(Math.min(...xs) - margin));
          const y0 = Math.max(0, Math.floor(Math.min(...ys) - margin));
          const x1 = Math.min(width, Math.ceil(Math.max(...xs) + margin));
          const y1 = Math.min(height, Math.ceil(Math.max(...ys) + margin));
          if (x1 - x0 < 21 || y1 - y0 < 21) continue;
          const region = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
          const strength = a.strength + b.strength + c.strength;
          found.push({ region, strength, error: Math.abs(cos) + Math.abs(Math.log(ratio)) });
        }
      }
    }
  }
  return found
    .sort((p, q) => q.strength - p.strength || p.error - q.error)
    .slice(0, limit)
    .map((f) => f.region);
}

/** The pixels of `region`, as an image of their own. */
export function crop(image: GreyImage, region: Region): GreyImage {
  const data = new Uint8Array(region.width * region.height);
  for (let y = 0; y < region.height; y++) {
    const from = (region.y + y) * image.width + region.x;
    data.set(image.data.subarray(from, from + region.width), y * region.width);
  }
  return { data, width: region.width, height: region.height };
}
