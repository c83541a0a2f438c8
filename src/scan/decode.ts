// Every QR code in a photo or screenshot (issue 5, "Scanning quality"). A decoder such as jsQR reads
// clean images; photos of screens need help: the image is tried at a few sizes and in a few
// preparations, cheapest and most often right first, stopping at the first that reads. Browser-safe.

import { binarize, JSQR_FLAT_LIMIT } from './binarize.ts';
import { type FinderPattern, type Finders, findFinderPatterns } from './finder.ts';
import { assertGreyImage, type GreyImage } from './grey-image.ts';
import {
  denoiseWithBinary,
  downscale,
  downscaleFactor,
  fillQuad,
  insideQuad,
  type Point,
  sharpen,
  stretchContrast,
} from './preprocess.ts';
import { jsqrDecoder, type QrDecoder, type QrHit } from './qr-decoder.ts';

export interface DecodeOptions {
  /** What reads one code; jsQR unless given. */
  readonly decoder?: QrDecoder;
  /**
   * Stop after this many distinct codes (default 4, at most 16). A camera that wants one code
   * passes 1, which also skips the search for a second one.
   */
  readonly maxCodes?: number;
  /** The attempts, in order (PHOTO_PASSES unless given); a live camera may want fewer. */
  readonly passes?: readonly ScanPass[];
}

export const DEFAULT_MAX_CODES = 4;
const MAX_CODES_LIMIT = 16;

export type Preparation = 'plain' | 'thresholded' | 'stretched' | 'sharpened';

/** One attempt: the image shrunk to about `side` pixels, prepared, maybe inverted, decoded. */
export interface ScanPass {
  /** The longest side the image is shrunk to (by a whole factor, never enlarged). */
  readonly side: number;
  /**
   * plain: denoised only; thresholded: our own black and white (binarize.ts); stretched: local
   * contrast stretched (low light, glare); sharpened: unsharp-masked (blur).
   */
  readonly preparation: Preparation;
  /** Light modules on a dark ground (dark mode). */
  readonly inverted?: boolean;
}

// In order of cost and of how often each reads what the ones before it missed, measured on the
// kept set of test/scan/set. ~640 px: a code filling a third of a photo keeps 4+ pixels per
// module, and blur, noise, JPEG blocks and moiré average away; dark mode next; then contrast
// stretched (glare, low light, a dim screen) and thresholded by our own binarizer; ~400 px with
// sharpening: heavy blur; ~1000 px: a small code (a 1280×720 screenshot is read whole), and with
// its contrast stretched, glare on a finder pattern. The rarer rescues come last. A failed pass
// costs little: without three finder patterns in an L, the decoder is not run (qr-decoder.ts).
export const PHOTO_PASSES: readonly ScanPass[] = [
  { side: 640, preparation: 'plain' },
  { side: 640, preparation: 'plain', inverted: true },
  { side: 640, preparation: 'stretched' },
  { side: 640, preparation: 'thresholded' },
  { side: 640, preparation: 'thresholded', inverted: true },
  { side: 400, preparation: 'sharpened' },
  { side: 1000, preparation: 'plain' },
  { side: 1000, preparation: 'stretched' },
  { side: 640, preparation: 'sharpened' },
  { side: 400, preparation: 'plain' },
  { side: 1000, preparation: 'plain', inverted: true },
  { side: 1000, preparation: 'thresholded' },
  { side: 1600, preparation: 'plain' },
];

const PREPARATIONS: readonly Preparation[] = ['plain', 'thresholded', 'stretched', 'sharpened'];

function isScanPass(value: unknown): value is ScanPass {
  const pass = value as Partial<ScanPass> | null;
  return (
    typeof pass === 'object' &&
    pass !== null &&
    Number.isSafeInteger(pass.side) &&
    pass.side! >= 32 &&
    PREPARATIONS.includes(pass.preparation!) &&
    (pass.inverted === undefined || typeof pass.inverted === 'boolean')
  );
}

interface Found {
  readonly hit: QrHit;
  readonly pass: number;
}

/** One prepared image and what every attempt on it shares: its binarization, its finders. */
interface Prepared {
  image: GreyImage;
  /** As jsQR binarizes `image`; from denoising when it made one, else on first use. */
  binary: GreyImage | undefined;
  /** Its finder patterns, dark on light [0] and light on dark [1], found on first use. */
  finders: [FinderPattern[] | undefined, FinderPattern[] | undefined];
}

/**
 * The prepared images of one picture, each made on first use and shared by the passes and by the
 * searches for further codes, in which each code found is painted over in every image.
 */
class Preparations {
  /** The caller's image until a code is painted over, then a copy, painted when next needed. */
  private source: GreyImage;
  private readonly original: GreyImage;
  private readonly prepared = new Map<string, Prepared>();
  private readonly blanks: { readonly corners: readonly Point[]; readonly value: number }[] = [];
  /** How many of `blanks` the source has been painted with. */
  private painted = 0;

  constructor(source: GreyImage) {
    this.source = source;
    this.original = source;
  }

  /** The source with every code found so far painted over. */
  private current(): GreyImage {
    if (this.painted < this.blanks.length) {
      if (this.source === this.original) {
        this.source = { ...this.original, data: this.original.data.slice() };
      }
      for (const { corners, value } of this.blanks.slice(this.painted)) {
        fillQuad(this.source, corners, value);
      }
      this.painted = this.blanks.length;
    }
    return this.source;
  }

  /** Names the attempt: passes whose sides round to the same factor share their image. */
  key(pass: ScanPass): string {
    const factor = downscaleFactor(this.source, pass.side);
    return `${factor}:${pass.preparation}:${pass.inverted === true}`;
  }

  get(pass: ScanPass): Prepared {
    const factor = downscaleFactor(this.source, pass.side);
    const plain = this.cached(`${factor}:plain`, () =>
      denoiseWithBinary(downscale(this.current(), pass.side)),
    );
    switch (pass.preparation) {
      case 'plain':
        return plain;
      case 'thresholded':
        return this.cached(`${factor}:thresholded`, () => ({
          image: binarize(plain.image),
          binary: undefined,
        }));
      case 'stretched':
        return this.cached(`${factor}:stretched`, () =>
          denoiseWithBinary(stretchContrast(plain.image)),
        );
      case 'sharpened':
        return this.cached(`${factor}:sharpened`, () => denoiseWithBinary(sharpen(plain.image)));
    }
  }

  /** The finder patterns of one polarity in a prepared image (finder.ts), found once. */
  finders(prepared: Prepared, inverted: boolean): Finders {
    const polarity = inverted ? 1 : 0;
    const binary = (prepared.binary ??= binarize(prepared.image, JSQR_FLAT_LIMIT));
    const patterns = (prepared.finders[polarity] ??= findFinderPatterns(binary, inverted));
    return { binary, inverted, patterns };
  }

  /**
   * Paints a found code over in every prepared image and binarization, and forgets the finder
   * patterns it covered. The source (the caller's, so copied first) is painted only if another
   * size is prepared from it: most searches never need that 1280×720 copy.
   */
  blank(corners: readonly Point[], value: number): void {
    this.blanks.push({ corners, value });
    const painted = new Set<GreyImage>();
    const scaled = (image: GreyImage): Point[] => {
      const sx = image.width / this.source.width;
      const sy = image.height / this.source.height;
      return corners.map((p) => ({ x: p.x * sx, y: p.y * sy }));
    };
    const paint = (image: GreyImage | undefined): void => {
      if (image === undefined || painted.has(image)) return;
      painted.add(image);
      fillQuad(image, scaled(image), value);
    };
    for (const prepared of this.prepared.values()) {
      // Shrunk by a factor of 1, and clean, the plain image is the source itself.
      if (prepared.image === this.original || prepared.image === this.source) {
        prepared.image = this.current();
        painted.add(prepared.image);
      }
      paint(prepared.image);
      paint(prepared.binary);
      // Painted white (or black) the binarization outside is as it was: so are its patterns.
      const quad = scaled(prepared.image);
      const outside = (list: FinderPattern[] | undefined) =>
        list?.filter((pattern) => !insideQuad(quad, pattern));
      prepared.finders = [outside(prepared.finders[0]), outside(prepared.finders[1])];
    }
  }

  private cached(
    key: string,
    make: () => { image: GreyImage; binary: GreyImage | undefined },
  ): Prepared {
    let prepared = this.prepared.get(key);
    if (prepared === undefined) {
      const { image, binary } = make();
      prepared = { image, binary, finders: [undefined, undefined] };
      this.prepared.set(key, prepared);
    }
    return prepared;
  }
}

/** The first of `passes` that reads a code, with the code's corners in source pixels. */
function search(
  preparations: Preparations,
  source: GreyImage,
  decoder: QrDecoder,
  passes: readonly ScanPass[],
): Found | undefined {
  const tried = new Set<string>();
  for (let pass = 0; pass < passes.length; pass++) {
    const spec = passes[pass]!;
    // Sides that round to the same size give the same image: one attempt each is enough.
    const key = preparations.key(spec);
    if (tried.has(key)) continue;
    tried.add(key);
    const prepared = preparations.get(spec);
    const { image } = prepared;
    const inverted = spec.inverted === true;
    const finders = () => preparations.finders(prepared, inverted);
    const hit = decoder.decode(image, { inverted, finders });
    if (hit === undefined) continue;
    const sx = source.width / image.width;
    const sy = source.height / image.height;
    const [a, b, c, d] = hit.corners.map((p) => ({ x: p.x * sx, y: p.y * sy }));
    return { hit: { text: hit.text, corners: [a!, b!, c!, d!] }, pass };
  }
  return undefined;
}

/**
 * The text of every distinct QR code in the image, in the order found (at most `maxCodes`), or an
 * empty list. After each code its area is painted over and the image searched again, trying only
 * the passes up to the one that read the first code: codes in one picture share its light and
 * focus. (With the jsQR decoder that second search is cheap: the finder patterns already found
 * are kept but for those painted over, and without three left in an L nothing is decoded.) Empty
 * codes are skipped: they carry nothing.
 */
export function decodeQrCodes(image: GreyImage, options: DecodeOptions = {}): string[] {
  assertGreyImage(image);
  const decoder = options.decoder ?? jsqrDecoder;
  const maxCodes = options.maxCodes ?? DEFAULT_MAX_CODES;
  if (!Number.isSafeInteger(maxCodes) || maxCodes < 1 || maxCodes > MAX_CODES_LIMIT) {
    throw new TypeError(`maxCodes must be an integer from 1 to ${MAX_CODES_LIMIT}`);
  }
  let passes = options.passes ?? PHOTO_PASSES;
  if (!Array.isArray(passes) || passes.length === 0 || !passes.every(isScanPass)) {
    throw new TypeError('passes must be a non-empty array of scan passes');
  }
  const texts: string[] = [];
  const preparations = new Preparations(image);
  // An empty or repeated code costs a search but takes no place: two searches to spare.
  for (let searches = 0; searches < maxCodes + 2; searches++) {
    const found = search(preparations, image, decoder, passes);
    if (found === undefined) break;
    if (found.hit.text !== '' && !texts.includes(found.hit.text)) texts.push(found.hit.text);
    if (texts.length >= maxCodes) break;
    passes = passes.slice(0, found.pass + 1);
    preparations.blank(found.hit.corners, passes[found.pass]!.inverted === true ? 0 : 255);
  }
  return texts;
}
