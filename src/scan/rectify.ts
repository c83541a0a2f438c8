// Undoing perspective: a code's square resampled upright from its three finder patterns, a few
// pixels per module, for the decoder. jsQR estimates a code's size from its finder patterns' sizes
// and fails once perspective makes the near one twice the far one; upright, such a code is easy,
// and small: a 33-module code is 120 pixels square, a fifth of the box it was found in.

import type { GreyImage } from './grey-image.ts';
import type { Point } from './preprocess.ts';
import type { CodeRegion } from './regions.ts';

export interface Rectified {
  readonly image: GreyImage;
  /** A point of `image` in the source image's pixel coordinates. */
  toSource(point: Point): Point;
}

/** jsQR samples each module's middle: 3 pixels keep it off the edges, and jsQR's work small. */
const PIXELS_PER_MODULE = 3;
/** From a finder centre to the image's edge: 3.5 modules of finder, 3 of quiet zone. */
const MARGIN_MODULES = 6.5;

/**
 * The square of the code in `region` (regions.ts), upright and resampled (bilinear) at 3 pixels
 * per module, or undefined if that square would reach beyond the horizon. Its finder centres
 * `corner`, `right` and `below` turn clockwise on screen (else the code would be read mirrored).
 * The map from the code's plane to the picture is a homography, (u, v) ↦ ((a·u + b·v + c) / w,
 * (d·u + e·v + f) / w) with w = 1 + g·u + h·v, putting the finder centres at (0, 0), (1, 0) and
 * (0, 1). Along a line its scale goes as 1/w², so the module sizes at both ends of an arm give w
 * at its far end, hence g and h; the centres then give a to f. Equal module sizes give
 * g = h = 0: the map is affine, as it is for a code seen square on.
 */
export function rectify(
  image: GreyImage,
  { finders: [corner, right, below], modules: [m0, m1, m2, m3] }: CodeRegion,
): Rectified | undefined {
  const g = Math.sqrt(m0 / m1) - 1;
  const h = Math.sqrt(m2 / m3) - 1;
  const a = right.x * (1 + g) - corner.x;
  const b = below.x * (1 + h) - corner.x;
  const d = right.y * (1 + g) - corner.y;
  const e = below.y * (1 + h) - corner.y;
  // Modules between finder centres (the version's size less 7), from both arms.
  const modules =
    (Math.hypot(right.x - corner.x, right.y - corner.y) / Math.sqrt(m0 * m1) +
      Math.hypot(below.x - corner.x, below.y - corner.y) / Math.sqrt(m2 * m3)) /
    2;
  const margin = MARGIN_MODULES / modules;
  const span = 1 + 2 * margin;
  const side = Math.round(span * modules * PIXELS_PER_MODULE);
  if (!(side >= 21 && side <= 1024)) return undefined;
  // w falls linearly across the square: positive at its corners, positive everywhere.
  for (const u of [-margin, 1 + margin]) {
    for (const v of [-margin, 1 + margin]) if (1 + g * u + h * v < 0.1) return undefined;
  }
  const toSource = (point: Point): Point => {
    const u = (point.x / side) * span - margin;
    const v = (point.y / side) * span - margin;
    const w = 1 + g * u + h * v;
    return { x: (a * u + b * v + corner.x) / w, y: (d * u + e * v + corner.y) / w };
  };
  const { width, height, data } = image;
  const out = new Uint8Array(side * side);
  // Along a row of the output, u steps evenly and v is fixed: the numerators and w step evenly.
  const du = span / side;
  for (let y = 0, o = 0; y < side; y++) {
    const v = ((y + 0.5) / side) * span - margin;
    const u0 = du / 2 - margin;
    let nx = a * u0 + b * v + corner.x;
    let ny = d * u0 + e * v + corner.y;
    let w = 1 + g * u0 + h * v;
    for (let x = 0; x < side; x++, o++, nx += a * du, ny += d * du, w += g * du) {
      // Pixel centres sit at +0.5; beyond the edge the nearest edge pixel stands in.
      const sx = Math.min(Math.max(nx / w - 0.5, 0), width - 1.001);
      const sy = Math.min(Math.max(ny / w - 0.5, 0), height - 1.001);
      const x0 = sx | 0;
      const y0 = sy | 0;
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * width + x0;
      const i1 = width > 1 ? i + 1 : i;
      const j = height > 1 ? i + width : i;
      const j1 = width > 1 ? j + 1 : j;
      const top = data[i]! + (data[i1]! - data[i]!) * fx;
      const bottom = data[j]! + (data[j1]! - data[j]!) * fx;
      out[o] = top + (bottom - top) * fy + 0.5;
    }
  }
  return { image: { data: out, width: side, height: side }, toSource };
}
