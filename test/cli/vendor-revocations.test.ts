// The vendor's side of revocations and usage reports, as a vendor runs it: revoke, publish a
// bundle, import it on a machine; verify the usage reports an appliance exports, and notice when
// its ledger was restored from an older copy.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import test, { type ExecutionContext } from 'ava';
import { openApplianceDir } from '../../src/appliance/data-dir.ts';
import {
  issueUsageReport,
  type LedgerCheckpoint,
  type UsageReportFields,
} from '../../src/core/formats/usage-report.ts';
import { DAY, givenActivation, T0, vendorWithLicense, Workspace } from './helpers.ts';

const now = { AIRLOCK_NOW: String(T0) };

test('a revoked license reaches the machine through a published bundle, and stops it', async (t) => {
  const { ws, key, licenseId } = await vendorWithLicense(t, [], now);
  await givenActivation(t, ws, key, now);
  const revoked = await ws.ok(
    t,
    ['vendor', 'revoke', licenseId, '--vendor', ws.vendor, '--reason', 'lost-or-stolen'],
    now,
  );
  t.like(revoked, { outcome: 'revoked', kind: 'license', id: licenseId, reason: 'lost-or-stolen' });
  const again = await ws.given(
    t,
    ['vendor', 'revoke', licenseId, '--vendor', ws.vendor, '--reason', 'fraud'],
    now,
  );
  t.like(again, { outcome: 'already-revoked', reason: 'lost-or-stolen' });

  await mkdir(ws.path('usb'));
  const bundle = ws.path('usb', 'vendor.bundle');
  const published = await ws.run(
    [
      'vendor',
      'publish-revocations',
      '--vendor',
      ws.vendor,
      '--out',
      bundle,
      '--next-update',
      '7d',
    ],
    now,
  );
  t.is(published.exitCode, 0, published.stderr);
  t.regex(
    published.stdout,
    /Published revocation bundle 1 \(full\): 1 license and 0 appliance certificates revoked/,
  );
  t.regex(published.stdout, /next update {2}2027-01-22T00:00:00Z \(in 7 days\)/);

  const trust = ['--store', ws.store, '--trust', ws.vendor];
  const imported = await ws.ok(t, ['client', 'import-revocations', bundle, ...trust], now);
  t.like(imported, { outcome: 'applied', stream: 'vendor', sequence: 1, counts: { licenses: 1 } });
  const { exitCode, error } = await ws.refused(t, ['client', 'status', ...trust], 'REVOKED', now);
  t.is(exitCode, 5);
  t.regex(error['message'], /lost-or-stolen/);

  // The next bundle, a delta onto the first, is taken as well; one onto an unknown base is not made.
  const delta = await ws.given(
    t,
    ['vendor', 'publish-revocations', '--vendor', ws.vendor, '--out', bundle, '--delta-since', '1'],
    now,
  );
  t.like(delta, { sequence: 2, scope: 'delta', baseSequence: 1, counts: { licenses: 0 } });
  t.like(await ws.given(t, ['client', 'import-revocations', bundle, ...trust], now), {
    sequence: 2,
    scope: 'delta',
  });
  await ws.refused(
    t,
    ['vendor', 'publish-revocations', '--vendor', ws.vendor, '--out', bundle, '--delta-since', '9'],
    'BUNDLE_BASE_MISMATCH',
    now,
  );
});

test('revoke and publish-revocations refuse what they cannot use', async (t) => {
  const ws = await Workspace.create(t, now);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  await ws.refused(
    t,
    ['vendor', 'revoke', 'apl_0a0b0c0d', '--vendor', ws.vendor, '--reason', 'fraud'],
    'FORMAT_INVALID',
  );
  await ws.refused(t, ['vendor', 'revoke', 'lic_0000000000000001', '--vendor', ws.vendor], 'USAGE');
  await ws.refused(
    t,
    [
      'vendor',
      'publish-revocations',
      '--vendor',
      ws.vendor,
      '--out',
      ws.path('b'),
      '--next-update',
      'soon',
    ],
    'USAGE',
  );
  await ws.refused(
    t,
    [
      'vendor',
      'publish-revocations',
      '--vendor',
      ws.vendor,
      '--out',
      ws.path('b'),
      '--delta-since',
      '0',
    ],
    'USAGE',
  );
});

/** An appliance certified by the workspace's vendor, and a way to make its usage reports. */
async function givenAppliance(t: ExecutionContext) {
  const ws = await Workspace.create(t, now);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  const identity = await openApplianceDir(data);
  let count = 0;
  const report = async (
    ledger: LedgerCheckpoint,
    previous: LedgerCheckpoint | null,
    change: Partial<UsageReportFields> = {},
  ): Promise<string> => {
    const text = issueUsageReport(
      {
        certificate: identity.certificate!,
        issuedAt: T0 - 10 * DAY + count * DAY,
        ledger,
        previous,
        licenses: [
          {
            licenseId: 'lic_00000000000000c1',
            product: 'acme-cad',
            seats: 10,
            seatsUsed: 3,
            activations: 3,
          },
          {
            licenseId: 'lic_00000000000000c2',
            product: 'acme-view',
            seats: 0,
            seatsUsed: 12,
            activations: 12,
          },
        ],
        revocations: { vendorSequence: 2, siteSequence: null },
        ...change,
      },
      identity.signer,
    );
    const file = ws.path(`report-${++count}.json`);
    await writeFile(file, text);
    return file;
  };
  const verify = ['--vendor', ws.vendor];
  return { ws, report, verify, applianceId: `apl_${identity.settings.applianceId}` };
}

const at = (seq: number, byte: string): LedgerCheckpoint => ({ seq, hash: byte.repeat(32) });

test('verify-report prints the seats used and follows the ledger from report to report', async (t) => {
  const { ws, report, verify, applianceId } = await givenAppliance(t);
  const first = await report(at(10, 'a1'), null);
  const shown = await ws.run(['vendor', 'verify-report', first, ...verify], now);
  t.is(shown.exitCode, 0, shown.stderr);
  t.regex(shown.stdout, new RegExp(`Usage report of appliance ${applianceId} .*signature valid`));
  t.regex(
    shown.stdout,
    /lic_00000000000000c1 {2}acme-cad: 3 of 10 seats used, 3 active activations/,
  );
  t.regex(shown.stdout, /lic_00000000000000c2 {2}acme-view: 12 of unlimited seats used/);
  t.regex(shown.stdout, /Ledger: first report of this appliance: recorded\./);

  const again = await ws.ok(t, ['vendor', 'verify-report', first, ...verify], now);
  t.like(again, {
    applianceId,
    verdict: 'unchanged',
    recorded: false,
    lastSeen: { ledger: at(10, 'a1') },
    ledger: at(10, 'a1'),
    licenses: [{ licenseId: 'lic_00000000000000c1', seatsUsed: 3 }, { seats: 0 }],
    revocations: { vendorSequence: 2, siteSequence: null },
  });

  const second = await report(at(20, 'b2'), at(10, 'a1'));
  t.like(await ws.given(t, ['vendor', 'verify-report', second, ...verify], now), {
    verdict: 'forward',
    recorded: true,
  });
  // Verifying an old file again is recognised, not taken for a rollback.
  t.like(await ws.given(t, ['vendor', 'verify-report', first, ...verify], now), {
    verdict: 'earlier',
    recorded: false,
  });
  // Its previous report (record 30) is one the vendor never saw.
  const fourth = await report(at(40, 'd4'), at(30, 'c3'));
  const gap = await ws.run(['vendor', 'verify-report', fourth, ...verify], now);
  t.is(gap.exitCode, 0);
  t.regex(gap.stdout, /Ledger: forward, but a report in between was not seen/);
  const log = JSON.parse(await readFile(ws.path('vendor', 'reports.json'), 'utf8'));
  t.deepEqual(log.appliances[applianceId].ledger, at(40, 'd4'));
});

test('a report from a ledger restored from an older copy is ROLLED BACK and not recorded', async (t) => {
  const { ws, report, verify } = await givenAppliance(t);
  await ws.given(t, ['vendor', 'verify-report', await report(at(10, 'a1'), null), ...verify], now);
  await ws.given(
    t,
    ['vendor', 'verify-report', await report(at(20, 'b2'), at(10, 'a1')), ...verify],
    now,
  );
  const before = await ws.snapshot('vendor');

  // Behind the last report seen.
  const behind = await report(at(15, 'e5'), at(10, 'a1'));
  const shown = await ws.run(['vendor', 'verify-report', behind, ...verify], now);
  t.is(shown.exitCode, 6);
  t.regex(shown.stderr, /ROLLED BACK: .*record 15, behind record 20 .*\(REPORT_ROLLBACK\)/);
  // Ahead, but it does not know of the report seen at record 20: it was restored from record 10.
  const unaware = await report(at(25, 'f6'), at(10, 'a1'));
  const { error, exitCode } = await ws.refused(
    t,
    ['vendor', 'verify-report', unaware, ...verify],
    'REPORT_ROLLBACK',
    now,
  );
  t.is(exitCode, 6);
  t.like(error['details'], { lastSeenSeq: 20, reportSeq: 25, previousSeq: 10 });
  // An appliance made anew says it never exported a report.
  await ws.refused(
    t,
    ['vendor', 'verify-report', await report(at(30, '07'), null), ...verify],
    'REPORT_ROLLBACK',
    now,
  );
  t.deepEqual(await ws.snapshot('vendor'), before);
});

test('a changed report, or one from an appliance of another vendor, is refused', async (t) => {
  const { ws, report, verify } = await givenAppliance(t);
  const file = await report(at(10, 'a1'), null);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('"seatsUsed": 12', '"seatsUsed": 2'));
  const { exitCode } = await ws.refused(
    t,
    ['vendor', 'verify-report', file, ...verify],
    'SIGNATURE_INVALID',
    now,
  );
  t.is(exitCode, 4);
  await writeFile(file, text);
  // Another vendor directory does not trust this appliance's certificate.
  await ws.given(t, ['vendor', 'init', '--dir', ws.path('other')]);
  await ws.refused(
    t,
    ['vendor', 'verify-report', file, '--vendor', ws.path('other')],
    'KEY_UNKNOWN',
    now,
  );
  await ws.refused(
    t,
    ['vendor', 'verify-report', ws.path('none.json'), ...verify],
    'FILE_NOT_FOUND',
    now,
  );
  t.false((await ws.snapshot('vendor')).has(ws.path('vendor', 'reports.json')), 'nothing recorded');
});
