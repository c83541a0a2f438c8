// What this build of Airlock is: its version, the commit it was built from and when, and whether it
// runs as the single binary. A bundled build (`npm run build:binary`) has these fixed by esbuild's
// `define`; run from the sources they come from package.json and git, read once when first asked.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  /** package.json's version: "0.2.0". */
  readonly version: string;
  /** The git commit built from (12 hex digits, "+dirty" when the tree had changes), or "unknown". */
  readonly commit: string;
  /** ISO 8601 time of the build; undefined when run from the sources. */
  readonly builtAt?: string;
  /** "binary" (the single executable), "bundle" (node dist/airlock.cjs) or "source". */
  readonly form: 'binary' | 'bundle' | 'source';
}

/** Set by the bundler to the build's facts; not defined when run from the sources. */
declare const AIRLOCK_BUILD: Omit<BuildInfo, 'form'> | undefined;

let cached: BuildInfo | undefined;
let cachedVersion: string | undefined;

/** The version alone, without asking git: "0.2.0". */
export function airlockVersion(): string {
  cachedVersion ??= typeof AIRLOCK_BUILD === 'undefined' ? packageVersion() : AIRLOCK_BUILD.version;
  return cachedVersion;
}

export function buildInfo(): BuildInfo {
  cached ??=
    typeof AIRLOCK_BUILD === 'undefined'
      ? { version: packageVersion(), commit: gitCommit(checkout()), form: 'source' }
      : { ...AIRLOCK_BUILD, form: isSea() ? 'binary' : 'bundle' };
  return cached;
}

/** The checkout this file is in (it is src/node/build-info.ts). */
function checkout(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function packageVersion(): string {
  const json = readFileSync(join(checkout(), 'package.json'), 'utf8');
  return (JSON.parse(json) as { version: string }).version;
}

/** HEAD's commit in `root`, "+dirty" when files differ from it; "unknown" without git. */
export function gitCommit(root: string): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    const head = git('rev-parse', '--short=12', 'HEAD').trim();
    return git('status', '--porcelain', '--untracked-files=no').trim() === ''
      ? head
      : `${head}+dirty`;
  } catch {
    return 'unknown';
  }
}
