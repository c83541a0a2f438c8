// Where codes are: three finder patterns (finder.ts) in the shape of an L, a right angle at one of
// them and two arms as many modules long, give the box a code fills. jsQR picks its three patterns
// by score alone, so chance patterns in the data or a second code can give it the wrong three;
// inside a box the right ones are alone, and there are fewer pixels to read.

import { type FinderPattern, type Finders, moduleAlong } from './finder.ts';
import type { GreyImage } from './grey-image.ts';

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A box where a code may be, its three finder patterns, and how unlike a code's they are. */
export interface CodeRegion extends Region {
  /**
   * The L's corner, then the other two clockwise on screen: the top left, top right and bottom
   * left patterns of the code seen upright, as rectify.ts wants them.
   */
  readonly finders: readonly [FinderPattern, FinderPattern, FinderPattern];
  /**
   * Module sizes in pixels along the two arms (finder.ts, moduleAlong), at both ends of each:
   * corner toward right, right toward corner, corner toward below, below toward corner.
   */
  readonly modules: readonly [number, number, number, number];
  /** The patterns' errors plus the L's: about 0.2 for a clear code, over 1.3 for chance shapes. */
  readonly score: number;
}

/** The box holding a code whose finder centres are `a` (the corner), `b` and `c`, or undefined. */
function boxOf(
  a: FinderPattern,
  b: FinderPattern,
  c: FinderPattern,
  width: number,
  height: number,
): Region | undefined {
  const xs = [a.x, b.x, c.x, b.x + c.x - a.x];
  const ys = [a.y, b.y, c.y, b.y + c.y - a.y];
  const module = Math.max(a.size, b.size, c.size) / 3;
  const arm = Math.max(Math.hypot(b.x - a.x, b.y - a.y), Math.hypot(c.x - a.x, c.y - a.y));
  // Finder centre to the code's edge is 3.5 modules, and jsQR wants white around the finders'
  // outer rings and a little grey to set its thresholds: 6 modules. Under perspective the fourth
  // corner lies off the parallelogram the other three span, by up to a fifth of an arm.
  const margin = 6 * module + 0.2 * arm;
  // On the 8-pixel grid of the binarizers' blocks, so the box binarizes as the whole image does.
  const x0 = Math.max(0, Math.floor((Math.min(...xs) - margin) / 8) * 8);
  const y0 = Math.max(0, Math.floor((Math.min(...ys) - margin) / 8) * 8);
  const x1 = Math.min(width, Math.ceil(Math.max(...xs) + margin));
  const y1 = Math.min(height, Math.ceil(Math.max(...ys) + margin));
  if (x1 - x0 < 21 || y1 - y0 < 21) return undefined;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Three patterns as a code's corner `a` and arms to `b` and `c`: the module sizes along the arms,
 * and how far the three are from a right angle with arms as many modules long, or undefined if
 * too far. Arms are counted in modules measured along them (exact under perspective, where the
 * near arm and its modules are longer in pixels); the angle may open or close with the view.
 */
function shapeOf(
  finders: Finders,
  a: FinderPattern,
  b: FinderPattern,
  c: FinderPattern,
): { modules: [number, number, number, number]; error: number } | undefined {
  const lengthAB = Math.hypot(b.x - a.x, b.y - a.y);
  const lengthAC = Math.hypot(c.x - a.x, c.y - a.y);
  const cos = ((b.x - a.x) * (c.x - a.x) + (b.y - a.y) * (c.y - a.y)) / (lengthAB * lengthAC);
  // A right angle seen at an angle: 60° to 120°.
  if (!(Math.abs(cos) <= 0.5)) return undefined;
  // Arms in modules by the patterns' sizes first, loosely: measuring along them costs more.
  const rough = Math.log(((lengthAB / (a.size + b.size)) * (a.size + c.size)) / lengthAC);
  if (Math.abs(rough) > Math.log(2)) return undefined;
  // Where a line misses the runs (glare, blur on one side), the pattern's own size stands in.
  const modules: [number, number, number, number] = [
    moduleAlong(finders, a, b) ?? a.size / 3,
    moduleAlong(finders, b, a) ?? b.size / 3,
    moduleAlong(finders, a, c) ?? a.size / 3,
    moduleAlong(finders, c, a) ?? c.size / 3,
  ];
  const ab = lengthAB / Math.sqrt(modules[0] * modules[1]);
  const ac = lengthAC / Math.sqrt(modules[2] * modules[3]);
  // Centres are 14 (version 1) to 50 (version 10) modules apart, the arms as long within a third.
  if (Math.min(ab, ac) < 10 || Math.max(ab, ac) > 60) return undefined;
  const ratio = Math.log(ab / ac);
  if (Math.abs(ratio) > Math.log(1.33)) return undefined;
  return { modules, error: Math.abs(cos) + 2 * Math.abs(ratio) };
}

/** Perspective makes the near pattern up to this many times the size of the far one. */
const MAX_SIZE_RATIO = 2.5;

/**
 * Where codes may be, from their finder patterns: every three of similar size that form an L
 * give the box around the square they span, with a margin for the quiet zone and for
 * perspective; best first (the patterns' errors plus the L's), at most `limit`, none scoring over
 * `maxScore`.
 */
export function codeRegions(finders: Finders, limit = 8, maxScore = Infinity): CodeRegion[] {
  const { width, height } = finders.binary;
  const found: CodeRegion[] = [];
  // The 24 best: 2024 triples at most, fewer as the errors alone pass `maxScore`.
  const candidates = [...finders.patterns].sort((p, q) => p.error - q.error).slice(0, 24);
  const n = candidates.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (candidates[i]!.error + candidates[j]!.error > maxScore) break;
      for (let k = j + 1; k < n; k++) {
        const errors = candidates[i]!.error + candidates[j]!.error + candidates[k]!.error;
        if (errors > maxScore) break;
        const three = [candidates[i]!, candidates[j]!, candidates[k]!] as const;
        const sizes = three.map((p) => p.size);
        const spread = Math.log(Math.max(...sizes) / Math.min(...sizes));
        if (spread > Math.log(MAX_SIZE_RATIO)) continue;
        let best: CodeRegion | undefined;
        for (let corner = 0; corner < 3; corner++) {
          const a = three[corner]!;
          // Clockwise with y downwards: the cross product of the arms is positive.
          const [p, q] = [three[(corner + 1) % 3]!, three[(corner + 2) % 3]!];
          const clockwise = (p.x - a.x) * (q.y - a.y) - (p.y - a.y) * (q.x - a.x) > 0;
          const [b, c] = clockwise ? [p, q] : [q, p];
          const shape = shapeOf(finders, a, b, c);
          if (shape === undefined) continue;
          const score = errors + shape.error + spread / 4;
          if (score > maxScore || (best !== undefined && best.score <= score)) continue;
          const region = boxOf(a, b, c, width, height);
          if (region === undefined) continue;
          best = { ...region, finders: [a, b, c], modules: shape.modules, score };
        }
        if (best !== undefined) found.push(best);
      }
    }
  }
  return found.sort((p, q) => p.score - q.score).slice(0, limit);
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
