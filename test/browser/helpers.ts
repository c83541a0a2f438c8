// The console in a real browser: an appliance served on 127.0.0.1 from a temporary data directory
// (with a license, an admin and an operator token), Debian's Chromium driven by playwright-core,
// its fake camera fed a y4m video of a machine's screen, and the client CLI as a machine runs it.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecutionContext } from 'ava';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { DATA_FILES, initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { type Role, ROLES } from '../../src/appliance/roles.ts';
import { openUserBook } from '../../src/appliance/users.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import { type RunningAppliance, runAppliance } from '../../src/http/run.ts';
import type { GreyImage } from '../../src/scan/grey-image.ts';
import { createNodeClient, type NodeClient } from '../../src/sdk/node/client.ts';
import { readTrustFile } from '../../src/vendor/trust-file.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import { onlyJson, run } from '../cli/helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** Where the tests leave screenshots of the console's pages for a reviewer. */
export const SCREENSHOTS = join(ROOT, 'test', 'browser', 'screenshots');

const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

/**
 * Chromium, with its fake camera showing `camera` (a y4m file) when given. Without Chromium the
 * test fails, saying how to install it: the console is not tested until it is.
 */
export async function launchChromium(t: ExecutionContext, camera?: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    t.fail(
      `Chromium is not installed, so the console's browser tests cannot run: apt-get install -y chromium (CI's .ci/run does).`,
    );
    throw new Error('Chromium is missing');
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...CHROMIUM_FLAGS,
      ...(camera === undefined
        ? []
        : [
            '--use-fake-device-for-media-stream',
            '--use-fake-ui-for-media-stream',
            `--use-file-for-fake-video-capture=${camera}`,
          ]),
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * A y4m video (4:2:0, as Chromium's fake camera reads it) of a greyscale picture, repeated for
 * a few frames: the camera loops it.
 */
export function y4mVideo(picture: GreyImage, frames = 3): Buffer {
  const { width, height, data } = picture;
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const chroma = Buffer.alloc(2 * Math.ceil(width / 2) * Math.ceil(height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Buffer.from(data), chroma]);
  return Buffer.concat([header, ...Array<Buffer>(frames).fill(frame)]);
}

export interface ConsoleSite {
  readonly dir: string;
  /** The appliance's address, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly key: string;
  readonly licenseId: string;
  /** The password of each console user; the users are named after their roles. */
  readonly passwords: Readonly<Record<Role, string>>;
  readonly running: RunningAppliance;
  /** A scratch directory for machines' stores, y4m files, photos. */
  readonly work: string;
}

/** A standalone appliance serving the console, holding one license of `seats` seats. */
export async function consoleSite(t: ExecutionContext, seats = 5): Promise<ConsoleSite> {
  const work = await mkdtemp(join(tmpdir(), 'airlock-console-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const dir = join(work, 'data');
  await initApplianceDir(dir, { now: now() });
  const vendor = await openVendor(join(dir, DATA_FILES.vendor));
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId: random(8),
        type: 'subscription',
        issuedAt: now() - 60,
        expiresAt: now() + 365 * 86400,
        seats,
        leaseSeconds: 0,
        graceSeconds: 0,
        product: 'acme-cad',
        features: ['export', 'render'],
      },
      vendor.signer,
    ),
  );
  const open = await openAppliance(dir, { clock: now, random, purpose: 'test set-up' });
  const { license } = await open.appliance.addLicense(key);
  await open.close();
  const users = await openUserBook(dir);
  const passwords = {
    admin: 'first pass phrase 1',
    operator: 'second pass phrase 2',
    auditor: 'third pass phrase 3',
  };
  for (const role of ROLES) {
    await users.add({ name: role, role, password: passwords[role], now: now() });
  }
  const running = await runAppliance({
    dir,
    host: '127.0.0.1',
    port: 0,
    clock: now,
    random,
    log: (line) => t.log(line),
  });
  t.teardown(() => running.close());
  return {
    dir,
    url: running.url,
    key,
    licenseId: license.licenseId,
    passwords,
    running,
    work,
  };
}

/**
 * One isolated machine (its own store and machine identity): the SDK's Node client in this
 * process, and the client CLI on the same store where a test wants the command a machine runs.
 */
export class Machine {
  readonly site: ConsoleSite;
  readonly name: string;

  constructor(site: ConsoleSite, name: string) {
    this.site = site;
    this.name = name;
  }

  private get store(): string {
    return join(this.site.work, 'machines', this.name);
  }

  private get trustFile(): string {
    return join(this.site.dir, DATA_FILES.trust);
  }

  private async client(): Promise<NodeClient> {
    return createNodeClient({
      storeDir: this.store,
      trust: await readTrustFile(this.trustFile),
      env: { AIRLOCK_MACHINE_ID: this.name },
    });
  }

  async challenge(): Promise<string> {
    return (await (await this.client()).challenge(this.site.key)).text;
  }

  async apply(response: string): Promise<void> {
    await (await this.client()).apply(response);
  }

  /** Whether the machine's license is valid now, as the application would ask. */
  async valid(): Promise<boolean> {
    return (await (await this.client()).status()).valid;
  }

  async deactivate(): Promise<string> {
    return (await (await this.client()).deactivate('retired')).code;
  }

  /** `airlock client …` on this machine's store, with --json; the one JSON object it printed. */
  async cli(t: ExecutionContext, args: readonly string[]): Promise<Record<string, any>> {
    const result = await run(
      [...args, '--store', this.store, '--trust', this.trustFile, '--json'],
      {
        cwd: this.site.work,
        env: { AIRLOCK_MACHINE_ID: this.name },
      },
    );
    if (result.exitCode !== 0) t.log(result.stdout, result.stderr);
    return onlyJson(t, result);
  }
}

/** Opens the console and signs in as the user of that role; resolves once the first page is drawn. */
export async function signIn(page: Page, site: ConsoleSite, role: Role): Promise<void> {
  await page.goto(`${site.url}/#/activate`);
  await page.getByLabel('User name').fill(role);
  await page.getByLabel('Password').fill(site.passwords[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Saves a screenshot of the page as test/browser/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function writeWork(
  site: ConsoleSite,
  name: string,
  bytes: Uint8Array,
): Promise<string> {
  const path = join(site.work, name);
  await writeFile(path, bytes);
  return path;
}
