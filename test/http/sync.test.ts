// Revocations and USB sync over HTTP: a vendor bundle uploaded, a machine's activation revoked,
// the export downloaded as one tar file whose site bundle an isolated machine imports and whose
// manifest matches its files; only admins may do these.

import { createHash } from 'node:crypto';
import test from 'ava';
import { join } from 'node:path';
import { signBundle } from '../../src/core/formats/revocation-bundle.ts';
import { verifyUsageReport } from '../../src/core/formats/usage-report.ts';
import { fromHex } from '../../src/core/bytes.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import {
  applyResponse,
  createChallenge,
  emptyState,
  getStatus,
  importRevocations,
} from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import { NOW, setup } from './helpers.ts';

/** The members of a ustar archive. */
function untar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let at = 0;
  while (at + 512 <= bytes.length && bytes[at] !== 0) {
    const field = (from: number, length: number) =>
      Buffer.from(bytes.subarray(at + from, at + from + length))
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const name = field(0, 100);
    const size = Number.parseInt(field(124, 12), 8);
    files.set(name, bytes.slice(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

test('upload a vendor bundle, revoke a machine, download the export and take it to the machine', async (t) => {
  const s = await setup(t, { seats: 4 });
  const admin = s.tokens.admin;
  const vendor = await openVendor(join(s.dir, 'vendor'));

  // A machine activates; then it is stolen and revoked at the site.
  const a = createChallenge(emptyState(), s.key, s.machine('stolen'));
  const granted = await s.call('POST', '/offline/respond', {
    token: admin,
    body: { challenge: a.text },
  });
  const applied = applyResponse(a.state, granted.json.qr, s.machine('stolen'));

  const bundle = signBundle(
    {
      issuer: 'vendor',
      sequence: 3,
      baseSequence: 0,
      issuedAt: NOW - 60,
      nextUpdate: NOW + 86400,
      licenses: [{ licenseId: fromHex('00000000000000aa')!, revokedAt: NOW - 60, reason: 'fraud' }],
      activations: [],
      certificates: [],
    },
    vendor.signer,
  );
  const forbidden = await s.call('POST', '/sync/import', {
    token: s.tokens.operator,
    body: bundle.bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  t.is(forbidden.status, 403);
  const imported = await s.call('POST', '/sync/import', {
    token: admin,
    body: bundle.bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  t.is(imported.status, 200, imported.text);
  t.like(imported.json, {
    bundles: [{ stream: 'vendor', sequence: 3, outcome: 'applied' }],
    status: { vendor: { sequence: 3, stale: false } },
  });
  const flipped = bundle.bytes.slice();
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1; // in the signature
  const tampered = await s.call('POST', '/sync/import', { token: admin, body: flipped });
  t.is(tampered.status, 400);
  t.is(tampered.json.error.code, 'SIGNATURE_INVALID');

  const revoked = await s.call('POST', `/activations/${granted.json.activationId}/revoke`, {
    token: admin,
    body: { reason: 'lost-or-stolen' },
  });
  t.like(revoked.json, { outcome: 'revoked', activationId: granted.json.activationId });

  // The export, as one tar file.
  const res = await fetch(`${s.url}/sync/export`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/x-tar');
  t.regex(res.headers.get('content-disposition') ?? '', /attachment; filename="airlock-sync-apl_/);
  const files = untar(new Uint8Array(await res.arrayBuffer()));
  const names = [...files.keys()];
  t.is(names.length, 3);
  const manifest = JSON.parse(Buffer.from(files.get(names[2]!)!).toString('utf8'));
  for (const f of manifest.files) {
    const bytes = files.get(f.name)!;
    t.is(createHash('sha256').update(bytes).digest('hex'), f.sha256);
  }
  const report = verifyUsageReport(files.get(names[1]!)!, {
    trust: s.identity.trust,
    verifier: nodeSuite,
  });
  t.like(report, { previous: null, revocations: { vendorSequence: 3, siteSequence: 1 } });

  const onMachine = importRevocations(applied.state, files.get(names[0]!)!, s.machine('stolen'));
  t.is(onMachine.outcome, 'applied');
  t.like(getStatus(onMachine.state, s.machine('stolen')).status, { valid: false, code: 'REVOKED' });

  const status = await s.call('GET', '/sync/status', { token: s.tokens.operator });
  t.like(status.json, { siteSequence: 1, vendor: { sequence: 3 } });
});

test('revoking a license over HTTP refuses its activations and revalidations', async (t) => {
  const s = await setup(t);
  const a = createChallenge(emptyState(), s.key, s.machine('m'));
  const granted = await s.call('POST', '/activate', {
    token: s.tokens.operator,
    body: { challenge: a.text },
  });
  const byOperator = await s.call('POST', `/licenses/${s.licenseId}/revoke`, {
    token: s.tokens.operator,
    body: { reason: 'non-payment' },
  });
  t.is(byOperator.status, 403);
  const revoked = await s.call('POST', `/licenses/${s.licenseId}/revoke`, {
    token: s.tokens.admin,
    body: { reason: 'non-payment' },
  });
  t.like(revoked.json, { outcome: 'revoked', licenseId: s.licenseId });
  const validation = await s.call('POST', '/validate', {
    token: s.tokens.operator,
    body: { licenseId: s.licenseId, activationId: granted.json.activationId },
  });
  t.like(validation.json, { valid: false, code: 'REVOKED' });
  const b = createChallenge(emptyState(), s.key, s.machine('other'));
  const refused = await s.call('POST', '/activate', {
    token: s.tokens.operator,
    body: { challenge: b.text },
  });
  t.is(refused.json.error.code, 'REVOKED');
  const noReason = await s.call('POST', `/licenses/${s.licenseId}/revoke`, {
    token: s.tokens.admin,
    body: { reason: '' },
  });
  t.is(noReason.status, 400);
});
