// Image transforms that turn a clean QR code into what a camera or a phone sees: rotation,
// perspective, blur, motion, noise, low light, glare, moiré, dark mode, JPEG, a small code in a
// large screenshot. Deterministic (seeded), on greyscale images; shared by the scanner's tests and
// the scanning benchmark (issue 5), which builds its photographed set from them.

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import { decodeImage } from '../../src/scan/image.ts';

export type { GreyImage };

export interface QrImageOptions {
  /** Pixels per module (default 6). */
  readonly scale?: number;
  /** Quiet zone in modules (default 4). */
  readonly margin?: number;
}

/** A clean QR code at level M, through the same PNG path an uploaded file takes. */
export async function qrImage(text: string, options: QrImageOptions = {}): Promise<GreyImage> {
  const png = await QRCode.toBuffer(text, {
    errorCorrectionLevel: 'M',
    margin: options.margin ?? 4,
    scale: options.scale ?? 6,
  });
  return decodeImage(png);
}

export function blank(width: number, height: number, value = 255): GreyImage {
  return { data: new Uint8Array(width * height).fill(value), width, height };
}

/** A seeded generator of numbers in [0, 1) (mulberry32), so every test image is reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A normally distributed sample (Box–Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function map(image: GreyImage, f: (v: number, x: number, y: number) => number): GreyImage {
  const { width, height } = image;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data[y * width + x] = clampByte(f(image.data[y * width + x]!, x, y));
  }
  return { data, width, height };
}

/** Bilinear sample at (x, y), or `outside` beyond the edges. */
function sample(image: GreyImage, x: number, y: number, outside: number): number {
  const { width, height, data } = image;
  if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) return outside;
  const fx = Math.min(Math.max(x, 0), width - 1);
  const fy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const top = data[y0 * width + x0]! * (1 - ax) + data[y0 * width + x1]! * ax;
  const bottom = data[y1 * width + x0]! * (1 - ax) + data[y1 * width + x1]! * ax;
  return top * (1 - ay) + bottom * ay;
}

/** Rotated by `degrees` about its centre on a canvas grown to hold it, bilinear sampling. */
export function rotate(image: GreyImage, degrees: number, background = 255): GreyImage {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const width = Math.ceil(Math.abs(image.width * cos) + Math.abs(image.height * sin));
  const height = Math.ceil(Math.abs(image.width * sin) + Math.abs(image.height * cos));
  const out = blank(width, height);
  const [cx, cy, ix, iy] = [width / 2, height / 2, image.width / 2, image.height / 2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const sx = cos * dx + sin * dy + ix - 0.5;
      const sy = -sin * dx + cos * dy + iy - 0.5;
      out.data[y * width + x] = clampByte(sample(image, sx, sy, background));
    }
  }
  return out;
}

/** Resized by `factor` with bilinear sampling (a camera further away or closer). */
export function resize(image: GreyImage, factor: number): GreyImage {
  const width = Math.max(1, Math.round(image.width * factor));
  const height = Math.max(1, Math.round(image.height * factor));
  const out = blank(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = sample(image, (x + 0.5) / factor - 0.5, (y + 0.5) / factor - 0.5, 255);
      out.data[y * width + x] = clampByte(v);
    }
  }
  return out;
}

export interface Corner {
  readonly x: number;
  readonly y: number;
}

/** The 3×3 homography taking the unit square's corners (0,0) (1,0) (1,1) (0,1) to `q`. */
function squareToQuad(q: readonly [Corner, Corner, Corner, Corner]): Matrix3 {
  const [p0, p1, p2, p3] = q;
  const dx1 = p1.x - p2.x;
  const dx2 = p3.x - p2.x;
  const dy1 = p1.y - p2.y;
  const dy2 = p3.y - p2.y;
  const sx = p0.x - p1.x + p2.x - p3.x;
  const sy = p0.y - p1.y + p2.y - p3.y;
  const det = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / det;
  const h = (dx1 * sy - sx * dy1) / det;
  return [
    p1.x - p0.x + g * p1.x,
    p3.x - p0.x + h * p3.x,
    p0.x,
    p1.y - p0.y + g * p1.y,
    p3.y - p0.y + h * p3.y,
    p0.y,
    g,
    h,
    1,
  ];
}

type Matrix3 = [number, number, number, number, number, number, number, number, number];

function invert3([a, b, c, d, e, f, g, h, i]: Matrix3): Matrix3 {
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/**
 * The image's corners moved to `corners` (top-left, top-right, bottom-right, bottom-left, as
 * fractions of the output size) on a `width`×`height` canvas: a screen photographed at an angle.
 */
export function perspective(
  image: GreyImage,
  corners: readonly [Corner, Corner, Corner, Corner],
  width = image.width,
  height = image.height,
  background = 255,
): GreyImage {
  const [p0, p1, p2, p3] = corners.map((c) => ({ x: c.x * width, y: c.y * height }));
  const inverse = invert3(squareToQuad([p0!, p1!, p2!, p3!]));
  const [a, b, c, d, e, f, g, h, i] = inverse;
  const out = blank(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const w = g * px + h * py + i;
      const u = (a * px + b * py + c) / w;
      const v = (d * px + e * py + f) / w;
      out.data[y * width + x] = clampByte(
        u < 0 || u > 1 || v < 0 || v > 1
          ? background
          : sample(image, u * image.width - 0.5, v * image.height - 0.5, background),
      );
    }
  }
  return out;
}

/**
 * A phone photo of a screen showing `code`: the code fills about 60% of the frame's height, the
 * screen is tilted by `tilt` (a fraction of the frame; 0.03 is slight), around it a grey wall.
 */
export function photo(code: GreyImage, tilt = 0.03, width = 1280, height = 720): GreyImage {
  return perspective(
    code,
    [
      { x: 0.33 + tilt, y: 0.2 },
      { x: 0.67, y: 0.22 + tilt },
      { x: 0.66 - tilt, y: 0.8 },
      { x: 0.34, y: 0.79 - tilt },
    ],
    width,
    height,
    200,
  );
}

/** A screen seen nearly edge-on, in a 1280×720 frame: the far side under half the near one. */
export function edgeOn(code: GreyImage): GreyImage {
  const corners = [
    { x: 0.35, y: 0.05 },
    { x: 0.65, y: 0.3 },
    { x: 0.65, y: 0.7 },
    { x: 0.35, y: 0.95 },
  ] as const;
  return perspective(code, corners, 1280, 720, 220);
}

/** A screen lying on a desk, seen from the chair: its top two fifths as wide as its bottom. */
export function onDesk(code: GreyImage): GreyImage {
  const corners = [
    { x: 0.38, y: 0.1 },
    { x: 0.62, y: 0.1 },
    { x: 0.8, y: 0.95 },
    { x: 0.2, y: 0.95 },
  ] as const;
  return perspective(code, corners, 1280, 720, 200);
}

/** Convolves rows and columns with a 1-D kernel (edges clamped). */
function separable(image: GreyImage, kernel: readonly number[]): GreyImage {
  const { width, height } = image;
  const r = (kernel.length - 1) / 2;
  const tmp = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        s += image.data[y * width + Math.min(width - 1, Math.max(0, x + k))]! * kernel[k + r]!;
      }
      tmp[y * width + x] = s;
    }
  }
  const out = blank(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        s += tmp[Math.min(height - 1, Math.max(0, y + k)) * width + x]! * kernel[k + r]!;
      }
      out.data[y * width + x] = clampByte(s);
    }
  }
  return out;
}

/** Gaussian blur of standard deviation `sigma` pixels (a camera out of focus). */
export function blur(image: GreyImage, sigma: number): GreyImage {
  const r = Math.ceil(sigma * 3);
  const kernel = Array.from({ length: 2 * r + 1 }, (_, k) =>
    Math.exp(-((k - r) ** 2) / (2 * sigma ** 2)),
  );
  const sum = kernel.reduce((s, v) => s + v, 0);
  return separable(
    image,
    kernel.map((v) => v / sum),
  );
}

/** A hand moving during the exposure: the mean of `length` samples along `degrees`. */
export function motionBlur(image: GreyImage, length: number, degrees: number): GreyImage {
  const a = (degrees * Math.PI) / 180;
  const steps = Math.max(2, Math.round(length));
  const out = blank(image.width, image.height);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      let s = 0;
      for (let k = 0; k < steps; k++) {
        const t = (k / (steps - 1) - 0.5) * length;
        s += sample(image, x + t * Math.cos(a), y + t * Math.sin(a), 255);
      }
      out.data[y * image.width + x] = clampByte(s / steps);
    }
  }
  return out;
}

/** Sensor noise: Gaussian, `sigma` grey levels, seeded. */
export function noise(image: GreyImage, sigma: number, seed = 1): GreyImage {
  const rand = random(seed);
  return map(image, (v) => v + sigma * gaussian(rand));
}

/** Low light: the whole range squeezed to `black`..`white` (e.g. 10..50). */
export function darken(image: GreyImage, black: number, white: number): GreyImage {
  return map(image, (v) => black + ((white - black) * v) / 255);
}

/** A bright reflection: a Gaussian blob at (cx, cy) (fractions of the size) washing out contrast. */
export function glare(
  image: GreyImage,
  cx: number,
  cy: number,
  radius: number,
  strength: number,
): GreyImage {
  const x0 = cx * image.width;
  const y0 = cy * image.height;
  const r = radius * Math.max(image.width, image.height);
  return map(image, (v, x, y) => {
    const k = strength * Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * r * r));
    return v + k * (255 - v);
  });
}

/** A photographed screen's moiré: brightness modulated by a sine wave of `period` pixels. */
export function moire(image: GreyImage, period: number, degrees: number, depth: number): GreyImage {
  const a = (degrees * Math.PI) / 180;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  return map(
    image,
    (v, x, y) => v * (1 - depth * (0.5 + 0.5 * Math.sin((2 * Math.PI * (x * c + y * s)) / period))),
  );
}

/** Dark mode: light modules on a dark ground. */
export function invert(image: GreyImage): GreyImage {
  return map(image, (v) => 255 - v);
}

/** Shading across the image, as from a lamp to one side: `from` at the left to `to` at the right. */
export function shade(image: GreyImage, from: number, to: number): GreyImage {
  return map(image, (v, x) => v * (from + ((to - from) * x) / image.width));
}

/**
 * A busy `width`×`height` screenshot (windows, text-like lines, noise) with `image` pasted at
 * (x, y): a small code in a large picture.
 */
export function screenshot(
  image: GreyImage,
  x: number,
  y: number,
  width = 1280,
  height = 720,
  seed = 7,
): GreyImage {
  const rand = random(seed);
  const out = blank(width, height, 235);
  const fill = (x0: number, y0: number, w: number, h: number, v: number): void => {
    for (let yy = Math.max(0, y0); yy < Math.min(height, y0 + h); yy++) {
      for (let xx = Math.max(0, x0); xx < Math.min(width, x0 + w); xx++)
        out.data[yy * width + xx] = v;
    }
  };
  fill(0, 0, width, 28, 60); // title bar
  for (let i = 0; i < 14; i++) {
    const [wx, wy] = [Math.floor(rand() * width), Math.floor(rand() * height)];
    fill(
      wx,
      wy,
      100 + Math.floor(rand() * 400),
      60 + Math.floor(rand() * 250),
      150 + Math.floor(rand() * 100),
    );
  }
  for (let line = 40; line < height; line += 14) {
    for (let cx = 10; cx < width - 10;) {
      const word = 6 + Math.floor(rand() * 50);
      if (rand() < 0.7) fill(cx, line, word, 8, 20 + Math.floor(rand() * 60));
      cx += word + 6;
    }
  }
  for (let yy = 0; yy < image.height; yy++) {
    for (let xx = 0; xx < image.width; xx++) {
      const [tx, ty] = [x + xx, y + yy];
      if (tx >= 0 && ty >= 0 && tx < width && ty < height) {
        out.data[ty * width + tx] = image.data[yy * image.width + xx]!;
      }
    }
  }
  return noise(out, 4, seed);
}

/** Several images side by side on a white canvas, for a picture holding more than one code. */
export function sideBySide(images: readonly GreyImage[], gap = 40): GreyImage {
  const width = images.reduce((s, im) => s + im.width, 0) + gap * (images.length + 1);
  const height = Math.max(...images.map((im) => im.height)) + 2 * gap;
  const out = blank(width, height);
  let left = gap;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) {
      out.data.set(im.data.subarray(y * im.width, (y + 1) * im.width), (gap + y) * width + left);
    }
    left += im.width + gap;
  }
  return out;
}

/** Encoded as JPEG at `quality` (1–100) by jpeg-js. */
export function toJpeg(image: GreyImage, quality: number): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.data.length; i++) {
    rgba.fill(image.data[i]!, i * 4, i * 4 + 3);
    rgba[i * 4 + 3] = 255;
  }
  return new Uint8Array(
    jpeg.encode({ data: rgba, width: image.width, height: image.height }, quality).data,
  );
}

/** Re-encoded as JPEG at `quality` and decoded again: a heavily compressed upload. */
export function jpegRecode(image: GreyImage, quality: number): GreyImage {
  return decodeImage(toJpeg(image, quality));
}

/** Encoded as an 8-bit greyscale PNG, for files handed to `airlock scan`. */
export function toPng(image: GreyImage): Uint8Array {
  const png = new PNG({
    width: image.width,
    height: image.height,
    colorType: 0,
    inputColorType: 0,
  });
  png.data = Buffer.from(image.data);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
}
