// The operator console in Debian's Chromium, as operators and admins use it: a machine activated by
// holding its screen to the (fake) camera, a photo uploaded, a code typed with one group wrong, a
// seat freed, an operator kept out of the admin pages, an activation revoked. Screenshots of the
// main pages land in test/browser/screenshots/ for a reviewer.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Browser, Page } from 'playwright-core';
import { scanImage } from '../../src/scan/scan-image.ts';
import { run } from '../cli/helpers.ts';
import * as d from '../scan/distort.ts';
import {
  type ConsoleSite,
  consoleSite,
  launchChromium,
  Machine,
  screenshot,
  signIn,
  writeWork,
  y4mVideo,
} from './helpers.ts';

const VIEWPORT = { width: 1366, height: 768 };

async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(30_000);
  return page;
}

/** The response the console shows, read back from its QR code image as the machine's camera would. */
async function responseFromQr(t: ExecutionContext, page: Page): Promise<string> {
  const src = await page.getByAltText(/QR code of the response/).getAttribute('src');
  t.truthy(src?.startsWith('data:image/png;base64,'));
  const codes = scanImage(Buffer.from(src!.split(',')[1]!, 'base64'));
  t.is(codes.length, 1);
  t.is(codes[0]!.kind, 'response');
  return codes[0]!.text;
}

test.serial('an operator activates a machine by holding its screen to the camera', async (t) => {
  const site = await consoleSite(t);
  const machine = new Machine(site, 'lathe-01');
  // The machine's own command shows the challenge (here as text; on its screen, as a QR code).
  const { challenge } = await machine.cli(t, ['client', 'challenge', '--license', site.key]);
  // The machine's screen as a webcam sees it: tilted, in a 1280×720 frame.
  const screen = d.noise(d.photo(await d.qrImage(challenge)), 4);
  const camera = await writeWork(site, 'camera.y4m', y4mVideo(screen));
  const browser = await launchChromium(t, camera);
  const page = await newPage(browser);

  await signIn(page, site, 'operator');
  await page.getByRole('heading', { name: 'Response' }).waitFor();
  await t.notThrowsAsync(page.getByText('Activation granted').waitFor());
  t.true(await page.getByText('1 of 5 used, 4 free').isVisible());
  t.true(await page.getByText(site.licenseId).first().isVisible());
  await screenshot(page, 'activate-response');

  // On the machine, the client CLI takes the response read from the console's QR code.
  const applied = await machine.cli(t, ['client', 'apply', await responseFromQr(t, page)]);
  t.regex(applied['activationId'], /^act_[0-9a-f]{8}$/);
  t.like(await machine.cli(t, ['client', 'status']), { valid: true, code: 'VALID' });
  t.is(site.running.appliance.license(site.licenseId.slice(4)).seatsUsed, 1);
});

test.serial('a photo of the challenge, uploaded, is answered too', async (t) => {
  const site = await consoleSite(t);
  const machine = new Machine(site, 'mill-02');
  const challenge = await machine.challenge();
  const photo = d.toJpeg(d.noise(d.photo(d.rotate(await d.qrImage(challenge), 8)), 6), 60);
  const file = await writeWork(site, 'photo.jpg', photo);
  const browser = await launchChromium(t);
  const page = await newPage(browser);

  await signIn(page, site, 'operator');
  await page.getByRole('tab', { name: 'Photo' }).click();
  await page.getByLabel('Photo of the code').setInputFiles(file);
  await page.getByRole('heading', { name: 'Response' }).waitFor();
  await machine.apply(await responseFromQr(t, page));
  t.true(await machine.valid());
});

test.serial(
  'typed entry points at the one mistyped group, and answers once it is fixed',
  async (t) => {
    const site = await consoleSite(t);
    const machine = new Machine(site, 'press-03');
    const challenge = await machine.challenge();
    const groups = challenge.split('-');
    const wrong = [...groups];
    const fourth = wrong[3]!;
    wrong[3] = fourth.slice(0, 5) + (fourth[5] === '7' ? '8' : '7') + fourth.slice(6);
    const browser = await launchChromium(t);
    const page = await newPage(browser);

    await signIn(page, site, 'operator');
    await page.getByRole('tab', { name: 'Type the code' }).click();
    const field = page.getByLabel('The challenge, as shown on the machine');
    // Typed as an operator would: lower case, spaces instead of dashes.
    await field.pressSequentially(wrong.join(' ').toLowerCase(), { delay: 5 });
    await page.getByText(`Group 4 (${wrong[3]}) looks mistyped`).waitFor();
    t.true(await page.getByRole('button', { name: 'Answer the challenge' }).isDisabled());
    await screenshot(page, 'activate-typed-mistyped');

    await field.fill(groups.join(' ').toLowerCase());
    await page.getByText('All 9 groups check out.').waitFor();
    await page.getByRole('button', { name: 'Answer the challenge' }).click();
    await page.getByRole('heading', { name: 'Response' }).waitFor();
    // The short typed response is enough for a machine that has its appliance's certificate.
    const typed = await page.locator('#response-text').innerText();
    t.regex(typed, /^R[0-9A-Z]{8}(-[0-9A-Z]{9}){14}$/);
    await machine.apply(await responseFromQr(t, page));
    t.true(await machine.valid());
  },
);

test.serial('a deactivation code typed in frees the seat', async (t) => {
  const site = await consoleSite(t);
  const machine = new Machine(site, 'saw-04');
  const answer = await site.running.appliance.respond(await machine.challenge(), {
    channel: 'offline',
  });
  await machine.apply(answer.qr);
  const code = await machine.deactivate();
  const browser = await launchChromium(t);
  const page = await newPage(browser);

  await signIn(page, site, 'operator');
  await page.getByRole('link', { name: 'Deactivate' }).click();
  await page.getByRole('tab', { name: 'Type the code' }).click();
  await page.getByLabel('The deactivation code, as shown on the machine').fill(code);
  await page.getByRole('button', { name: 'Free the seat' }).click();
  await page.getByText('The seat is free').waitFor();
  t.true(await page.getByText('0 of 5 used, 5 free').isVisible());
  await screenshot(page, 'deactivate');
  t.is(site.running.appliance.license(site.licenseId.slice(4)).seatsUsed, 0);
});

test.serial(
  'an operator sees only activation and deactivation, and is kept out of the admin pages',
  async (t) => {
    const site = await consoleSite(t);
    const browser = await launchChromium(t);
    const page = await newPage(browser);

    await signIn(page, site, 'operator');
    const nav = page.getByRole('navigation', { name: 'Console sections' });
    t.deepEqual(await nav.getByRole('link').allInnerTexts(), ['Activate', 'Deactivate']);
    for (const path of [
      'licenses',
      'activations',
      'sync',
      'ledger',
      `licenses/${site.licenseId}`,
    ]) {
      await page.goto(`${site.url}/#/${path}`);
      await page.getByText('This page is not open to the operator role').waitFor();
    }
    await screenshot(page, 'operator-denied');
  },
);

test.serial('an admin revokes an activation from the license page', async (t) => {
  const site = await consoleSite(t);
  const machine = new Machine(site, 'drill-05');
  const answer = await site.running.appliance.respond(await machine.challenge(), {
    channel: 'offline',
  });
  const browser = await launchChromium(t);
  const page = await newPage(browser);

  await signIn(page, site, 'admin');
  const nav = page.getByRole('navigation', { name: 'Console sections' });
  t.deepEqual(await nav.getByRole('link').allInnerTexts(), [
    'Activate',
    'Deactivate',
    'Licenses',
    'Activations',
    'Sync',
    'Ledger',
    'Audit',
    'Access',
  ]);
  await nav.getByRole('link', { name: 'Licenses' }).click();
  await page.getByRole('link', { name: site.licenseId }).click();
  await page.getByRole('heading', { name: 'Activations and leases' }).waitFor();
  await screenshot(page, 'license');
  await page.getByRole('button', { name: `Revoke activation ${answer.activationId}` }).click();
  await page
    .getByLabel(`Reason for revoking activation ${answer.activationId}`)
    .fill('stolen laptop');
  await page.getByRole('button', { name: 'Confirm revoke' }).click();
  await page.locator('.badge.revoked').waitFor();
  const [activation] = site.running.appliance.activations({ licenseId: site.licenseId.slice(4) });
  t.is(activation?.status, 'revoked');
});

test.serial(
  'an admin finds every page working: licenses, activations, sync and the ledger',
  async (t) => {
    const site = await consoleSite(t);
    const machine = new Machine(site, 'lathe-06');
    await site.running.appliance.respond(await machine.challenge(), { channel: 'offline' });
    const browser = await launchChromium(t);
    const page = await newPage(browser);
    await signIn(page, site, 'admin');

    await page.goto(`${site.url}/#/licenses`);
    await page.getByRole('link', { name: site.licenseId }).waitFor();
    await page.getByLabel('Search').fill('no-such-product');
    await page.getByText('No license matches').waitFor();
    await page.getByLabel('Search').fill('acme');
    await page.getByRole('link', { name: site.licenseId }).waitFor();
    await screenshot(page, 'licenses');

    await page.goto(`${site.url}/#/activations`);
    await page.getByRole('cell', { name: 'active', exact: true }).waitFor();
    await page.getByLabel('Status').selectOption('revoked');
    await page.getByText('No activation matches these filters.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('cell', { name: 'active', exact: true }).waitFor();
    await screenshot(page, 'activations');

    await page.goto(`${site.url}/#/sync`);
    await page.getByText('No revocation bundle from the vendor has been imported yet.').waitFor();
    // The vendor's bundle, as it arrives on the USB stick.
    const bundle = join(site.work, 'vendor-1.revocations');
    const published = await run(
      ['vendor', 'publish-revocations', '--vendor', join(site.dir, 'vendor'), '--out', bundle],
      { cwd: site.work },
    );
    t.is(published.exitCode, 0, published.stderr);
    // The picker offers the files vendor bundles are written as.
    t.is(
      await page.getByLabel('Bundle file').getAttribute('accept'),
      '.revocations,application/octet-stream',
    );
    await page.getByLabel('Bundle file').setInputFiles(bundle);
    await page.getByRole('button', { name: 'Import bundle' }).click();
    await page.getByText('Bundle verified and imported.').waitFor();
    await page.getByText(/sequence 1, issued/).waitFor();
    t.is(site.running.appliance.revocationStatus().vendor?.sequence, 1);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download USB export' }).click();
    t.regex((await download).suggestedFilename(), /^airlock-sync-apl_[0-9a-f]{8}-1\.tar$/);
    await page.getByText('sequence 1', { exact: true }).waitFor();
    await screenshot(page, 'sync');

    await page.goto(`${site.url}/#/ledger`);
    await page.getByRole('cell', { name: 'activation.granted' }).waitFor();
    await page.getByRole('button', { name: 'Verify the ledger' }).click();
    await page.getByText(/The ledger verifies: \d+ records/).waitFor();
    await page.getByRole('button', { name: 'Write a checkpoint' }).click();
    await page.getByText(/Checkpoint written at record \d+/).waitFor();
    await screenshot(page, 'ledger');
  },
);

test.serial(
  'a wrong password is refused with the API’s sentence, not a status number; sign-out ends the session',
  async (t) => {
    const site: ConsoleSite = await consoleSite(t);
    const browser = await launchChromium(t);
    const page = await newPage(browser);
    await page.goto(site.url);
    await page.getByLabel('User name').fill('operator');
    await page.getByLabel('Password').fill('not the password');
    await screenshot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The user name or the password is wrong.').waitFor();
    t.is(await page.getByText('401').count(), 0);

    await page.getByLabel('Password').fill(site.passwords.operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').waitFor();
    // The cookie no longer opens anything, even after a reload.
    await page.reload();
    await page.getByLabel('User name').waitFor();
    const session = await page.evaluate<number>("fetch('/api/v1/session').then((r) => r.status)");
    t.is(session, 401);
  },
);

test.serial(
  'an auditor reads licenses, activations, sync and the ledger, and changes nothing',
  async (t) => {
    const site = await consoleSite(t);
    const machine = new Machine(site, 'audit-07');
    await site.running.appliance.respond(await machine.challenge(), { channel: 'offline' });
    const browser = await launchChromium(t);
    const page = await newPage(browser);
    await signIn(page, site, 'auditor');
    const nav = page.getByRole('navigation', { name: 'Console sections' });
    t.deepEqual(await nav.getByRole('link').allInnerTexts(), [
      'Licenses',
      'Activations',
      'Sync',
      'Ledger',
      'Audit',
    ]);
    await page.goto(`${site.url}/#/licenses/${site.licenseId}`);
    await page.getByRole('heading', { name: 'Activations and leases' }).waitFor();
    t.is(await page.getByRole('button', { name: /Revoke/ }).count(), 0);
    await page.goto(`${site.url}/#/licenses`);
    await page.getByRole('link', { name: site.licenseId }).waitFor();
    t.is(await page.getByRole('button', { name: 'Add license' }).count(), 0);
    await page.goto(`${site.url}/#/ledger`);
    await page.getByRole('button', { name: 'Verify the ledger' }).click();
    await page.getByText(/The ledger verifies/).waitFor();
    t.is(await page.getByRole('button', { name: 'Write a checkpoint' }).count(), 0);
    await page.goto(`${site.url}/#/audit`);
    await page.getByRole('cell', { name: 'user:auditor' }).first().waitFor();
    await screenshot(page, 'audit');
    await page.goto(`${site.url}/#/activate`);
    await page.getByText('This page is not open to the auditor role').waitFor();
  },
);

test.serial(
  'an admin adds a user, clears a lock-out and creates a token on the Access page',
  async (t) => {
    const site = await consoleSite(t);
    const browser = await launchChromium(t);
    const page = await newPage(browser);
    // The operator is locked out after five wrong passwords.
    for (let i = 0; i < 5; i++) {
      await fetch(`${site.url}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'operator', password: `wrong ${i}` }),
      });
    }
    await signIn(page, site, 'admin');
    await page.getByRole('link', { name: 'Access' }).click();
    await page.getByText(/locked until/).waitFor();
    await page.getByRole('button', { name: 'Unlock operator' }).click();
    await page.getByRole('button', { name: 'Unlock operator' }).waitFor({ state: 'detached' });

    await page.getByLabel('Name', { exact: true }).fill('desk-2');
    await page.getByLabel('Role', { exact: true }).first().selectOption('operator');
    await page.getByLabel('Password (12+ characters)').fill('desk two pass phrase');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added desk-2.').waitFor();

    await page.getByLabel('Label').fill('ci pipeline');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText(/Copy it now: it is shown only once/).waitFor();
    const token = await page.locator('.code-text').last().innerText();
    t.regex(token, /^alt_[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'access');
    const answer = await fetch(`${site.url}/api/v1/session`, {
      headers: { authorization: `Bearer ${token}` },
    });
    t.like(await answer.json(), { role: 'operator' });
  },
);

/** Form controls on the page without an accessible name (a label, or aria-label). */
function unlabelled(page: Page): Promise<string[]> {
  // Runs in the page (a string: these tests are compiled without the DOM's types).
  return page.evaluate(`[...document.querySelectorAll('main input, main select, main textarea')]
    .filter((c) => c.labels.length === 0 && !c.getAttribute('aria-label'))
    .map((c) => c.outerHTML.slice(0, 80))`);
}

test.serial(
  'every control has a label, the entry works from the keyboard, and it fits a tablet',
  async (t) => {
    const site = await consoleSite(t);
    const browser = await launchChromium(t);
    const page = await newPage(browser);
    await signIn(page, site, 'admin');
    for (const path of [
      'activate',
      'deactivate',
      'licenses',
      `licenses/${site.licenseId}`,
      'activations',
      'sync',
      'ledger',
    ]) {
      await page.goto(`${site.url}/#/${path}`);
      await page.locator('main h1').first().waitFor();
      t.deepEqual(await unlabelled(page), [], path);
    }

    await page.goto(`${site.url}/#/activate`);
    await page.getByRole('tab', { name: 'Camera' }).focus();
    await page.keyboard.press('ArrowRight');
    t.is(await page.getByRole('tab', { name: 'Photo' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowRight');
    t.is(
      await page.getByRole('tab', { name: 'Type the code' }).getAttribute('aria-selected'),
      'true',
    );
    await page.keyboard.press('Tab');
    t.true(
      await page
        .getByLabel('The challenge, as shown on the machine')
        .evaluate((e, active) => e === active, await page.evaluateHandle('document.activeElement')),
    );

    await page.setViewportSize({ width: 768, height: 1024 });
    await page.getByRole('tab', { name: 'Camera' }).click();
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    t.true(overflow <= 0, `the page is ${overflow} px wider than a tablet`);
    await screenshot(page, 'activate-tablet');
  },
);
