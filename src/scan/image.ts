// Photos and screenshots to greyscale pixels, for the QR decoder: PNG or JPEG only, recognised by
// their first bytes, with the file size and the pixel count bounded before anything is decoded.

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AirlockError } from '../core/errors.ts';
import type { GreyImage } from './grey-image.ts';

/** A phone photo is a few MiB; anything larger is refused before it is read. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** 40 megapixels: more than any phone camera, and 160 MB of RGBA while decoding. */
export const MAX_IMAGE_PIXELS = 40_000_000;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

function invalid(message: string): AirlockError {
  return new AirlockError('FORMAT_INVALID', message);
}

/** 'png' or 'jpeg' from the magic bytes, or undefined for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  return u16(bytes, at) * 65536 + u16(bytes, at + 2);
}

/** Width and height from the IHDR chunk, which the PNG specification places first. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const ihdr = String.fromCharCode(...bytes.subarray(12, 16));
  if (bytes.length < 33 || ihdr !== 'IHDR') {
    throw invalid('This PNG image is damaged: its header is missing or cut short.');
  }
  return { width: u32(bytes, 16), height: u32(bytes, 20) };
}

// Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but not.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Width and height from the first start-of-frame segment, walking the segments before it. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } {
  const damaged = invalid('This JPEG image is damaged or cut short: its size cannot be read.');
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw damaged;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) throw damaged; // image data before any frame
    const length = u16(bytes, at + 2);
    if (length < 2) throw damaged;
    if (isStartOfFrame(marker)) {
      if (at + 9 > bytes.length) throw damaged;
      return { height: u16(bytes, at + 5), width: u16(bytes, at + 7) };
    }
    at += 2 + length;
  }
  throw damaged;
}

function checkSize(size: { width: number; height: number }, format: string): void {
  if (size.width === 0 || size.height === 0) {
    throw invalid(`This ${format} image is damaged: it says it is ${size.width}×${size.height}.`);
  }
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    throw invalid(
      `This ${format} image is ${size.width}×${size.height} pixels; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are read. Send a smaller picture.`,
    );
  }
}

/** ITU-R BT.601 luma in 8-bit fixed point, composited over white so transparent areas are light. */
function greyFromRgba(rgba: Uint8Array, width: number, height: number, channels: 3 | 4): GreyImage {
  const data = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += channels) {
    const luma = (77 * rgba[j]! + 150 * rgba[j + 1]! + 29 * rgba[j + 2]! + 128) >> 8;
    if (channels === 3) {
      data[i] = luma;
    } else {
      const alpha = rgba[j + 3]!;
      data[i] = (luma * alpha + 255 * (255 - alpha) + 127) / 255;
    }
  }
  return { data, width, height };
}

function decodePng(bytes: Uint8Array): GreyImage {
  let png;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    throw invalid('This PNG image is damaged or cut short, so it cannot be read.');
  }
  return greyFromRgba(png.data, png.width, png.height, 4);
}

function decodeJpeg(bytes: Uint8Array): GreyImage {
  let image;
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // jpeg-js checks its own limits too, after ours; a file cut short still throws.
      tolerantDecoding: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 512,
    });
  } catch {
    throw invalid('This JPEG image is damaged or cut short, so it cannot be read.');
  }
  return greyFromRgba(image.data, image.width, image.height, 3);
}

/**
 * Decodes a PNG or JPEG image to 8-bit greyscale. Refuses (FORMAT_INVALID) anything else, files
 * over 20 MiB and images over 40 megapixels, each checked before the pixels are decoded.
 */
export function decodeImage(bytes: Uint8Array): GreyImage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('an image is read from a Uint8Array');
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw invalid(
      `This image is ${(bytes.length / 1048576).toFixed(1)} MiB; at most ${MAX_IMAGE_BYTES / 1048576} MiB are read. Send a smaller picture.`,
    );
  }
  const format = sniffImageFormat(bytes);
  if (format === 'png') {
    checkSize(pngSize(bytes), 'PNG');
    return decodePng(bytes);
  }
  if (format === 'jpeg') {
    checkSize(jpegSize(bytes), 'JPEG');
    return decodeJpeg(bytes);
  }
  throw invalid(bytes.length === 0 ? 'This image is empty.' : 'This is not a PNG or JPEG image.');
}
