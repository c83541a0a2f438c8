// "Acme CAD": a small desktop application licensed with Airlock's client SDK (docs/SDK.md). It
// checks its license at start-up, activates offline (challenge → response) or online through an
// appliance, gives its seat back with a deactivation code, and imports revocations from a USB stick.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import {
  createNodeClient,
  isAirlockError,
  type NodeClient,
  parseTrust,
  verifyLicenseKey,
} from 'airlock/node';

const PRODUCT = 'acme-cad';
/** The application refuses to start without this feature; others only switch parts on. */
const REQUIRED_FEATURE = 'render';

// The vendor's trust file ships with the application: it pins the vendor's root public key, so
// license keys and responses are verified offline. A real application embeds it; here it is read
// from a file, trust.json beside this one unless ACME_TRUST names another.
const env = process.env;
const trustFile = env['ACME_TRUST'] ?? join(import.meta.dirname, 'trust.json');
const trust = parseTrust(JSON.parse(readFileSync(trustFile, 'utf8')));

// The activation store is encrypted for this machine. Keep it where the application keeps its data.
const storeDir = env['ACME_LICENSE_DIR'] ?? join(homedir(), '.acme-cad', 'license');

// Online mode ("hybrid") when an appliance and an operator token (`airlock token create`) are
// configured: activation without typing codes, and revalidation. Without them, or when the
// appliance cannot be reached, everything works offline.
const url = env['ACME_APPLIANCE_URL'];
const token = env['ACME_APPLIANCE_TOKEN'];
const online = url && token ? { url, token, timeoutMs: 5000 } : undefined;
const client: NodeClient = createNodeClient({ storeDir, trust, ...(online ? { online } : {}) });

/** Shows a code as text and as a QR code, for the operator to type or scan. */
async function showCode(text: string): Promise<void> {
  const qr = await QRCode.toString(text, {
    type: 'terminal',
    small: true,
    errorCorrectionLevel: 'M',
  });
  console.log(`\n${qr}\n${text}\n`);
}

/** Start-up: may this machine run Acme CAD, and with which features? */
async function start(): Promise<number> {
  const status = await client.status();
  if (!status.valid) {
    // status.code says why (NOT_ACTIVATED, LICENSE_EXPIRED, REVOKED…), status.message in words.
    console.error(`Acme CAD cannot start: ${status.message} (${status.code})`);
    return 1;
  }
  // A key of another product of the same vendor verifies too: check that it is this one's.
  if (status.license?.product !== PRODUCT) {
    console.error(`Acme CAD cannot start: the license is for ${status.license?.product}.`);
    return 1;
  }
  if (!status.features.includes(REQUIRED_FEATURE)) {
    console.error(`Acme CAD cannot start: the license does not include "${REQUIRED_FEATURE}".`);
    return 1;
  }
  for (const warning of status.warnings) console.warn(`Warning: ${warning.message}`);
  const expires = status.license?.expiresAt;
  console.log(
    `Acme CAD is licensed (${status.license?.id}, ${expires ? `until ${iso(expires)}` : 'no expiry'}).`,
  );
  console.log(`Export: ${status.features.includes('export') ? 'enabled' : 'not licensed'}.`);
  if (status.renewal.due) console.log('Renew the activation: acme-cad activate LICENSE_KEY');
  return 0;
}

async function showStatus(): Promise<number> {
  const s = await client.status();
  console.log(
    s.valid ? 'Valid: this machine is activated.' : `Not valid: ${s.message} (${s.code})`,
  );
  if (s.license) console.log(`  license     ${s.license.id} (${s.license.type})`);
  if (s.activation)
    console.log(`  activation  ${s.activation.id} from ${s.activation.applianceId}`);
  if (s.valid) console.log(`  features    ${s.features.join(', ') || 'none'}`);
  const leaseEnd = s.activation?.leaseEndsAt;
  if (leaseEnd) console.log(`  lease ends  ${iso(leaseEnd)}`);
  return s.valid ? 0 : 1;
}

/** Online when an appliance is configured and answers; otherwise the challenge to carry to it. */
async function activate(licenseKey: string): Promise<number> {
  // Refuse a key for another product (or without the required feature) before anyone carries a
  // challenge anywhere; throws PRODUCT_MISMATCH or FEATURE_MISSING with a sentence to show.
  const now = Math.floor(Date.now() / 1000);
  verifyLicenseKey(licenseKey, { trust, now, product: PRODUCT, features: [REQUIRED_FEATURE] });
  if (online) {
    const result = await client.activate(licenseKey);
    if (result.mode === 'online') {
      const { activation, seats, seatsUsed, renewal } = result;
      console.log(`Activated online: ${activation.activationId}${renewal ? ' (renewed)' : ''}.`);
      console.log(`  seats in use  ${seatsUsed} of ${seats === 0 ? 'unlimited' : seats}`);
      return 0;
    }
    console.log(`${result.unreachable} Activating offline instead.`);
  }
  const { text } = await client.challenge(licenseKey);
  console.log('Take this challenge to the activation appliance (scan or type it):');
  await showCode(text);
  console.log('Then enter its response: acme-cad apply RESPONSE');
  return 0;
}

async function apply(response: string): Promise<number> {
  const { activation } = await client.apply(response);
  console.log(`Activated: ${activation.activationId}, features ${activation.features.join(', ')}.`);
  return 0;
}

/** Gives the seat back. The code proves the activation was removed; only this machine can make it. */
async function deactivate(): Promise<number> {
  const result = await client.deactivate('retired');
  if (result.mode === 'online') {
    console.log(`Deactivated; the appliance freed the seat (${result.activationId}).`);
    return 0;
  }
  console.log('Deactivated. Take this code to the activation appliance so that it frees the seat:');
  await showCode(result.code);
  return 0;
}

/** Online: asks the appliance whether the activation still stands (a revocation is kept). */
async function revalidate(): Promise<number> {
  const result = await client.revalidate();
  if (!result.checked) console.log(`Not checked: ${result.unreachable ?? 'not activated'}.`);
  console.log(result.status.valid ? 'Valid.' : `Not valid: ${result.status.message}`);
  return result.status.valid ? 0 : 1;
}

/** A revocation bundle from the USB stick: the site's (site-apl_….revocations) or the vendor's. */
async function importRevocations(file: string): Promise<number> {
  const { sequence, outcome } = await client.importRevocations(readFileSync(file));
  console.log(`Revocation bundle ${sequence}: ${outcome}.`);
  return (await client.status()).valid ? 0 : 1;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000', '');

const USAGE = `Usage: acme-cad [status | activate LICENSE_KEY | apply RESPONSE | deactivate
                 | revalidate | import-revocations FILE]`;

async function main(args: string[]): Promise<number> {
  const [command, argument] = args;
  switch (command) {
    case undefined:
      return start();
    case 'status':
      return showStatus();
    case 'deactivate':
      return deactivate();
    case 'revalidate':
      if (online) return revalidate();
      console.error('Set ACME_APPLIANCE_URL and ACME_APPLIANCE_TOKEN.');
      return 2;
  }
  if (argument === undefined) return (console.error(USAGE), 2);
  switch (command) {
    case 'activate':
      return activate(argument);
    case 'apply':
      return apply(argument);
    case 'import-revocations':
      return importRevocations(argument);
    default:
      return (console.error(USAGE), 2);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Bad data (a mistyped code, a refused activation…) is an AirlockError with a code and a sentence
  // to show; anything else is a bug.
  if (!isAirlockError(error)) throw error;
  console.error(`acme-cad: ${error.message} (${error.code})`);
  process.exitCode = 1;
}
