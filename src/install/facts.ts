// The facts `airlock appliance install | uninstall` plans from: which paths of the layout exist,
// with which mode and owner, what the settings file and the unit hold, the binaries' digests,
// whether the service user exists and the service runs. Reads only; under --root, the files
// below that directory and nothing of the host's users or services.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DATA_FILES } from '../appliance/data-dir.ts';
import { AirlockError } from '../core/errors.ts';
import { parseServeConfig } from '../http/config.ts';
import { errorCode, readFileBounded } from '../node/atomic-file.ts';
import type { InstallLayout } from './layout.ts';
import type { HostFacts, InstallFacts, PathFact } from './plan.ts';
import { SERVICE_NAME } from './systemd-unit.ts';

/** A settings file or a unit is a few KiB. */
const MAX_TEXT_BYTES = 64 * 1024;

/** Where a host path is: itself, or below --root. */
export function placeOf(root: string | undefined): (path: string) => string {
  return (path) => (root === undefined ? path : join(root, path));
}

/** Runs a program; its exit status (0 for success), or undefined when it is not installed. */
function exitStatus(
  file: string,
  args: readonly string[],
): Promise<{ code: number | undefined; stdout: string }> {
  return new Promise((done) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout) => {
      if (error === null) return done({ code: 0, stdout });
      const code = typeof error.code === 'number' ? error.code : undefined;
      done({ code, stdout });
    });
  });
}

/** The service user's uid, or undefined when there is no such user. */
async function uidOf(user: string): Promise<number | undefined> {
  const { code, stdout } = await exitStatus('getent', ['passwd', user]);
  if (code !== 0) return undefined;
  const uid = Number(stdout.split(':')[2]);
  return Number.isSafeInteger(uid) ? uid : undefined;
}

async function statOf(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readText(path: string, what: string): Promise<string> {
  return new TextDecoder().decode(await readFileBounded(path, MAX_TEXT_BYTES, what));
}

/** What the layout's paths are on this host (or below root). */
export async function hostFacts(
  layout: InstallLayout,
  root: string | undefined,
): Promise<HostFacts> {
  const place = placeOf(root);
  const prefixed = root !== undefined;
  const uid = prefixed ? undefined : await uidOf(layout.user);
  const systemd = !prefixed && (await statOf('/run/systemd/system'))?.isDirectory() === true;
  const paths = new Map<string, PathFact>();
  const layoutPaths = [
    dirname(layout.binary),
    layout.binary,
    layout.configDir,
    layout.configFile,
    layout.passphraseFile,
    layout.dataDir,
    dirname(layout.unitFile),
    layout.unitFile,
  ];
  for (const path of layoutPaths) {
    const stats = await statOf(place(path));
    if (stats === undefined) continue;
    paths.set(path, {
      type: stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other',
      mode: Number(stats.mode) & 0o7777,
      ownedByUser: prefixed || (uid !== undefined && Number(stats.uid) === uid),
    });
  }
  const unitText = paths.has(layout.unitFile)
    ? await readText(place(layout.unitFile), 'service unit')
    : undefined;
  const serviceActive =
    systemd && (await exitStatus('systemctl', ['is-active', '--quiet', SERVICE_NAME])).code === 0;
  return {
    prefixed,
    isRoot: process.getuid?.() === 0,
    systemd,
    userExists: prefixed || uid !== undefined,
    serviceActive,
    paths,
    unitText,
  };
}

async function dataContentOf(dir: string): Promise<InstallFacts['dataContent']> {
  const entries = await readdir(dir);
  if (entries.length === 0) return 'empty';
  return entries.includes(DATA_FILES.settings) ? 'appliance' : 'other';
}

/** The host's facts, and those an installation needs besides: binaries, settings, data. */
export async function installFacts(
  layout: InstallLayout,
  root: string | undefined,
  source: string,
): Promise<InstallFacts> {
  const place = placeOf(root);
  const host = await hostFacts(layout, root);
  const sourceStats = await statOf(source);
  if (sourceStats === undefined || !sourceStats.isFile()) {
    throw new AirlockError('FILE_NOT_FOUND', `The binary to install, ${source}, does not exist.`, {
      path: source,
    });
  }
  const installed = host.paths.get(layout.binary);
  let settings: InstallFacts['settings'];
  if (host.paths.has(layout.configFile)) {
    const path = place(layout.configFile);
    const config = parseServeConfig({
      flags: {},
      env: {},
      file: { path, text: await readText(path, 'configuration file') },
    });
    settings = { port: config.port, tlsHosts: config.tlsHosts };
  }
  const data = host.paths.get(layout.dataDir);
  return {
    ...host,
    source: { path: source, digest: await sha256File(source) },
    installedDigest:
      installed?.type === 'file' ? await sha256File(place(layout.binary)) : undefined,
    settings,
    // Only root may list the service's data directory; anyone else is refused by the planner.
    dataContent:
      data?.type === 'directory' && (host.prefixed || host.isRoot)
        ? await dataContentOf(place(layout.dataDir))
        : undefined,
  };
}
