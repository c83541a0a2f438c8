// The one pixel format of the scanner: 8-bit greyscale, row by row, no padding. Browser-safe (the
// web console's worker uses the same decoder), so nothing here touches Node.

/**
 * Whether a Uint32Array over pixel bytes sees the first byte as its lowest (every browser and
 * Node host): the scanner reads four bytes at a time where it can, and falls back where not.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface GreyImage {
  /** width × height luma values, 0 black to 255 white, row after row. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Throws TypeError unless `image` is a GreyImage whose data matches its size. */
export function assertGreyImage(image: unknown): asserts image is GreyImage {
  const { data, width, height } = (image ?? {}) as Partial<GreyImage>;
  if (!(data instanceof Uint8Array)) throw new TypeError('image.data must be a Uint8Array');
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width! < 1 || height! < 1) {
    throw new TypeError('image.width and image.height must be positive integers');
  }
  if (data.length !== width! * height!) {
    throw new TypeError(
      `image.data has ${data.length} values; a ${width}×${height} image has ${width! * height!}`,
    );
  }
}
