// Finder patterns, the squares in three corners of every QR code, crossed by rows and columns whose
// runs go black, white, black ×3, white, black (1:1:3:1:1). Fewer than three: no code to read,
// known in a few milliseconds where a jsQR attempt costs ten times that. Three in the shape of an
// L (regions.ts): where a code is, so the decoder reads that box rather than the whole picture.

import type { GreyImage } from './grey-image.ts';

export interface FinderPattern {
  /** Centre, in pixels. */
  readonly x: number;
  readonly y: number;
  /** Width of the centre square (3 modules), in pixels. */
  readonly size: number;
  /** How many of the lines down and diagonally through the centre also cross it as a finder. */
  readonly strength: number;
  /** How far its four lines are from 1:1:3:1:1, on average: 0 exact, 1 nothing like a finder. */
  readonly error: number;
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

/** How far five runs are from 1:1:3:1:1, as a share of their length, at most 1. */
function ratioError(a: number, b: number, c: number, d: number, e: number): number {
  const unit = (a + b + c + d + e) / 7;
  const off =
    Math.abs(a - unit) +
    Math.abs(b - unit) +
    Math.abs(c - 3 * unit) +
    Math.abs(d - unit) +
    Math.abs(e - unit);
  return Math.min(1, off / (7 * unit));
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

/** An image's finder patterns of one polarity, with the binarization they were found in. */
export interface Finders {
  /** 0 (black) and 255 (white), as jsQR binarizes the image. */
  readonly binary: GreyImage;
  /** Light patterns on a dark ground (dark mode). */
  readonly inverted: boolean;
  readonly patterns: readonly FinderPattern[];
}

/** Five runs through an ink pixel along one line, and where the centre run's middle lies. */
interface Line {
  readonly runs: readonly [number, number, number, number, number];
  /** The centre run's middle, in steps from the starting pixel (negative: backwards). */
  readonly shift: number;
}

/** The runs along ±(dx, dy) through (x, y), or undefined if (x, y) is not ink. */
function lineThrough(
  binary: GreyImage,
  x: number,
  y: number,
  dx: number,
  dy: number,
  ink: number,
  cap: number,
): Line | undefined {
  if (binary.data[y * binary.width + x] !== ink) return undefined;
  const back = runLength(binary, x, y, -dx, -dy, true, ink, cap);
  const ahead = runLength(binary, x, y, dx, dy, true, ink, cap);
  const whiteBack = runLength(binary, x - back * dx, y - back * dy, -dx, -dy, false, ink, cap);
  const whiteAhead = runLength(binary, x + ahead * dx, y + ahead * dy, dx, dy, false, ink, cap);
  const b = back + whiteBack;
  const a = ahead + whiteAhead;
  const outerBack = runLength(binary, x - b * dx, y - b * dy, -dx, -dy, true, ink, cap);
  const outerAhead = runLength(binary, x + a * dx, y + a * dy, dx, dy, true, ink, cap);
  return {
    runs: [outerBack, whiteBack, back + ahead - 1, whiteAhead, outerAhead],
    shift: (ahead - back) / 2,
  };
}

const isFinderLine = (line: Line | undefined): line is Line =>
  line !== undefined && isFinderRun(...line.runs);

// Down and both diagonals: a finder turned by up to 45° still crosses one of them squarely.
const CROSSINGS: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 1],
  [1, -1],
];

const MIN_SIZE = 4;

/**
 * A finder pattern whose row (through column `x` of row `y`) has a centre run of `width` pixels,
 * if the column through it also crosses like one: its centre found from that column and then
 * from its own row (ZXing's cross-checks), its strength and error from four lines through it.
 */
function confirm(
  binary: GreyImage,
  x: number,
  y: number,
  width: number,
  ink: number,
): FinderPattern | undefined {
  const cap = Math.ceil(width * 2) + 2;
  const column = lineThrough(binary, x, y, 0, 1, ink, cap);
  if (!isFinderLine(column)) return undefined;
  const cy = Math.round(y + column.shift);
  const row = lineThrough(binary, x, cy, 1, 0, ink, cap);
  if (!isFinderLine(row)) return undefined;
  const cx = Math.round(x + row.shift);
  const size = (row.runs[2] + column.runs[2]) / 2;
  // Under 4 pixels (modules of 1⅓ pixels) no decoder reads the code, and random speckle is full
  // of 1:1:3:1:1 runs of single pixels.
  if (size < MIN_SIZE) return undefined;
  let strength = 0;
  let error = ratioError(...row.runs);
  for (const [dx, dy] of CROSSINGS) {
    const line = dx === 0 ? column : lineThrough(binary, cx, cy, dx, dy, ink, cap);
    const centre = line === undefined ? 0 : line.runs[2] * Math.hypot(dx, dy);
    // A centre run far from the row's belongs to something else (a bar, a block of text).
    if (isFinderLine(line) && centre < 2 * size && 2 * centre > size) {
      strength++;
      error += ratioError(...line.runs);
    } else {
      error += 1;
    }
  }
  return { x: cx + 0.5, y: cy + 0.5, size, strength, error: error / 4 };
}

/**
 * Finder patterns (at most `limit`) in an image of 0 (black) and 255 (white), or of 255 (black)
 * and 0 (white) when `inverted`: rows whose runs go 1:1:3:1:1 within jsQR's tolerance (beyond the
 * edges counts as white, as in jsQR), confirmed by the column through the centre run, each found
 * once. Chance 1:1:3:1:1 rows in a code's data or in text mostly fail the column.
 */
export function findFinderPatterns(
  binary: GreyImage,
  inverted = false,
  limit = 256,
): FinderPattern[] {
  const { width, height, data } = binary;
  const ink = inverted ? 255 : 0;
  const found: FinderPattern[] = [];
  for (let y = 0; y < height; y++) {
    const start = y * width;
    const end = start + width;
    // The last five runs, oldest first, each ending at a change of colour: `e` just ended.
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let i = start;
    // Runs alternate from the row's first pixel; beyond the edges counts as white.
    let black = data[i] === ink;
    while (i < end) {
      const from = i;
      if (black) while (i < end && data[i] === ink) i++;
      else while (i < end && data[i] !== ink) i++;
      const e = i - from;
      // A black run ended: the fifth of the last five. A centre run under MIN_SIZE - 1 pixels
      // is speckle (the rows through a real centre square are as wide).
      if (black && c >= MIN_SIZE - 1 && isFinderRun(a, b, c, d, e)) {
        const centre = i - start - e - d - c / 2;
        // Each row through a pattern's centre square finds it again: the first is enough.
        const seen = found.some(
          (p) => Math.abs(p.x - centre) < p.size && Math.abs(p.y - y) < p.size,
        );
        const pattern = seen ? undefined : confirm(binary, Math.floor(centre), y, c, ink);
        if (pattern !== undefined) {
          found.push(pattern);
          if (found.length >= limit) return found;
        }
      }
      a = b;
      b = c;
      c = d;
      d = e;
      black = !black;
    }
  }
  return found;
}

/**
 * The size of a module at `pattern`, in pixels, along the line from its centre toward `toward`:
 * a seventh of the 1:1:3:1:1 runs crossing it that way, or undefined if they are not there.
 * Perspective and shear scale a code differently in each direction; measured along a line, the
 * modules between two patterns are exactly their distance over the geometric mean of this at
 * both ends, however the code is seen (a projective map of a line has a scale going as 1/w²).
 */
export function moduleAlong(
  { binary, inverted }: Finders,
  pattern: FinderPattern,
  toward: { readonly x: number; readonly y: number },
): number | undefined {
  const length = Math.hypot(toward.x - pattern.x, toward.y - pattern.y);
  if (length === 0) return undefined;
  const dx = (toward.x - pattern.x) / length;
  const dy = (toward.y - pattern.y) / length;
  const ink = inverted ? 255 : 0;
  const { width, height, data } = binary;
  const cap = Math.ceil(pattern.size * 2) + 2;
  // Black, white, black from the centre outwards, each way: [ahead ×3, back ×3]. Steps of one
  // pixel along the line, each reading the nearest pixel; beyond the edge is white.
  const runs = [0, 0, 0, 0, 0, 0];
  for (let side = 0; side < 2; side++) {
    const sign = side === 0 ? 1 : -1;
    let t = 0;
    for (let run = 0; run < 3; run++) {
      const black = run !== 1;
      for (;;) {
        const x = Math.floor(pattern.x + t * dx);
        const y = Math.floor(pattern.y + t * dy);
        const isInk = x >= 0 && y >= 0 && x < width && y < height && data[y * width + x] === ink;
        if (isInk !== black) break;
        if (++runs[side * 3 + run]! > cap) return undefined;
        t += sign;
      }
    }
  }
  const [ahead, whiteAhead, outerAhead, back, whiteBack, outerBack] = runs as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (ahead === 0) return undefined; // the centre is not ink
  const centre = ahead + back - 1;
  if (!isFinderRun(outerBack, whiteBack, centre, whiteAhead, outerAhead)) return undefined;
  return (outerBack + whiteBack + centre + whiteAhead + outerAhead) / 7;
}
