// `node --import=tsx scripts/make-scan-set.ts`: writes test/scan/set/, the kept set of photographed
// and distorted QR images the scanner is measured on (issue 5, "Scanning quality"): a real challenge
// through the seeded transforms of test/scan/distort.ts, so the same pixels come out every time.

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CODES } from '../test/scan/codes.ts';
import * as d from '../test/scan/distort.ts';
import {
  type Category,
  type Manifest,
  type ManifestEntry,
  SET_DIRECTORY,
} from '../test/scan/scan-set.ts';

const OUT = SET_DIRECTORY;
const TEXT = CODES.challenge;

interface Entry {
  readonly name: string;
  readonly category: Category;
  readonly description: string;
  /** JPEG quality of the file: PHOTO_QUALITY unless the image is about heavy compression. */
  readonly quality?: number;
  readonly make: () => Promise<d.GreyImage>;
}

/**
 * As a phone or a chat app saves a picture; it also keeps the noisy images, whose noise no format
 * compresses, to a few hundred KB each, and the set under 4 MB.
 */
const PHOTO_QUALITY = 80;
const code = (scale = 6) => d.qrImage(TEXT, { scale });

/** The code's corners at these fractions of a 1280×720 frame, on a grey wall. */
async function placed(corners: readonly number[], background = 200): Promise<d.GreyImage> {
  const [x0, y0, x1, y1, x2, y2, x3, y3] = corners;
  const quad = [
    { x: x0!, y: y0! },
    { x: x1!, y: y1! },
    { x: x2!, y: y2! },
    { x: x3!, y: y3! },
  ] as const;
  return d.perspective(await code(), quad, 1280, 720, background);
}

const photo = async (tilt?: number) => d.photo(await code(), tilt);

const SET: readonly Entry[] = [
  {
    name: 'perspective-left',
    category: 'perspective',
    description: 'A screen photographed from its left, corners pulled in by 8% of the frame.',
    make: () => photo(0.08),
  },
  {
    name: 'perspective-strong',
    category: 'perspective',
    description:
      'Strong perspective: the near side nearly twice as tall as the far one, and turned.',
    make: () => placed([0.25, 0.15, 0.8, 0.3, 0.75, 0.7, 0.3, 0.9], 220),
  },
  {
    name: 'perspective-far',
    category: 'perspective',
    description: 'A small code in the right half of the frame, a little askew.',
    make: () => placed([0.55, 0.42, 0.72, 0.38, 0.74, 0.7, 0.56, 0.68]),
  },
  {
    name: 'perspective-below',
    category: 'perspective',
    description:
      'A screen lying on a desk, photographed from the chair: its top two fifths as wide as its bottom.',
    make: async () => d.onDesk(await code()),
  },
  {
    name: 'perspective-edge-on',
    category: 'perspective',
    description:
      'Nearly edge-on: the far side under half as tall as the near one, the code squeezed narrow.',
    make: async () => d.edgeOn(await code()),
  },
  {
    name: 'rotation-17',
    category: 'rotation',
    description: 'A code turned by 17°, photographed slightly tilted.',
    make: async () => d.photo(d.rotate(await code(), 17)),
  },
  {
    name: 'rotation-133',
    category: 'rotation',
    description: 'A code turned by 133° (upside down and sideways), photographed.',
    make: async () => d.photo(d.rotate(await code(), 133)),
  },
  {
    name: 'rotation-45-small',
    category: 'rotation',
    description: 'A code turned by 45° in the left third of the frame.',
    make: async () =>
      d.perspective(
        d.rotate(await code(), 45),
        [
          { x: 0.1, y: 0.3 },
          { x: 0.4, y: 0.3 },
          { x: 0.4, y: 0.85 },
          { x: 0.1, y: 0.85 },
        ],
        1280,
        720,
        190,
      ),
  },
  {
    name: 'blur-3',
    category: 'blur',
    description: 'Slightly out of focus (Gaussian blur, σ 3 px, about two thirds of a module).',
    make: async () => d.blur(await photo(), 3),
  },
  {
    name: 'blur-4',
    category: 'blur',
    description: 'Out of focus (σ 4 px).',
    make: async () => d.blur(await photo(), 4),
  },
  {
    name: 'blur-5',
    category: 'blur',
    description: "Badly out of focus (σ 5 px, a module's width).",
    make: async () => d.blur(await photo(), 5),
  },
  {
    name: 'blur-6',
    category: 'blur',
    description: 'Very badly out of focus (σ 6 px).',
    make: async () => d.blur(await photo(), 6),
  },
  {
    name: 'motion-8',
    category: 'motion',
    description: 'A hand moving sideways: an 8 px smear.',
    make: async () => d.motionBlur(await photo(), 8, 0),
  },
  {
    name: 'motion-14',
    category: 'motion',
    description: 'A 14 px smear at 20°, a module and a half.',
    make: async () => d.motionBlur(await photo(), 14, 20),
  },
  {
    name: 'motion-16-vertical',
    category: 'motion',
    description: 'A 16 px smear at 75°, nearly vertical.',
    make: async () => d.motionBlur(await photo(), 16, 75),
  },
  {
    name: 'motion-20',
    category: 'motion',
    description: 'A 20 px smear at 20°, over two modules.',
    make: async () => d.motionBlur(await photo(), 20, 20),
  },
  {
    name: 'glare-93',
    category: 'glare',
    description: "A lamp reflected over the code's middle, washing out 93% at its centre.",
    make: async () => d.glare(await photo(), 0.45, 0.4, 0.1, 0.93),
  },
  {
    name: 'glare-97',
    category: 'glare',
    description: 'A near-white reflection (97%) over a wider area.',
    make: async () => d.glare(await photo(), 0.5, 0.45, 0.12, 0.97),
  },
  {
    name: 'glare-corner',
    category: 'glare',
    description: 'A small, bright reflection (95%) on the top-left finder pattern.',
    make: async () => d.glare(await photo(), 0.38, 0.3, 0.06, 0.95),
  },
  {
    name: 'glare-shaded',
    category: 'glare',
    description: 'Shaded from the right, with a reflection (90%) in the lower right.',
    make: async () => d.glare(d.shade(await photo(), 0.9, 0.3), 0.6, 0.6, 0.08, 0.9),
  },
  {
    name: 'low-light-dark',
    category: 'low-light',
    description: 'A dark room: the whole picture within grey levels 2 to 14.',
    make: async () => d.noise(d.darken(await photo(), 2, 14), 1),
  },
  {
    name: 'low-light-dim',
    category: 'low-light',
    description: 'A dim, washed-out screen: grey levels 100 to 130.',
    make: async () => d.noise(d.darken(await photo(), 100, 130), 2),
  },
  {
    name: 'low-light-night',
    category: 'low-light',
    description: 'Night: grey levels 5 to 40 with sensor noise (σ 4).',
    make: async () => d.noise(d.darken(await photo(), 5, 40), 4),
  },
  {
    name: 'low-light-shade',
    category: 'low-light',
    description: 'Lit from the left only: full light to 5% across the frame.',
    make: async () => d.shade(await photo(), 1, 0.05),
  },
  {
    name: 'noise-30',
    category: 'noise',
    description: 'Sensor noise, σ 30 grey levels.',
    make: async () => d.noise(await photo(), 30, 3),
  },
  {
    name: 'noise-60',
    category: 'noise',
    description: 'Very heavy sensor noise, σ 60.',
    make: async () => d.noise(await photo(), 60, 5),
  },
  {
    name: 'moire-5',
    category: 'moire',
    description: 'Moiré of a photographed screen: 5 px stripes at 80°, 80% deep.',
    make: async () => d.moire(await photo(), 5, 80, 0.8),
  },
  {
    name: 'moire-fine',
    category: 'moire',
    description: 'Fine moiré: 3.3 px stripes at 10°, 70% deep, on a tilted screen.',
    make: async () => d.moire(await photo(0.05), 3.3, 10, 0.7),
  },
  {
    name: 'jpeg-5',
    category: 'jpeg',
    quality: 5,
    description: 'A noisy photo (σ 10) saved as JPEG at quality 5.',
    make: async () => d.noise(await photo(), 10),
  },
  {
    name: 'jpeg-10',
    category: 'jpeg',
    quality: 10,
    description: 'A code turned by 8°, saved as JPEG at quality 10.',
    make: async () => d.photo(d.rotate(await code(), 8)),
  },
  {
    name: 'jpeg-20-everything',
    category: 'jpeg',
    quality: 20,
    description: 'Turned by 25°, glare, blur (σ 2) and noise (σ 12), saved as JPEG at quality 20.',
    make: async () =>
      d.noise(d.blur(d.glare(d.photo(d.rotate(await code(), 25)), 0.55, 0.5, 0.1, 0.5), 2), 12),
  },
  {
    name: 'dark-mode-photo',
    category: 'dark-mode',
    description: 'A dark-mode screen (light modules on black) photographed.',
    make: async () => d.photo(d.invert(await code())),
  },
  {
    name: 'dark-mode-noisy',
    category: 'dark-mode',
    description: 'A photographed dark-mode code with sensor noise (σ 8), wall dark too.',
    make: async () => d.noise(d.invert(await photo()), 8),
  },
  {
    name: 'dark-mode-dim-blurred',
    category: 'dark-mode',
    description: 'Dark mode in a dark room (grey levels 5 to 40), out of focus (σ 2), noisy.',
    make: async () => d.noise(d.blur(d.darken(d.invert(await photo()), 5, 40), 2), 3),
  },
  {
    name: 'dark-mode-screenshot',
    category: 'dark-mode',
    description:
      'A dark-themed 1280×720 screenshot with a small code (3 px modules), sent as a JPEG.',
    make: async () => d.invert(d.screenshot(await code(3), 700, 300)),
  },
  {
    name: 'screenshot-3px',
    category: 'screenshot',
    description: 'A busy 1280×720 screenshot with a small code (3 px modules), sent as a JPEG.',
    make: async () => d.screenshot(await code(3), 900, 400),
  },
  {
    name: 'screenshot-2px',
    category: 'screenshot',
    description: 'A busy screenshot with a tiny code (2 px modules), sent as a JPEG.',
    make: async () => d.screenshot(await code(2), 900, 400),
  },
];

await mkdir(OUT, { recursive: true });
for (const name of await readdir(OUT)) {
  if (/\.(png|jpg|json)$/.test(name)) await rm(join(OUT, name));
}
const images: ManifestEntry[] = [];
for (const [i, entry] of SET.entries()) {
  const image = await entry.make();
  const file = `${String(i + 1).padStart(2, '0')}-${entry.name}.jpg`;
  const bytes = d.toJpeg(image, entry.quality ?? PHOTO_QUALITY);
  await writeFile(join(OUT, file), bytes);
  images.push({ file, category: entry.category, description: entry.description, text: TEXT });
}
const manifest: Manifest = { generator: 'scripts/make-scan-set.ts', images };
await writeFile(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${images.length} images in ${OUT}`);
