// `npm run build:binary`: Airlock as one file. The console is built (web/dist), the command line,
// server and console are bundled by esbuild into dist/airlock.cjs (runnable as `node
// dist/airlock.cjs`), and that bundle becomes a Node.js single executable application: a copy of
// this node binary with the bundle injected by postject (dist/airlock, Linux x86-64). The build's
// version, commit and time are fixed in the bundle for `airlock --version`.

import { execFileSync } from 'node:child_process';
import { chmod, copyFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { inject } from 'postject';
import { gitCommit } from '../src/node/build-info.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const bundle = join(dist, 'airlock.cjs');
const blob = join(dist, 'airlock.blob');
const binary = join(dist, 'airlock');
/** The fuse Node.js looks for to know a single executable application's blob was injected. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const CONSOLE_FILES = new Set(['.html', '.js', '.css', '.svg', '.png']);

function run(command: string, args: string[]): void {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

/** web/dist's files as the source of src/http/embedded-console.ts. */
async function embeddedConsole(): Promise<string> {
  const dir = join(root, 'web', 'dist');
  const files: [string, string][] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (CONSOLE_FILES.has(extname(name))) {
      files.push([name, (await readFile(join(dir, name))).toString('base64')]);
    }
  }
  if (!files.some(([name]) => name === 'index.html')) throw new Error('web/dist has no index.html');
  return `export const EMBEDDED_CONSOLE = ${JSON.stringify(files)};\n`;
}

/** Drops node's debugging symbols (about 12 MiB) when binutils' strip is at hand. */
function stripSymbols(file: string): void {
  try {
    execFileSync('strip', ['--strip-all', file], { stdio: 'ignore' });
  } catch {
    console.log('strip is not installed: the binary keeps its debugging symbols');
  }
}

const embedConsole: esbuild.Plugin = {
  name: 'embed-console',
  setup(build) {
    build.onLoad({ filter: /[/\\]src[/\\]http[/\\]embedded-console\.ts$/ }, async () => ({
      contents: await embeddedConsole(),
      loader: 'js',
    }));
  },
};

/**
 * Optional packages that are not installed: Koa's `debug` asks for `supports-color`, and `pg` for
 * `pg-native` (libpq bindings, only when `pg.native` is read, which Airlock never does). The single
 * executable would warn that it cannot load them from disk, so the bundle holds empty ones instead.
 */
const noOptionalPackages: esbuild.Plugin = {
  name: 'no-optional-packages',
  setup(build) {
    build.onResolve({ filter: /^(supports-color|pg-native)$/ }, (args) => ({
      path: args.path,
      namespace: 'empty',
    }));
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({
      contents: 'module.exports = {};',
    }));
  },
};

const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  version: string;
};
const build = { version, commit: gitCommit(root), builtAt: new Date().toISOString() };

run(process.execPath, ['--import=tsx', 'scripts/build-web.ts']);
await rm(dist, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [join(root, 'src', 'cli', 'entry.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [embedConsole, noOptionalPackages],
  // The sources are ES modules; the single executable runs CommonJS, which has __filename instead.
  banner: {
    js: 'var __airlock_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  },
  define: {
    AIRLOCK_BUILD: JSON.stringify(build),
    'import.meta.url': '__airlock_import_meta_url',
  },
});

const seaConfig = join(dist, 'sea-config.json');
await writeFile(
  seaConfig,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }),
);
run(process.execPath, ['--experimental-sea-config', seaConfig]);
await copyFile(process.execPath, binary);
await chmod(binary, 0o755);
stripSymbols(binary);
// postject's ELF reader warns about note sections it does not name; nothing is wrong with them.
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  if (!/Can't find string offset for section name/.test(String(args[0]))) warn(...args);
};
try {
  await inject(binary, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
} finally {
  console.warn = warn;
}
await rm(blob);
await rm(seaConfig);

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
console.log(
  `built ${binary} (${mib((await stat(binary)).size)}; bundle ${mib((await stat(bundle)).size)}), airlock ${version} commit ${build.commit}`,
);
