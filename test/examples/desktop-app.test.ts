// The example application of docs/SDK.md (examples/desktop-app) against a real delegated appliance
// made with the `airlock` command: offline (challenge → `airlock respond` → apply → deactivate →
// `airlock deactivate`) and online through `airlock serve` on 127.0.0.1.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ROOT, run, type Run, Workspace } from '../cli/helpers.ts';
import { serve } from '../serve/helpers.ts';

const APP = join(ROOT, 'examples/desktop-app/acme-cad.ts');
const CHALLENGE = /\bC[0-9A-Z]{8}(-[0-9A-Z]{9}){8}\b/;
const DEACTIVATION = /\bD[0-9A-Z]{8}(-[0-9A-Z]{9}){5}\b/;

interface Site {
  readonly ws: Workspace;
  readonly data: string;
  readonly key: string;
  readonly licenseId: string;
}

/** The vendor issues a license; a delegated appliance gets its certificate and holds the license. */
async function delegatedSite(t: ExecutionContext): Promise<Site> {
  const ws = await Workspace.create(t);
  const data = ws.path('site');
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const issued = await ws.given(t, [
    ...['license', 'issue', '--vendor', ws.vendor, '--product', 'acme-cad', '--seats', '2'],
    ...['--features', 'render,export', '--lease', '30'],
  ]);
  await ws.given(t, ['appliance', 'init', '--data', data, '--trust', ws.vendor]);
  const cert = ws.path('appliance.cert');
  const request = join(data, 'delegation-request.json');
  await ws.given(t, ['vendor', 'delegate', request, '--vendor', ws.vendor, '--out', cert]);
  await ws.given(t, ['appliance', 'install-cert', cert, '--data', data]);
  await ws.given(t, ['license', 'add', issued['key'], '--data', data]);
  return { ws, data, key: issued['key'], licenseId: issued['licenseId'] };
}

/** Runs the example as a user would, on machine "workstation-7", with the vendor's trust file. */
function app(site: Site, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return run(args, {
    cwd: ROOT,
    command: [process.execPath, '--import=tsx', APP],
    env: {
      AIRLOCK_MACHINE_ID: 'workstation-7',
      ACME_TRUST: join(site.ws.vendor, 'trust.json'),
      ACME_LICENSE_DIR: site.ws.path('acme-license'),
      ...env,
    },
  });
}

function ok(t: ExecutionContext, result: Run): string {
  t.is(result.exitCode, 0, `${result.stdout}${result.stderr}`);
  return result.stdout;
}

test('offline: challenge, airlock respond, apply, start-up check, deactivation proof accepted', async (t) => {
  const site = await delegatedSite(t);

  const before = await app(site, []);
  t.is(before.exitCode, 1);
  t.regex(before.stderr, /Acme CAD cannot start: .*\(NOT_ACTIVATED\)/);

  const challenge = CHALLENGE.exec(ok(t, await app(site, ['activate', site.key])))?.[0];
  t.truthy(challenge, 'the example prints the challenge');
  // The operator's desk: the response's QR form carries the appliance certificate, which this
  // machine does not know yet.
  const answer = await site.ws.ok(t, ['respond', challenge!, '--data', site.data]);
  t.like(answer, { licenseId: site.licenseId, seatsUsed: 1 });
  t.regex(ok(t, await app(site, ['apply', answer['qr']])), /^Activated: act_[0-9a-f]{8}/);

  const started = ok(t, await app(site, []));
  t.regex(started, /Acme CAD is licensed \(lic_[0-9a-f]{16}, no expiry\)/);
  t.regex(started, /Export: enabled/);
  t.regex(
    ok(t, await app(site, ['status'])),
    /Valid: this machine is activated\.\n.*features +export, render/s,
  );

  const code = DEACTIVATION.exec(ok(t, await app(site, ['deactivate'])))?.[0];
  t.truthy(code, 'the example prints the deactivation code');
  t.like(await site.ws.ok(t, ['deactivate', code!, '--data', site.data]), {
    outcome: 'freed',
    activationId: answer['activationId'],
    seatsUsed: 0,
  });
  const after = await app(site, ['status']);
  t.is(after.exitCode, 1);
  t.regex(after.stdout, /NOT_ACTIVATED/);
});

test('online: activate, revalidate and deactivate through airlock serve; offline when out of reach', async (t) => {
  const site = await delegatedSite(t);
  const { token } = await site.ws.given(t, [
    ...['token', 'create', '--data', site.data, '--role', 'operator', '--label', 'acme-cad'],
  ]);

  // An address where no appliance answers: the example falls back to the challenge.
  const away = { ACME_APPLIANCE_URL: 'http://127.0.0.1:1', ACME_APPLIANCE_TOKEN: token };
  const fallback = ok(t, await app(site, ['activate', site.key], away));
  t.regex(fallback, /could not be reached \(.+\)\. Activating offline instead\./);
  t.regex(fallback, CHALLENGE);

  const served = await serve(t, site.data);
  const online = { ACME_APPLIANCE_URL: served.url, ACME_APPLIANCE_TOKEN: token };
  const activated = ok(t, await app(site, ['activate', site.key], online));
  t.regex(activated, /Activated online: act_[0-9a-f]{8}\./);
  t.regex(activated, /seats in use +1 of 2/);
  t.regex(ok(t, await app(site, [], online)), /Export: enabled/);
  t.regex(ok(t, await app(site, ['revalidate'], online)), /^Valid\./);
  t.regex(ok(t, await app(site, ['deactivate'], online)), /the appliance freed the seat/);
  t.regex((await app(site, ['status'], online)).stdout, /NOT_ACTIVATED/);
});
