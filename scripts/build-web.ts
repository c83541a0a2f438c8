// `npm run build:web`: the operator console (web/) bundled for the browser into web/dist, which the
// appliance serves at /. Two bundles (the page, and the scanner's Web Worker) plus the static files;
// no CDN, nothing fetched at run time. `--watch` rebuilds on change while the console is worked on.

import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const out = join(root, 'dist');

const options: esbuild.BuildOptions = {
  entryPoints: {
    app: join(root, 'src', 'main.ts'),
    'scan-worker': join(root, 'src', 'scan-worker.ts'),
  },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const name of await readdir(join(root, 'static'))) {
  await copyFile(join(root, 'static', name), join(out, name));
}
if (process.argv.includes('--watch')) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log(`watching web/src, writing ${out}`);
} else {
  await esbuild.build(options);
}
