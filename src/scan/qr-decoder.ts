// The swappable part of the scanner: something that finds one QR code in a greyscale image. jsQR
// is the default; another library (zxing, a WebAssembly zbar) fits behind the same interface.

import jsqrModule from 'jsqr';
import { binarize, JSQR_FLAT_LIMIT } from './binarize.ts';
import { codeRegions, crop, findFinderPatterns } from './finder.ts';
import type { GreyImage } from './grey-image.ts';
import type { Point } from './preprocess.ts';

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
}

export interface QrDecoder {
  /** One QR code found in the image, or undefined. Must not keep or modify `image`. */
  decode(image: GreyImage, attempt: QrDecodeAttempt): QrHit | undefined;
}

// Grey v as one opaque RGBA pixel in a Uint32Array, whichever byte order the machine has.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const OPAQUE = LITTLE_ENDIAN ? 0xff000000 : 0x000000ff;
const GREY = LITTLE_ENDIAN ? 0x00010101 : 0x01010100;

/**
 * jsQR behind the QrDecoder interface. Before jsQR runs, the image is binarized as jsQR will and
 * its finder patterns found (finder.ts): with fewer than three there is no code to read, and that
 * check costs a fraction of a jsQR attempt. When jsQR reads nothing though there are six or more
 * (two codes side by side can give it three from different codes), it is given the box of an
 * L-shaped three alone. jsQR reads RGBA, so each decoder keeps one scratch buffer that grows
 * to the largest image it has seen.
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

  return {
    decode(image, attempt) {
      const patterns = findFinderPatterns(binarize(image, JSQR_FLAT_LIMIT), attempt.inverted);
      if (patterns.length < 3) return undefined;
      const hit = read(image, attempt.inverted);
      // Two codes make six patterns; then the two best-shaped boxes are worth a try.
      if (hit !== undefined || patterns.length < 6) return hit;
      for (const region of codeRegions(patterns, image.width, image.height, 2)) {
        const inside = read(crop(image, region), attempt.inverted);
        if (inside === undefined) continue;
        const [a, b, c, d] = inside.corners.map((p) => ({ x: p.x + region.x, y: p.y + region.y }));
        return { text: inside.text, corners: [a!, b!, c!, d!] };
      }
      return undefined;
    },
  };
}

export const jsqrDecoder: QrDecoder = createJsqrDecoder();
