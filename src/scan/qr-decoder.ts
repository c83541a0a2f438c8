// The swappable part of the scanner: something that finds one QR code in a greyscale image. jsQR
// is the default; another library (zxing, a WebAssembly zbar) fits behind the same interface.

import jsqrModule from 'jsqr';
import { binarize, JSQR_FLAT_LIMIT } from './binarize.ts';
import { type Finders, findFinderPatterns } from './finder.ts';
import { type GreyImage, LITTLE_ENDIAN } from './grey-image.ts';
import type { Point } from './preprocess.ts';
import { rectify } from './rectify.ts';
import { codeRegions, crop } from './regions.ts';

// jsqr is CommonJS with `exports.default`; under NodeNext the default import is module.exports.
const jsQR = jsqrModule.default;

export interface QrHit {
  /** The code's text as the decoder read it. */
  readonly text: string;
  /** The symbol's four corners in the image's pixel coordinates, in order around it. */
  readonly corners: readonly [Point, Point, Point, Point];
}

export interface QrDecodeAttempt {
  /** Look for light modules on a dark ground (a dark-mode screen) instead of dark on light. */
  readonly inverted: boolean;
  /**
   * The image's finder patterns of this polarity (finder.ts, on the image binarized as jsQR
   * binarizes it), found on the first call and shared by every attempt on the same image, so a
   * decoder that looks for them need not scan the image again. Absent: the decoder looks itself.
   */
  readonly finders?: () => Finders;
}

export interface QrDecoder {
  /** One QR code found in the image, or undefined. Must not keep or modify `image`. */
  decode(image: GreyImage, attempt: QrDecodeAttempt): QrHit | undefined;
}

// Grey v as one opaque RGBA pixel in a Uint32Array, whichever byte order the machine has.
const OPAQUE = LITTLE_ENDIAN ? 0xff000000 : 0x000000ff;
const GREY = LITTLE_ENDIAN ? 0x00010101 : 0x01010100;

/** Boxes scoring worse than this (regions.ts) hold chance shapes, not codes. */
export const MAX_REGION_SCORE = 1.0;
/** The best two boxes: a code and a chance L that happens to score better. */
const MAX_REGIONS = 2;

function findersOf(image: GreyImage, inverted: boolean): Finders {
  const binary = binarize(image, JSQR_FLAT_LIMIT);
  return { binary, inverted, patterns: findFinderPatterns(binary, inverted) };
}

/**
 * jsQR behind the QrDecoder interface, told where to look. jsQR scans the whole image for finder
 * patterns and picks three by score alone, which costs most of its time and, with chance
 * patterns in the data or a second code, picks wrong. Here the finder patterns (finder.ts, on
 * the image binarized as jsQR will) decide: for each of the best L-shaped threes (regions.ts),
 * jsQR reads the code resampled upright (rectify.ts), then the box around it as it is; and
 * nothing when there is no L, which is known at the cost of one scan of the binarization. jsQR reads RGBA, so each decoder keeps one scratch buffer that grows to the
 * largest image it has seen.
 */
export function createJsqrDecoder(): QrDecoder {
  let rgba = new Uint8ClampedArray(0);

  function read(image: GreyImage, inverted: boolean): QrHit | undefined {
    const { data, width, height } = image;
    const needed = width * height * 4;
    if (rgba.length < needed) rgba = new Uint8ClampedArray(needed);
    const view = rgba.subarray(0, needed);
    // One 32-bit write per pixel. Inverted here rather than by jsQR: its 'onlyInvert' mode never
    // builds the inverted matrix it then reads (jsQR 1.4.0 throws), and inverting while copying
    // costs nothing.
    const pixels = new Uint32Array(view.buffer, view.byteOffset, width * height);
    const flip = inverted ? 255 : 0;
    for (let i = 0; i < data.length; i++) pixels[i] = OPAQUE | ((data[i]! ^ flip) * GREY);
    // inversionAttempts is always given: jsQR writes the options it receives into its shared
    // defaults, so one call's choice would otherwise leak into the next.
    const found = jsQR(view, width, height, { inversionAttempts: 'dontInvert' });
    if (found === null) return undefined;
    const l = found.location;
    return {
      text: found.data,
      corners: [l.topLeftCorner, l.topRightCorner, l.bottomRightCorner, l.bottomLeftCorner],
    };
  }

  /** `hit` read in an image placed in the source by `toSource`, in source coordinates. */
  const placed = (hit: QrHit, toSource: (p: Point) => Point): QrHit => {
    const [a, b, c, d] = hit.corners.map(toSource);
    return { text: hit.text, corners: [a!, b!, c!, d!] };
  };

  return {
    decode(image, attempt) {
      const { inverted } = attempt;
      const finders = attempt.finders?.() ?? findersOf(image, inverted);
      if (finders.patterns.length < 3) return undefined;
      for (const region of codeRegions(finders, MAX_REGIONS, MAX_REGION_SCORE)) {
        // Upright first: a fifth of the pixels, and perspective undone. The box as it is, if
        // not: the module sizes rectify relies on may be off (blur, glare on a finder).
        const upright = rectify(image, region);
        const hit = upright === undefined ? undefined : read(upright.image, inverted);
        if (hit !== undefined) return placed(hit, upright!.toSource);
        const inside = read(crop(image, region), inverted);
        if (inside !== undefined) {
          return placed(inside, (p) => ({ x: p.x + region.x, y: p.y + region.y }));
        }
      }
      return undefined;
    },
  };
}

export const jsqrDecoder: QrDecoder = createJsqrDecoder();
