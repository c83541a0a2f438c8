// Benchmark section: the photo decoder (decodeQrCodes with PHOTO_PASSES, as the HTTP upload and
// `airlock scan` use it) on the kept set of photographed and distorted QR images (test/scan/set/),
// side by side with zbarimg, plain jsQR and @zxing/library: how many each reads, and the median
// time per image, ours against a 30 ms ceiling (issue 5, "Scanning quality").

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import zxing, { type LuminanceSource } from '@zxing/library';
import jsqrModule from 'jsqr';
import { decodeQrCodes } from '../../src/scan/decode.ts';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import { decodeImage } from '../../src/scan/image.ts';
import { type Category, readScanSet, rgbaOf, type SetImage } from '../../test/scan/scan-set.ts';
import type { MeasureOptions } from './measure.ts';
import type { Report, Row } from './report.ts';

// Both are CommonJS; under NodeNext the default import is module.exports.
const jsQR = jsqrModule.default;
const { BinaryBitmap, DecodeHintType, HybridBinarizer, QRCodeReader, RGBLuminanceSource } = zxing;

/** Issue 5: the photo decoder's median time per 1280×720 image. */
const CEILING_MS = 30;

interface Loaded extends SetImage {
  readonly grey: GreyImage;
  readonly rgba: Uint8ClampedArray;
}

interface Result {
  readonly decoder: string;
  /** Per image: read the expected text, and the median time of its runs in ms. */
  readonly read: readonly boolean[];
  readonly ms: readonly number[];
}

/** The middle value, or the mean of the middle two. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const version = (name: string): string =>
  (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;

/**
 * Each in-process decoder on each image: the first run says whether it reads the image, then up
 * to `runs` in all while the image has taken under `budget` ms, interleaved so that the machine's
 * drift favours none; each image's time is the median of its runs.
 */
function timeInProcess(
  decoders: Readonly<Record<string, (image: Loaded) => string | undefined>>,
  images: readonly Loaded[],
  runs: number,
  budget: number,
): Result[] {
  const names = Object.keys(decoders);
  // Warm-up, so that the first images do not pay for compilation.
  for (const name of names) {
    for (const image of images.slice(0, 3)) for (let i = 0; i < 3; i++) decoders[name]!(image);
  }
  const read = names.map(() => [] as boolean[]);
  const ms = names.map(() => [] as number[]);
  for (const image of images) {
    const times = names.map(() => [] as number[]);
    for (let run = 0; run < runs; run++) {
      names.forEach((name, d) => {
        const spent = times[d]!.reduce((s, t) => s + t, 0);
        if (run > 0 && spent > budget) return;
        const start = performance.now();
        const text = decoders[name]!(image);
        times[d]!.push(performance.now() - start);
        if (run === 0) read[d]!.push(text === image.text);
      });
    }
    names.forEach((_, d) => ms[d]!.push(median(times[d]!)));
  }
  return names.map((decoder, d) => ({ decoder, read: read[d]!, ms: ms[d]! }));
}

const ZBAR_SCAN = ['--nodbus', '--raw', '-q', '-Sdisable', '-Sqrcode.enable', '-Stest-inverted'];
/** The same process with nothing scanned: start-up and reading the file only. */
const ZBAR_EMPTY = ['--nodbus', '--raw', '-q', '-Sx-density=0', '-Sy-density=0'];

function zbarVersion(): string | undefined {
  const run = spawnSync('zbarimg', ['--version'], { encoding: 'utf8' });
  return run.error === undefined && run.status === 0 ? run.stdout.trim() : undefined;
}

/** zbarimg per image: median process time scanning, minus the median with nothing scanned. */
function timeZbar(name: string, images: readonly Loaded[], runs: number): Result {
  const processMs = (args: readonly string[], path: string): { ms: number; out: string } => {
    const times: number[] = [];
    let out = '';
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const run = spawnSync('zbarimg', [...args, path], { encoding: 'utf8', timeout: 60_000 });
      times.push(performance.now() - start);
      out = run.status === 0 ? run.stdout : '';
    }
    return { ms: median(times), out };
  };
  const read: boolean[] = [];
  const ms: number[] = [];
  for (const image of images) {
    const scan = processMs(ZBAR_SCAN, image.path);
    const empty = processMs(ZBAR_EMPTY, image.path);
    read.push(scan.out.replace(/\n$/, '') === image.text);
    ms.push(Math.max(0, scan.ms - empty.ms));
  }
  return { decoder: name, read, ms };
}

type Outcome = Result | { readonly decoder: string; readonly missing: string };

/** One row per decoder: its count, its median, ours against the ceiling and against each peer. */
function summaryRows(results: readonly Outcome[], mine: Result, n: number): Row[] {
  const ourCount = mine.read.filter(Boolean).length;
  const ourMedian = median(mine.ms);
  return results.map((result) => {
    if ('missing' in result) {
      return {
        decoder: result.decoder,
        read: '-',
        'median ms': '-',
        ratio: '-',
        target: result.missing,
      };
    }
    const count = result.read.filter(Boolean).length;
    const isOurs = result === mine;
    return {
      decoder: result.decoder,
      read: `${count}/${n}`,
      'median ms': median(result.ms),
      ratio: isOurs
        ? `median/${CEILING_MS} ms = ${(ourMedian / CEILING_MS).toFixed(2)}`
        : `ours/its read = ${ourCount}/${count} = ${count === 0 ? '∞' : (ourCount / count).toFixed(2)}`,
      target: isOurs
        ? `median <= ${CEILING_MS} ms: ${ourMedian <= CEILING_MS ? 'PASS' : 'ABOVE CEILING'}`
        : `ours reads more: ${ourCount > count ? 'PASS' : 'BELOW TARGET'}`,
    };
  });
}

/** One row per category: how many of its images each decoder read. */
function categoryRows(
  images: readonly Loaded[],
  results: readonly Outcome[],
  categories: readonly Category[],
): Row[] {
  return categories.map((category) => {
    const members = images.flatMap((image, i) => (image.category === category ? [i] : []));
    const row: Record<string, string> = { category, images: String(members.length) };
    for (const result of results) {
      const name = result.decoder.split(' ')[0]!;
      row[name] = 'missing' in result ? '-' : String(members.filter((i) => result.read[i]).length);
    }
    return row;
  });
}

export function scanSection(report: Report, options: MeasureOptions): void {
  const runs = Math.max(3, Math.min(15, Math.round(5 * options.seconds)));
  const budget = 1000 * options.seconds;
  const set = readScanSet();
  const fileMs: number[] = [];
  const rgbaMs: number[] = [];
  const images: Loaded[] = set.map((image) => {
    let start = performance.now();
    const grey = decodeImage(image.bytes);
    fileMs.push(performance.now() - start);
    start = performance.now();
    const rgba = rgbaOf(image.bytes);
    rgbaMs.push(performance.now() - start);
    return { ...image, grey, rgba };
  });

  const reader = new QRCodeReader();
  const hints = new Map([[DecodeHintType.TRY_HARDER, true]]);
  const zxingRead = (source: LuminanceSource): string | undefined => {
    try {
      return reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText();
    } catch {
      return undefined; // NotFound, Checksum, Format: nothing read
    }
  };
  const ours = 'ours (decodeQrCodes, PHOTO_PASSES)';
  const inProcess = timeInProcess(
    {
      [ours]: ({ grey }) => {
        const texts = decodeQrCodes(grey);
        // As test/scan/set.test.ts counts: one code, so a misread beside the right one fails.
        return texts.length === 1 ? texts[0] : undefined;
      },
      [`jsQR ${version('jsqr')} (attemptBoth)`]: ({ rgba, grey }) =>
        jsQR(rgba, grey.width, grey.height, { inversionAttempts: 'attemptBoth' })?.data,
      [`@zxing/library ${version('@zxing/library')} (TRY_HARDER)`]: ({ grey }) => {
        const luma = new Uint8ClampedArray(
          grey.data.buffer,
          grey.data.byteOffset,
          grey.width * grey.height,
        );
        const source = new RGBLuminanceSource(luma, grey.width, grey.height);
        return zxingRead(source) ?? zxingRead(source.invert());
      },
    },
    images,
    runs,
    budget,
  );
  const zbar = zbarVersion();
  const zbarRuns = Math.max(1, Math.min(5, Math.round(3 * options.seconds)));
  const results: Outcome[] = [
    ...inProcess,
    zbar === undefined
      ? { decoder: 'zbarimg', missing: 'not installed: apt-get install zbar-tools' }
      : timeZbar(`zbarimg ${zbar}`, images, zbarRuns),
  ];

  const [mine] = inProcess;
  const n = images.length;
  const missed = images.filter((_, i) => !mine!.read[i]).map((image) => image.file);
  const categories = [...new Set(images.map((image) => image.category))];
  const notes = [
    `${n} images of test/scan/set/ (${categories.length} categories); read = the expected text, and for ours nothing else beside it`,
    `time per image: the median of up to ${runs} runs (fewer once an image has taken ${options.seconds} s), then the median over the set`,
    `excluded from the in-process times: reading the file, measured apart, median ${median(fileMs).toFixed(1)} ms per image to grey (decodeImage) and ${median(rgbaMs).toFixed(1)} ms to RGBA for jsQR`,
    'jsQR: jsQR(rgba, width, height, { inversionAttempts: "attemptBoth" }) on the file\'s RGBA pixels',
    "@zxing/library: QRCodeReader with TRY_HARDER over a HybridBinarizer of an RGBLuminanceSource of the luma; once more on the inverted source when that reads nothing, as ZXing's ALSO_INVERTED hint (absent from the JavaScript port) does",
    `zbarimg: one process per image, ${ZBAR_SCAN.join(' ')} FILE; its time = median of ${zbarRuns} runs minus the median of the same file with ${ZBAR_EMPTY.slice(3).join(' ')} (start-up and reading the file, nothing scanned)`,
    `ours missed: ${missed.length === 0 ? 'nothing' : missed.join(', ')}`,
    `times are wall-clock; while measuring, the load average was ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} CPUs (above that, every time here grows)`,
  ];
  const sizes = [...new Set(images.map(({ grey }) => `${grey.width}×${grey.height}`))];
  report.section(
    `QR photo decoder on the scan set (${n} images, ${sizes.join(', ')})`,
    summaryRows(results, mine!, n),
    notes,
  );
  report.section('Images read per category', categoryRows(images, results, categories));
}
