// The operator console's files (web/dist, built by `npm run build:web`), read into memory once and
// served at / with a Content-Security-Policy that allows this origin's scripts and nothing inline.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import { EMBEDDED_CONSOLE } from './embedded-console.ts';

export interface ConsoleFile {
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
}

/** URL path ("/app.js") → file. "/" is index.html. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleFile>;

/** Where `npm run build:web` writes the console. */
export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The console's page may run this origin's scripts and worker, show images it draws (data: and
 * blob: URLs for QR codes), play the camera's stream, and call this origin's API; nothing else.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The console's files, or undefined when it has not been built. */
export async function loadConsoleAssets(dir = CONSOLE_DIR): Promise<ConsoleAssets | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const files: [string, Buffer][] = [];
  for (const name of names) {
    if (TYPES[extname(name)] !== undefined) files.push([name, await readFile(join(dir, name))]);
  }
  return consoleAssetsOf(files);
}

/** The console this build carries: inside the bundle when bundled, else web/dist. */
export async function builtInConsole(): Promise<ConsoleAssets | undefined> {
  return EMBEDDED_CONSOLE === undefined
    ? loadConsoleAssets()
    : consoleAssetsOf(
        EMBEDDED_CONSOLE.map(([name, base64]) => [name, Buffer.from(base64, 'base64')]),
      );
}

/** Files (name, contents) as the console, or undefined without an index.html. */
export function consoleAssetsOf(
  files: Iterable<readonly [string, Buffer]>,
): ConsoleAssets | undefined {
  const assets = new Map<string, ConsoleFile>();
  for (const [name, body] of files) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name === 'index.html' ? '/' : `/${name}`, { type, body, etag });
  }
  return assets.has('/') ? assets : undefined;
}

const NOT_BUILT =
  'The Airlock console has not been built. Run `npm run build:web` (npm start does it), then reload.\n';

/**
 * Serves GET and HEAD of the console's files; every other path goes on to the API. Files are
 * revalidated by ETag on each load, so an upgraded appliance never serves a stale mix.
 */
export function consoleMiddleware(assets: ConsoleAssets | undefined): Koa.Middleware {
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) {
      await next();
      return;
    }
    const path = ctx.path === '/index.html' ? '/' : ctx.path;
    if (assets === undefined) {
      if (path !== '/') return next();
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = NOT_BUILT;
      return;
    }
    const file = assets.get(path);
    if (file === undefined) return next();
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
    ctx.set('ETag', file.etag);
    ctx.type = file.type;
    if (ctx.get('If-None-Match') === file.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  };
}
