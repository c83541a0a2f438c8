// A restored appliance never issues an activation ID or a site bundle sequence twice, as people
// would run it: a backup, then the live appliance goes on (activations, a revocation, a site bundle
// and a usage report on a stick); the backup restored into a new directory takes IDs and sequences
// past the live one's, its site bundle reaches a machine that holds the live one's, the vendor sees
// the rollback in its report, and a second restore of the same backup lands past the first. A jump
// past the last activation ID is refused and leaves nothing behind.

import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { restoreBackup } from '../../src/ops/restore.ts';
import { DAY, T0, vendorWithLicense, type Workspace } from '../cli/helpers.ts';

const at = (seconds: number) => ({ AIRLOCK_NOW: String(seconds) });
const idOf = (text: string) => Number.parseInt(text.slice('act_'.length), 16);

/** A machine activated on the appliance in `data` at `now`: its store and activation ID. */
async function activate(
  t: ExecutionContext,
  ws: Workspace,
  key: string,
  data: string,
  machine: string,
  now: number,
): Promise<{ store: string; activationId: string }> {
  const store = ws.path(`store-${machine}`);
  const env = { AIRLOCK_MACHINE_ID: machine, ...at(now) };
  const trust = ['--store', store, '--trust', ws.vendor];
  const { challenge } = await ws.given(t, ['client', 'challenge', '--license', key, ...trust], env);
  const answer = await ws.given(t, ['respond', challenge, '--data', data], at(now));
  await ws.given(t, ['client', 'apply', answer['qr'], ...trust], env);
  return { store, activationId: answer['activationId'] as string };
}

test('restored from an older backup, the appliance takes activation IDs and site sequences past the live one’s, and the vendor sees the rollback', async (t) => {
  const { ws, key } = await vendorWithLicense(t, ['--seats', '10'], at(T0));
  const live = ws.path('live');
  await ws.given(t, ['appliance', 'init', '--data', live, '--vendor', ws.vendor]);
  await ws.given(t, ['license', 'add', key, '--data', live]);
  await activate(t, ws, key, live, 'first', T0 + 10);
  const backup = ws.path('live.tar');
  await ws.ok(t, ['backup', '--data', live, '--out', backup], at(T0 + 60));

  // The live appliance goes on after the backup: two more machines, one revoked, a site bundle.
  const laptop = await activate(t, ws, key, live, 'laptop', T0 + 120);
  const stolen = await activate(t, ws, key, live, 'stolen', T0 + 130);
  const issuedByLive = [laptop.activationId, stolen.activationId].map(idOf);
  await ws.given(
    t,
    ['revoke', stolen.activationId, '--data', live, '--reason', 'lost-or-stolen'],
    at(T0 + 140),
  );
  const stick = ws.path('usb-live');
  await mkdir(stick);
  const liveExport = await ws.given(t, ['sync', 'export', stick, '--data', live], at(T0 + 150));
  const liveSequence = liveExport['manifest']['siteSequence'] as number;
  t.is(liveSequence, 1);
  const [liveBundle, liveReport] = liveExport['paths'] as string[];
  const laptopTrust = ['--store', laptop.store, '--trust', ws.vendor];
  const laptopEnv = { AIRLOCK_MACHINE_ID: 'laptop', ...at(T0 + 160) };
  t.like(
    await ws.given(t, ['client', 'import-revocations', liveBundle!, ...laptopTrust], laptopEnv),
    { outcome: 'applied', sequence: 1 },
  );
  t.like(
    await ws.given(
      t,
      ['vendor', 'verify-report', liveReport!, '--vendor', ws.vendor],
      at(T0 + 170),
    ),
    { verdict: 'first' },
  );

  // The live appliance is lost; the backup is restored a day later.
  const restored = ws.path('restored');
  const restore = await ws.ok(t, ['restore', '--from', backup, '--data', restored], at(T0 + DAY));
  t.like(restore['recorded'], {
    ledger: { seq: 3 }, // license.added, activation.granted, then the restore's own record
    elapsed: DAY - 60,
    lastActivationId: { from: 'act_00000001' },
    siteSequence: { from: 0 },
  });
  const jumpedTo = idOf(restore['recorded']['lastActivationId']['to']);
  t.true(issuedByLive.every((id) => jumpedTo > id));
  t.like(await ws.ok(t, ['ledger', 'verify', '--data', restored]), { ok: true, lastSeq: 3 });
  // The snapshot at the new head holds the jumped counters (what a reader opens first).
  const snapshot = JSON.parse(await readFile(join(restored, 'ledger', 'snapshot.json'), 'utf8'));
  t.like(snapshot, { seq: 3, state: { lastActivationId: jumpedTo } });

  // Its next activation ID is past every one the live appliance gave.
  const newcomer = await activate(t, ws, key, restored, 'newcomer', T0 + DAY + 60);
  t.is(idOf(newcomer.activationId), jumpedTo + 1);
  t.true(issuedByLive.every((id) => idOf(newcomer.activationId) > id));

  // The stick with the live one's newer export is left alone; a fresh folder takes the export.
  await ws.refused(
    t,
    ['sync', 'export', stick, '--data', restored],
    'SYNC_EXPORT_OLDER',
    at(T0 + DAY + 90),
  );
  const fresh = ws.path('usb-restored');
  await mkdir(fresh);
  const restoredExport = await ws.ok(
    t,
    ['sync', 'export', fresh, '--data', restored],
    at(T0 + DAY + 120),
  );
  const restoredSequence = restoredExport['manifest']['siteSequence'] as number;
  t.true(restoredSequence > liveSequence);
  t.is(restoredSequence, restore['recorded']['siteSequence']['to'] + 1);
  const [restoredBundle, restoredReport] = restoredExport['paths'] as string[];

  // The laptop, which holds the live one's bundle 1, takes the restored one's bundle (not skipped).
  t.like(
    await ws.ok(t, ['client', 'import-revocations', restoredBundle!, ...laptopTrust], {
      AIRLOCK_MACHINE_ID: 'laptop',
      ...at(T0 + DAY + 130),
    }),
    { outcome: 'applied', sequence: restoredSequence },
  );

  // The vendor sees that the restored appliance's ledger went back.
  const rolledBack = await ws.refused(
    t,
    ['vendor', 'verify-report', restoredReport!, '--vendor', ws.vendor],
    'REPORT_ROLLBACK',
    at(T0 + DAY + 200),
  );
  t.is(rolledBack.exitCode, 6);
  t.regex(rolledBack.error['message'], /^ROLLED BACK: .*restored from an older copy/);

  // The same backup restored again, two days later: its own jump, past the first restored copy's.
  const again = ws.path('restored-again');
  const second = await ws.ok(t, ['restore', '--from', backup, '--data', again], at(T0 + 3 * DAY));
  t.like(second['recorded'], { ledger: { seq: 3 }, lastActivationId: { from: 'act_00000001' } });
  t.true(idOf(second['recorded']['lastActivationId']['to']) > idOf(newcomer.activationId));
  t.true(second['recorded']['siteSequence']['to'] > restoredSequence);
  const later = await activate(t, ws, key, again, 'later', T0 + 3 * DAY + 60);
  t.true(idOf(later.activationId) > idOf(newcomer.activationId));
});

test('the command says where the counters went', async (t) => {
  const { ws } = await vendorWithLicense(t, [], at(T0));
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  await ws.given(t, ['backup', '--data', data, '--out', ws.path('b.tar')], at(T0));
  const result = await ws.run(
    ['restore', '--from', ws.path('b.tar'), '--data', ws.path('restored')],
    at(T0 + DAY),
  );
  t.is(result.exitCode, 0, result.stderr);
  t.regex(
    result.stdout,
    /\nRestore recorded as ledger record 1: activation IDs go on after act_00115180 \(none before\), site bundles after 11440 \(none before\): past what the appliance it replaces can have issued since the backup\.\n/,
  );
  const status = await ws.run(['sync', 'status', '--data', ws.path('restored')], at(T0 + DAY));
  t.regex(status.stdout, /\nSite bundle: the next export is bundle 11441\.\n/);
});

test('a restore whose jump would pass the last activation ID is refused, and leaves no target', async (t) => {
  const { ws } = await vendorWithLicense(t, [], at(T0));
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  await ws.given(t, ['backup', '--data', data, '--out', ws.path('b.tar')], at(T0));
  const before = (await readdir(ws.dir)).sort();
  // A clock some centuries ahead: the time term alone passes 2^32.
  const error = await t.throwsAsync(
    restoreBackup(ws.path('b.tar'), ws.path('restored'), {
      now: T0 + 2 ** 32,
      airlockVersion: '0.2.0',
    }),
    { code: 'COUNTER_EXHAUSTED' } as never,
  );
  t.regex(error!.message, /Nothing was restored\. If the clock is wrong, correct it/);
  t.deepEqual((await readdir(ws.dir)).sort(), before, 'no target, no temp directory');
});
