// One live camera frame to the text of the QR code in it, for the web console's scanner worker
// (issue 5, "Scanning quality"): the frame greyed and shrunk in one pass, then only cheap attempts.

import { decodeQrCodes, type ScanPass } from './decode.ts';
import { type GreyImage, LITTLE_ENDIAN } from './grey-image.ts';
import { downscaleFactor } from './preprocess.ts';
import type { QrDecoder } from './qr-decoder.ts';

/** RGBA pixels row after row, 4 bytes each, as a canvas's getImageData gives them. */
export interface RgbaFrame {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface FrameOptions {
  /** What reads the code; jsQR unless given. */
  readonly decoder?: QrDecoder;
  /** The longest side the frame is shrunk to, by a whole factor (default FRAME_SIDE). */
  readonly side?: number;
}

/**
 * A code filling a third of a 1280×720 frame keeps 4 or more pixels per module at 640, and a
 * quarter of the pixels is a quarter of the work for every step after this one.
 */
export const FRAME_SIDE = 640;
/** 8K UHD; larger is not a camera frame. Bounded before any work, as every input is. */
export const MAX_FRAME_PIXELS = 7680 * 4320;
const MIN_SIDE = 32;
const MAX_SIDE = 4096;

const LOW_BYTES = 0x00ff00ff;

/**
 * The frame in 8-bit grey (BT.601 luma, as image.ts reads files), each factor×factor block
 * averaged into one pixel: one read of the frame instead of a grey copy at full size and a second
 * pass to shrink it. Alpha is ignored: frames from a camera are opaque. Up to factor-1 edge pixels
 * are dropped, as in `downscale`; a side shorter than the factor is averaged whole.
 *
 * Each pixel is one 32-bit read, its red and blue summed in the two 16-bit halves of one word and
 * its green (and alpha) in another, so a block costs three multiplications, not three a pixel. A
 * half holds the sum of 256 bytes: blocks up to 16×16. Other blocks, or frames whose bytes do not
 * start on a 4-byte boundary, are read byte by byte.
 */
export function greyFrame(frame: RgbaFrame, factor: number): GreyImage {
  const { data, width, height } = frame;
  const bw = Math.min(factor, width);
  const bh = Math.min(factor, height);
  const w = Math.floor(width / bw);
  const h = Math.floor(height / bh);
  const out = new Uint8Array(w * h);
  // Luma weights sum to 256: a block's total over 256 × its area is its mean luma.
  const divisor = 256 * bw * bh;
  const half = divisor >> 1;
  const packed = LITTLE_ENDIAN && data.byteOffset % 4 === 0 && bw * bh <= 256;
  const words = packed ? new Uint32Array(data.buffer, data.byteOffset, width * height) : undefined;
  if (words !== undefined && bw === 2 && bh === 2) return halveFrame(words, width, out, w, h);
  for (let y = 0, o = 0; y < h; y++) {
    const top = y * bh * width;
    for (let x = 0; x < w; x++, o++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let row = top + x * bw, dy = 0; dy < bh; dy++, row += width) {
        for (let i = row, end = row + bw; i < end; i++) {
          if (words !== undefined) {
            const pixel = words[i]!;
            red += pixel & LOW_BYTES; // blue rides in the high half
            green += (pixel >>> 8) & LOW_BYTES;
          } else {
            red += data[4 * i]!;
            green += data[4 * i + 1]!;
            blue += data[4 * i + 2]!;
          }
        }
      }
      if (words !== undefined) {
        blue = red >>> 16;
        red &= 0xffff;
        green &= 0xffff;
      }
      out[o] = ((77 * red + 150 * green + 29 * blue + half) / divisor) | 0;
    }
  }
  return { data: out, width: w, height: h };
}

/** `greyFrame` by 2 (1280×720 to 640×360, the usual frame), two rows at a time. */
function halveFrame(
  words: Uint32Array,
  width: number,
  out: Uint8Array,
  w: number,
  h: number,
): GreyImage {
  for (let y = 0, o = 0; y < h; y++) {
    for (let i = 2 * y * width, j = i + width, x = 0; x < w; x++, o++) {
      const p = words[i++]!;
      const q = words[i++]!;
      const r = words[j++]!;
      const s = words[j++]!;
      const redBlue = (p & LOW_BYTES) + (q & LOW_BYTES) + (r & LOW_BYTES) + (s & LOW_BYTES);
      const green =
        ((p >>> 8) & LOW_BYTES) +
        ((q >>> 8) & LOW_BYTES) +
        ((r >>> 8) & LOW_BYTES) +
        ((s >>> 8) & LOW_BYTES);
      out[o] =
        (77 * (redBlue & 0xffff) + 150 * (green & 0xffff) + 29 * (redBlue >>> 16) + 512) >> 10;
    }
  }
  return { data: out, width: w, height: h };
}

function assertFrame(frame: unknown): asserts frame is RgbaFrame {
  const { data, width, height } = (frame ?? {}) as Partial<RgbaFrame>;
  if (!(data instanceof Uint8ClampedArray) && !(data instanceof Uint8Array)) {
    throw new TypeError('frame.data must be a Uint8ClampedArray or Uint8Array of RGBA pixels');
  }
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width! < 1 || height! < 1) {
    throw new TypeError('frame.width and frame.height must be positive integers');
  }
  if (width! * height! > MAX_FRAME_PIXELS) {
    throw new TypeError(`a frame has at most ${MAX_FRAME_PIXELS} pixels`);
  }
  if (data.length !== width! * height! * 4) {
    throw new TypeError(
      `frame.data has ${data.length} bytes; a ${width}×${height} RGBA frame has ${width! * height! * 4}`,
    );
  }
}

/**
 * The text of one QR code in a camera frame, or undefined. Two attempts on the shrunk frame, the
 * usual dark-on-light and then light-on-dark (dark mode): the decoder's finder-pattern check sees
 * at the cost of one scan of the frame it has already binarized whether a light-on-dark code can
 * be there, so the second attempt is nearly free when there is none. The photo passes' heavier
 * rescues (other sizes, thresholding, sharpening) are left out: the next frame comes within
 * 100 ms, and a steadier hand does more than any of them.
 */
export function decodeFrame(frame: RgbaFrame, options: FrameOptions = {}): string | undefined {
  assertFrame(frame);
  const side = options.side ?? FRAME_SIDE;
  if (!Number.isSafeInteger(side) || side < MIN_SIDE || side > MAX_SIDE) {
    throw new TypeError(`side must be an integer from ${MIN_SIDE} to ${MAX_SIDE}`);
  }
  if (options.decoder !== undefined && typeof options.decoder.decode !== 'function') {
    throw new TypeError('decoder must have a decode method');
  }
  const grey = greyFrame(frame, downscaleFactor(frame, side));
  // The image is already as small as it gets: passes at its own size shrink it no further.
  const own = Math.max(grey.width, grey.height, MIN_SIDE);
  const passes: readonly ScanPass[] = [
    { side: own, preparation: 'plain' },
    { side: own, preparation: 'plain', inverted: true },
  ];
  const decoder = options.decoder;
  return decodeQrCodes(grey, { passes, maxCodes: 1, ...(decoder && { decoder }) })[0];
}
